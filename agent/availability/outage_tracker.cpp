#include "agent/availability/outage_tracker.h"

#include <algorithm>

#include "common/time_format.h"

namespace uplinkprobe::availability {
namespace {

std::string cut(const std::string& s) {
  return s.size() <= kMaxDetailLength ? s : s.substr(0, kMaxDetailLength);
}

}  // namespace

OutageTracker::OutageTracker(OutageTrackerOptions options) : options_(options) {
  options_.fail_rounds = std::max(1, options_.fail_rounds);
  options_.recover_rounds = std::max(1, options_.recover_rounds);
}

void OutageTracker::beginStreak(const RoundResult& round) {
  start_wall_ = round.wall;
  start_steady_ = round.steady;
  down_since_steady_ = round.steady;
  restored_ = false;
  rounds_ = 0;
  bad_rounds_ = 0;
  rounds_by_class_.clear();
  targets_.clear();
  targets_dropped_ = 0;
}

void OutageTracker::accumulate(const RoundResult& round, const RoundVerdict& verdict) {
  ++rounds_;
  if (!verdict.good) {
    ++bad_rounds_;
    ++rounds_by_class_[verdict.cls];
  }
  for (const ProbeResult& p : round.probes) {
    auto it = targets_.find(p.target);
    if (it == targets_.end()) {
      if (targets_.size() >= kMaxEvidenceTargets) {
        ++targets_dropped_;
        continue;
      }
      it = targets_.emplace(p.target, TargetEvidence{}).first;
    }
    ++it->second.probed;
    if (!p.ok) {
      ++it->second.failed;
      it->second.last_error = cut(p.detail.empty() ? "failed" : p.detail);
    }
  }
}

std::vector<nlohmann::json> OutageTracker::onRound(const RoundResult& round,
                                                   const RoundVerdict& verdict) {
  std::vector<nlohmann::json> out;
  last_closed_.reset();
  if (restored_pending_steady_) {
    down_since_steady_ = round.steady;
    restored_pending_steady_ = false;
  }
  switch (phase_) {
    case Phase::kUp:
      if (verdict.good) break;
      beginStreak(round);
      consecutive_bad_ = 0;
      phase_ = Phase::kSuspect;
      [[fallthrough]];
    case Phase::kSuspect:
      if (verdict.good) {
        phase_ = Phase::kUp;
        consecutive_bad_ = 0;
        break;
      }
      accumulate(round, verdict);
      if (++consecutive_bad_ >= options_.fail_rounds) {
        phase_ = Phase::kDown;
        out.push_back(record::OutageStartedEvent{start_wall_, outageClassName(currentClass()),
                                                 consecutive_bad_}
                          .toJson());
      }
      break;
    case Phase::kDown:
      accumulate(round, verdict);
      if (!verdict.good) {
        ++consecutive_bad_;
        break;
      }
      first_good_wall_ = round.wall;
      first_good_steady_ = round.steady;
      consecutive_good_ = 1;
      phase_ = Phase::kRecovering;
      closeIfRecovered(out);
      break;
    case Phase::kRecovering:
      accumulate(round, verdict);
      if (!verdict.good) {
        consecutive_good_ = 0;
        consecutive_bad_ = 1;
        phase_ = Phase::kDown;
        break;
      }
      ++consecutive_good_;
      closeIfRecovered(out);
      break;
  }
  return out;
}

void OutageTracker::closeIfRecovered(std::vector<nlohmann::json>& out) {
  if (consecutive_good_ < options_.recover_rounds) return;
  out.push_back(closeRecord().toJson());
  last_closed_ = std::make_pair(down_since_steady_, first_good_steady_);
  phase_ = Phase::kUp;
  consecutive_bad_ = 0;
  consecutive_good_ = 0;
}

OutageClass OutageTracker::currentClass() const {
  OutageClass best = OutageClass::kNone;
  int best_count = 0;
  // Iterating from most to least severe makes ">" break ties towards severity.
  for (OutageClass c : {OutageClass::kLocal, OutageClass::kUpstream, OutageClass::kDns}) {
    auto it = rounds_by_class_.find(c);
    int n = it == rounds_by_class_.end() ? 0 : it->second;
    if (n > best_count) {
      best = c;
      best_count = n;
    }
  }
  return best;
}

std::optional<WallTime> OutageTracker::startWall() const {
  if (phase_ == Phase::kUp) return std::nullopt;
  return start_wall_;
}

std::optional<SteadyTime> OutageTracker::downSinceSteady() const {
  if (!isOpen()) return std::nullopt;
  return down_since_steady_;
}

record::OutageEvidence OutageTracker::evidence() const {
  record::OutageEvidence ev;
  for (const auto& [target, e] : targets_) {
    if (e.failed == 0) continue;
    ev.probes.push_back({target, e.failed, e.probed, e.last_error});
  }
  for (const auto& [c, n] : rounds_by_class_) ev.rounds_by_class[outageClassName(c)] = n;
  ev.rounds = rounds_;
  ev.failed_rounds = bad_rounds_;
  ev.targets_dropped = targets_dropped_;
  return ev;
}

record::OutageRecord OutageTracker::closeRecord() const {
  // Duration from monotonic time when the whole outage was seen by this process (immune
  // to NTP steps); from wall time after a restore, the only common reference.
  double duration = start_steady_ ? toSeconds(first_good_steady_ - *start_steady_)
                                  : toSeconds(first_good_wall_ - start_wall_);
  record::OutageRecord o;
  o.start = start_wall_;
  o.end = first_good_wall_;
  o.duration_s = std::max(0.0, duration);
  o.outage_class = outageClassName(currentClass());
  o.restored = restored_;
  o.evidence = evidence();
  return o;
}

nlohmann::json OutageTracker::state() const {
  if (!isOpen()) return {{"open", false}};
  nlohmann::json targets = nlohmann::json::array();
  for (const auto& [target, e] : targets_) {
    targets.push_back({target, e.failed, e.probed, e.last_error});
  }
  nlohmann::json by_class = nlohmann::json::object();
  for (const auto& [c, n] : rounds_by_class_) by_class[outageClassName(c)] = n;
  return {{"open", true},
          {"start", formatRfc3339Utc(start_wall_)},
          {"rounds", rounds_},
          {"failed_rounds", bad_rounds_},
          {"rounds_by_class", by_class},
          {"targets", targets},
          {"targets_dropped", targets_dropped_}};
}

Status OutageTracker::restore(const nlohmann::json& s) {
  if (!s.is_object() || !s.contains("open") || !s["open"].is_boolean()) {
    return makeError(ErrorKind::kState, "outage state: missing boolean 'open'");
  }
  if (!s["open"].get<bool>()) return Status::Ok();
  auto fail = [](const std::string& what) {
    return makeError(ErrorKind::kState, "outage state: bad or missing '" + what + "'");
  };
  if (!s.contains("start") || !s["start"].is_string()) return fail("start");
  auto start = parseRfc3339(s["start"].get<std::string>());
  if (!start) return fail("start");
  auto getInt = [&](const char* key) -> std::optional<int> {
    if (!s.contains(key) || !s[key].is_number_integer()) return std::nullopt;
    return s[key].get<int>();
  };
  auto rounds = getInt("rounds"), bad = getInt("failed_rounds"),
       dropped = getInt("targets_dropped");
  if (!rounds || !bad || !dropped) return fail("rounds");
  std::map<OutageClass, int> by_class;
  if (!s.contains("rounds_by_class") || !s["rounds_by_class"].is_object()) {
    return fail("rounds_by_class");
  }
  for (const auto& [name, n] : s["rounds_by_class"].items()) {
    OutageClass c = outageClassFromName(name);
    if (c == OutageClass::kNone || !n.is_number_integer()) return fail("rounds_by_class");
    by_class[c] = n.get<int>();
  }
  std::map<std::string, TargetEvidence> targets;
  if (!s.contains("targets") || !s["targets"].is_array()) return fail("targets");
  for (const auto& t : s["targets"]) {
    if (targets.size() >= kMaxEvidenceTargets) break;
    if (!t.is_array() || t.size() != 4 || !t[0].is_string() || !t[1].is_number_integer() ||
        !t[2].is_number_integer() || !t[3].is_string()) {
      return fail("targets");
    }
    targets[cut(t[0].get<std::string>())] =
        TargetEvidence{t[1].get<int>(), t[2].get<int>(), cut(t[3].get<std::string>())};
  }
  phase_ = Phase::kDown;
  restored_ = true;
  start_wall_ = *start;
  start_steady_.reset();
  consecutive_bad_ = options_.fail_rounds;
  consecutive_good_ = 0;
  rounds_ = *rounds;
  bad_rounds_ = *bad;
  targets_dropped_ = *dropped;
  rounds_by_class_ = std::move(by_class);
  targets_ = std::move(targets);
  restored_pending_steady_ = true;
  return Status::Ok();
}

}  // namespace uplinkprobe::availability
