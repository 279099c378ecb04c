// The outage state machine. Pure: fed one classified round at a time with the round's
// own times; no clock, no I/O, no timers.
//
//   Up --bad--> Suspect(n) --bad, n == fail_rounds--> Down --good--> Recovering(k)
//   Suspect --good--> Up        Recovering --bad--> Down     Recovering(k == recover_rounds) --> Up
//
// - Opens after exactly `fail_rounds` consecutive bad rounds; the outage's start is the
//   time of the first of them. At open it returns an event body
//   {"kind":"event","event":"outage_started","start",...} so alerts can react at once.
// - Closes after `recover_rounds` consecutive good rounds; end = the time of the first of
//   them. At close it returns the record body {"kind":"outage","start","end","duration_s",
//   "class","evidence","open":false,...}.
// - Class = the dominant class: the one with the most bad rounds during the outage, ties
//   broken by severity local > upstream > dns. Dominant rather than "worst ever", so that
//   one stray round does not relabel a two-hour DNS outage as local; the per-class round
//   counts are in the evidence.
// - Evidence is bounded: at most kMaxEvidenceTargets probe targets (further ones are
//   counted in "targets_dropped"), detail strings cut to kMaxDetailLength.
// - An outage open when the daemon stops is NOT closed: the daemon persists state() and
//   passes it to restore() on the next start, so the outage continues (and is closed by
//   the first good rounds after the restart, with "restored": true). The agent's own
//   downtime is the separate `power` record's business.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/availability/round_classifier.h"
#include "common/result.h"
#include "record/availability_records.h"

namespace uplinkprobe::availability {

inline constexpr size_t kMaxEvidenceTargets = 32;
inline constexpr size_t kMaxDetailLength = 96;

struct OutageTrackerOptions {
  int fail_rounds = 3;
  int recover_rounds = 2;
};

class OutageTracker {
 public:
  enum class Phase { kUp, kSuspect, kDown, kRecovering };

  explicit OutageTracker(OutageTrackerOptions options);

  // Feeds one round (in time order). Returns the bodies to journal: none, the
  // outage_started event, or the closed outage record.
  std::vector<nlohmann::json> onRound(const RoundResult& round, const RoundVerdict& verdict);

  Phase phase() const { return phase_; }
  // An outage is open (Down or Recovering).
  bool isOpen() const { return phase_ == Phase::kDown || phase_ == Phase::kRecovering; }
  // Start of the open outage (or of the current failure streak), if any.
  std::optional<WallTime> startWall() const;
  // Steady time from which this process counts the open outage as down time (its start,
  // or the first round after a restore).
  std::optional<SteadyTime> downSinceSteady() const;
  OutageClass currentClass() const;
  // [down since, first good round) of the outage closed by the last onRound() that
  // returned an outage record; for the period's down time.
  std::optional<std::pair<SteadyTime, SteadyTime>> lastClosedDownInterval() const {
    return last_closed_;
  }
  int consecutiveBadRounds() const { return consecutive_bad_; }

  // Persistable snapshot: only an open outage is worth keeping ({"open":false} otherwise).
  nlohmann::json state() const;
  // Resumes an open outage from state(); an invalid snapshot is an error and leaves the
  // tracker Up. Call before the first onRound().
  Status restore(const nlohmann::json& state);

 private:
  struct TargetEvidence {
    int failed = 0;
    int probed = 0;
    std::string last_error;
  };

  void beginStreak(const RoundResult& round);
  void accumulate(const RoundResult& round, const RoundVerdict& verdict);
  record::OutageEvidence evidence() const;
  record::OutageRecord closeRecord() const;
  void closeIfRecovered(std::vector<nlohmann::json>& out);

  OutageTrackerOptions options_;
  Phase phase_ = Phase::kUp;
  int consecutive_bad_ = 0;
  int consecutive_good_ = 0;
  bool restored_ = false;
  bool restored_pending_steady_ = false;
  WallTime start_wall_{};
  std::optional<SteadyTime> start_steady_;  // unknown after a restore
  SteadyTime down_since_steady_{};
  WallTime first_good_wall_{};  // first good round of the current recovery
  SteadyTime first_good_steady_{};
  int rounds_ = 0;
  int bad_rounds_ = 0;
  std::map<OutageClass, int> rounds_by_class_;
  std::map<std::string, TargetEvidence> targets_;
  int targets_dropped_ = 0;
  std::optional<std::pair<SteadyTime, SteadyTime>> last_closed_;
};

}  // namespace uplinkprobe::availability
