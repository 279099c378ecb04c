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
// are ignored, so rebuild() followed by live records is safe. Journal the returned bodies
// as kind "alert".
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

namespace uplinkprobe::verdict {

// Evidence lists in alert records and the state are bounded.
inline constexpr size_t kMaxEvidenceIds = 64;

struct AlertRules {
  BreachRules throughput;
  int outage_alert_minutes = 10;
  double min_daily_uptime_pct = 99;
};
AlertRules alertRulesFromConfig(const config::AlertConfig& a);

class AlertEngine {
 public:
  explicit AlertEngine(AlertRules rules);

  // One journaled record (full envelope: kind, id, seq, ts, body). Returns alert bodies
  // ({"alert", "type", "evidence", ...}) to journal as kind "alert", in order.
  std::vector<nlohmann::json> onRecord(const nlohmann::json& rec);
  // Periodic check (e.g. every minute): an open outage passing the threshold.
  std::vector<nlohmann::json> onTick(WallTime now);
  // Replays the whole journal (paged, bounded) without emitting; returns the reconciling
  // announcements the journal lacks (usually none). Call once, before live records.
  std::vector<nlohmann::json> rebuild(const journal::Journal& journal);
  // Same as rebuild() over parsed records (tests, `uplinkprobe report`).
  std::vector<nlohmann::json> replay(const std::vector<nlohmann::json>& records);

  // The payload for the retained {prefix}/{school}/{device}/alert/state topic.
  nlohmann::json state() const;
  bool throughputOpen() const { return announced_.count("throughput") > 0; }
  bool availabilityOpen() const { return announced_.count("availability") > 0; }
  uint64_t lastSeq() const { return last_seq_; }

 private:
  struct Announced {
    std::string alert_id;  // "" until the alert record itself was seen
    std::string since;
    nlohmann::json evidence;
  };
  struct OpenOutage {
    std::string event_id;
    std::string start;
    WallTime start_time;
    std::string cls;
  };

  std::vector<nlohmann::json> process(const nlohmann::json& rec);
  std::vector<nlohmann::json> onThroughput(const nlohmann::json& rec);
  std::vector<nlohmann::json> onOutageRecord(const nlohmann::json& rec);
  std::vector<nlohmann::json> onDaily(const nlohmann::json& rec);
  std::vector<nlohmann::json> checkOutage(WallTime now, const std::string& now_text);
  std::vector<nlohmann::json> availabilityChanged(const std::string& cause, nlohmann::json evidence,
                                                  const std::string& since, nlohmann::json figures);
  void onAlertRecord(const nlohmann::json& rec);
  nlohmann::json opened(const std::string& type, nlohmann::json evidence, const std::string& since,
                        nlohmann::json figures);
  nlohmann::json closed(const std::string& type, nlohmann::json evidence, nlohmann::json figures);

  AlertRules rules_;
  BreachTracker tracker_;
  bool replaying_ = false;
  uint64_t last_seq_ = 0;
  double target_mbps_ = 0;
  std::vector<CountedResult> last_close_evidence_;
  std::optional<OpenOutage> outage_;
  bool long_outage_ = false;
  nlohmann::json long_outage_evidence_ = nlohmann::json::array();
  std::optional<std::string> low_uptime_day_;
  nlohmann::json low_uptime_evidence_ = nlohmann::json::array();
  // What the journal says was announced (plus what we returned and the daemon is about to
  // journal); keyed by type.
  std::map<std::string, Announced> announced_;
};

}  // namespace uplinkprobe::verdict
