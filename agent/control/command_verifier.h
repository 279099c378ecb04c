// CommandVerifier: the decision "is this payload an authentic, fresh command for this
// device?", apart from any I/O (no clock reads, no files: time and the replay marks are
// parameters), so each refusal is unit-tested with fixed inputs.
//
// Checks, in this order (the first failure is the answer):
//   malformed → unsigned → unknown_key → bad_signature        (before authentication)
//   → wrong_device → not_yet_valid / expired → replayed        (authentic, but not for now/us)
// Nothing about the payload is trusted before the signature verifies: target, times and
// issuer_seq are read only afterwards. Time windows allow `max_clock_skew` either way.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/control/refusal.h"
#include "agent/control/replay_guard.h"
#include "common/clock.h"
#include "record/command_envelope.h"
#include "record/ed25519.h"

namespace uplinkprobe::control {

// What this device answers to: its own id, its school, its county ("" = no county scope).
struct DeviceScope {
  std::string device_id;
  std::string school_id;
  std::string county;
};

struct Verdict {
  std::optional<Refusal> refusal;  // nullopt: accepted
  std::string detail;              // for a technician; never contains key material
  // The parsed envelope whenever the payload parsed (also for most refusals, so that the
  // refusal event can name the command id). Untrusted unless accepted().
  std::optional<record::CommandEnvelope> command;
  bool accepted() const { return !refusal.has_value(); }
};

class CommandVerifier {
 public:
  CommandVerifier(std::vector<record::PublicKey> trusted, DeviceScope scope,
                  std::chrono::seconds max_clock_skew);
  Verdict verify(std::string_view payload, WallTime now, const ReplayState& replay) const;
  bool targetsUs(const record::CommandTarget& t) const;

 private:
  std::vector<record::PublicKey> trusted_;
  DeviceScope scope_;
  std::chrono::seconds skew_;
};

// At most `max` admissions in any sliding `window` (steady time).
class RateWindow {
 public:
  RateWindow(int max, std::chrono::seconds window) : max_(max), window_(window) {}
  bool tryAcquire(SteadyTime now);

 private:
  int max_;
  std::chrono::seconds window_;
  std::vector<SteadyTime> admitted_;
};

}  // namespace uplinkprobe::control
