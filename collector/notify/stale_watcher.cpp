#include "collector/notify/stale_watcher.h"

#include "common/time_format.h"

namespace uplinkprobe::collector::notify {

namespace {
std::string stamp(std::int64_t ms) {
  return formatRfc3339Utc(WallTime{} + std::chrono::milliseconds(ms));
}
}  // namespace

std::vector<Notification> StaleWatcher::update(const std::vector<SchoolLedgerRow>& rows,
                                               std::int64_t now_ms) {
  std::vector<Notification> out;
  std::map<std::string, SchoolState> now_states;
  for (const auto& r : rows) {
    now_states[r.school_id] = r.state;
    facts_[r.school_id] = SchoolFacts{r.name, r.city, r.county};
    if (!baseline_) continue;
    auto prev = last_.find(r.school_id);
    if (r.state != SchoolState::kStale || prev == last_.end() ||
        prev->second != SchoolState::kLive) {
      continue;
    }
    Notification n;
    n.event = Event::kSchoolStale;
    n.school_id = r.school_id;
    n.school_name = r.name;
    n.city = r.city;
    n.county = r.county;
    n.ts = stamp(now_ms);
    if (r.last_seen_ms) n.last_seen = stamp(*r.last_seen_ms);
    n.stale_after_hours = stale_after_hours_;
    out.push_back(std::move(n));
  }
  last_ = std::move(now_states);
  baseline_ = true;
  return out;
}

std::optional<SchoolFacts> StaleWatcher::facts(const std::string& school_id) const {
  auto it = facts_.find(school_id);
  if (it == facts_.end()) return std::nullopt;
  return it->second;
}

}  // namespace uplinkprobe::collector::notify
