// CommandController: from one MQTT payload on the device's cmd topic to exactly ONE `event`
// record, `command_done` or `command_refused`, naming the command. Decisions (verify,
// replay, rate limit, verb arguments) happen here, apart from I/O; effects (a test, a config
// edit, the record itself) go through CommandActions, which the daemon implements and tests
// fake. No clock reads except through `clock`; no sleeps.
//
// Order for each payload:
//   1. CommandVerifier (malformed … replayed); a refusal is answered and nothing else happens.
//   2. The key's replay mark is raised and SAVED (fsync) before anything runs: a kill -9 from
//      here on loses the command but can never run it twice. Save failed → refused "failed".
//   3. verb and arguments (unknown_verb / invalid_arguments), then the hourly rate limit.
//   4. CommandActions::execute; its Finish is called once, now or later (run_test).
// Refusal events are themselves bounded (kMaxRefusalEventsPerHour): beyond that a flood of
// junk on the topic is counted, and the count rides on the next refusal event
// ("suppressed"), so a broker-side attacker cannot fill the journal.
//
// Threads: everything on the owner thread (the daemon's loop), including Finish.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "agent/config/config.h"
#include "agent/control/command_verifier.h"
#include "agent/control/refusal.h"
#include "agent/control/replay_guard.h"
#include "agent/control/verbs.h"
#include "common/clock.h"
#include "record/command_answer.h"

namespace uplinkprobe::control {

inline constexpr int kMaxRefusalEventsPerHour = 60;

struct Outcome {
  std::optional<Refusal> refusal;  // nullopt = done
  std::string detail;
  nlohmann::json fields = nlohmann::json::object();  // merged into the event (done only)
  static Outcome done(nlohmann::json f = nlohmann::json::object()) {
    Outcome o;
    o.fields = std::move(f);
    return o;
  }
  static Outcome refused(Refusal r, std::string detail) {
    Outcome o;
    o.refusal = r;
    o.detail = std::move(detail);
    return o;
  }
};

using Finish = std::function<void(Outcome)>;

class CommandActions {
 public:
  virtual ~CommandActions() = default;
  // The running configuration (server names for run_test's arguments).
  virtual const config::Config& currentConfig() const = 0;
  // Carries out a verified, admitted command; calls `finish` exactly once.
  virtual void execute(const Command& command, const record::CommandEnvelope& envelope,
                       Finish finish) = 0;
  // Journals the answer as an `event` record (command_done / command_refused).
  virtual void emitAnswer(const record::CommandAnswer& answer) = 0;
};

struct ControllerRules {
  int max_commands_per_hour = 6;
};

class CommandController {
 public:
  // `store` is loaded once here; a load error makes every command "failed" (logged by the
  // caller through loadError()).
  CommandController(CommandVerifier verifier, ControllerRules rules,
                    std::unique_ptr<ReplayStore> store, CommandActions& actions,
                    const Clock& clock);
  const std::optional<Error>& loadError() const { return load_error_; }

  void onMessage(const std::string& payload);

  // For tests and logs.
  uint64_t received() const { return received_; }
  uint64_t suppressedRefusals() const { return suppressed_; }

 private:
  void refuse(const std::optional<record::CommandEnvelope>& c, Refusal r,
              const std::string& detail);
  record::CommandAnswer answerTo(const record::CommandEnvelope& c) const;

  CommandVerifier verifier_;
  ControllerRules rules_;
  std::unique_ptr<ReplayStore> store_;
  CommandActions& actions_;
  const Clock& clock_;
  ReplayState replay_;
  std::optional<Error> load_error_;
  RateWindow commands_;
  RateWindow refusal_events_;
  uint64_t received_ = 0;
  uint64_t suppressed_ = 0;  // total since start
  uint64_t unreported_ = 0;  // suppressed since the last refusal event
};

}  // namespace uplinkprobe::control
