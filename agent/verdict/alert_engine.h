// Alerts: turns the journal's records into `alert` records (breach_opened / breach_closed)
// and the retained alert state. Pure logic: fed records and times, no clock, no I/O except
// reading the journal in rebuild().
//
// Two breach types:
// - "throughput": BreachTracker hysteresis over counted throughput results (verdict.counted
//   true and meets_target not null); unfair results never move it.
// - "availability": open while at least one cause holds:
//     long_outage  an outage open longer than outage_alert_minutes (seen from the
//                  outage_started event once the time passes — via onTick() or the ts of
//                  any later record — or from a closed outage record that lasted that long);
//                  the cause ends when the outage record closes it.
//     low_uptime   a `daily` record whose uptime_pct < min_daily_uptime_pct; ends with the
//                  next daily record at or above it.
//
// Restart contract: the state is derived from the journal only. rebuild() replays every
// record emitting nothing; `alert` records in the journal tell which breaches were already
// announced. If the derived state disagrees with the announced one (the agent died between
// a test record and its alert), rebuild() returns the missing announcement(s) — so a restart
// never re-announces and never forgets.
//
// Calling contract (daemon): one thread (the event loop). Call onRecord() with EVERY
// journaled record, in seq order, including the alert records produced here (they are
// recognised and only update the announced state). Records with seq <= the last seq seen
// are ignored, so rebuild() followed by live records is safe. Journal the returned records'
// bodies (AlertRecord::toJson) as kind "alert".
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/config/config.h"
#include "agent/journal/journal.h"
#include "agent/verdict/breach_tracker.h"
#include "common/clock.h"
#include "record/alert_records.h"

namespace uplinkprobe::verdict {

struct AlertRules {
  BreachRules throughput;
  int outage_alert_minutes = 10;
  double min_daily_uptime_pct = 99;
};
AlertRules alertRulesFromConfig(const config::AlertConfig& a);

class AlertEngine {
 public:
  explicit AlertEngine(AlertRules rules);

  // One journaled record (full envelope: kind, id, seq, ts, body). Returns the alerts to
  // journal, in order.
  std::vector<record::AlertRecord> onRecord(const nlohmann::json& rec);
  // Periodic check (e.g. every minute): an open outage passing the threshold.
  std::vector<record::AlertRecord> onTick(WallTime now);
  // Replays the whole journal (paged, bounded) without emitting; returns the reconciling
  // announcements the journal lacks (usually none). Call once, before live records.
  std::vector<record::AlertRecord> rebuild(const journal::Journal& journal);
  // Same as rebuild() over parsed records (tests, `uplinkprobe report`).
  std::vector<record::AlertRecord> replay(const std::vector<nlohmann::json>& records);

  // The payload for the retained {prefix}/{school}/{device}/alert/state topic.
  record::AlertState state() const;
  bool throughputOpen() const { return announced_.count("throughput") > 0; }
  bool availabilityOpen() const { return announced_.count("availability") > 0; }
  uint64_t lastSeq() const { return last_seq_; }

 private:
  using Ids = std::vector<std::string>;
  using Alerts = std::vector<record::AlertRecord>;
  struct Announced {
    std::optional<std::string> alert_id;  // nullopt until the alert record itself was seen
    std::optional<WallTime> since;
    Ids evidence;
  };

  Alerts process(const nlohmann::json& rec);
  Alerts onThroughput(const nlohmann::json& rec);
  Alerts onOutageRecord(const nlohmann::json& rec);
  Alerts onDaily(const nlohmann::json& rec);
  Alerts checkOutage(WallTime now);
  // `figures` carries the cause's figures; its type, evidence and since are filled here.
  Alerts availabilityChanged(record::AlertRecord figures, Ids evidence,
                             std::optional<WallTime> since);
  void onAlertRecord(const nlohmann::json& rec);
  // Both return nothing while replaying; otherwise `a` completed as the announcement.
  std::optional<record::AlertRecord> opened(record::AlertRecord a, Ids evidence,
                                            std::optional<WallTime> since);
  std::optional<record::AlertRecord> closed(record::AlertRecord a, Ids evidence);
  record::ThroughputAlertFigures throughputFigures(const std::vector<CountedResult>& results,
                                                   bool with_rule) const;

  AlertRules rules_;
  BreachTracker tracker_;
  bool replaying_ = false;
  uint64_t last_seq_ = 0;
  double target_mbps_ = 0;
  std::vector<CountedResult> last_close_evidence_;
  std::optional<record::AlertState::OpenOutage> outage_;
  bool long_outage_ = false;
  Ids long_outage_evidence_;
  std::optional<std::string> low_uptime_day_;
  Ids low_uptime_evidence_;
  // What the journal says was announced (plus what we returned and the daemon is about to
  // journal); keyed by type.
  std::map<std::string, Announced> announced_;
};

}  // namespace uplinkprobe::verdict
