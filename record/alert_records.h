// The typed `alert` record (a breach opened or closed, docs/schema/alert.json) and the
// retained `alert_state` (the open breaches and the engine's state, alert_state.json). One
// struct per kind, one serializer (toJson: the body, "kind" included, without the envelope
// that the RecordFactory adds) and one tolerant parser; availability_records.h gives the
// rules they follow.
//
// Producer: verdict::AlertEngine. Readers: the engine itself (the journal's alert records
// tell it what was announced), the CLI's record lines, the collector's store (open alerts
// per device) and its notifications (WeCom, DingTalk, JSON webhooks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"

namespace uplinkprobe::record {

// The schema's bound on an evidence list (alert.json and alert_state.json "maxItems"): a
// producer keeps the first ids and drops the rest, so a long breach never makes a record
// the collector must refuse.
inline constexpr size_t kMaxAlertEvidence = 50;

// envelope.json "rule": the throughput hysteresis the alert was judged by.
struct BreachRule {
  int64_t breach_after = 0;
  int64_t breach_window = 0;
  int64_t clear_after = 0;
  bool operator==(const BreachRule&) const = default;
};

// Figures of a throughput breach: the target and the counted results that moved it.
struct ThroughputAlertFigures {
  double target_mbps = 0;
  std::vector<double> measured_mbps;  // one per evidence id, same order
  std::optional<BreachRule> rule;     // absent on a reconciling announcement
  bool operator==(const ThroughputAlertFigures&) const = default;
};

// Figures of a long outage: seen open past the threshold (open_for_s, as_of) or learned
// when its record closed it (duration_s, end).
struct LongOutageFigures {
  std::string outage_class;  // "local" | "upstream" | "dns"; "" when unknown
  std::optional<WallTime> start;
  std::optional<WallTime> end;
  std::optional<double> duration_s;
  std::optional<double> open_for_s;
  std::optional<WallTime> as_of;
  double outage_alert_minutes = 0;
  bool operator==(const LongOutageFigures&) const = default;
};

// Figures of a day below the uptime floor (or the first day back above it).
struct LowUptimeFigures {
  std::string date;  // YYYY-MM-DD, the school's local day
  double uptime_pct = 0;
  std::optional<double> coverage;  // null: the day's record had none
  double min_daily_uptime_pct = 0;
  bool operator==(const LowUptimeFigures&) const = default;
};

struct AlertRecord {
  std::string id;                     // the journal's id ("" before the journal assigned one)
  bool opened = true;                 // "breach_opened"; false: "breach_closed"
  std::string type;                   // "throughput" | "availability"
  std::vector<std::string> evidence;  // ids of the records that caused it, ≤ kMaxAlertEvidence
  std::optional<WallTime> since;      // when the breach began; null when unknown
  // breach_closed only: the alert that opened it; null when the journal no longer has it.
  std::optional<std::string> opened_alert_id;
  bool reconciled = false;  // made at start to reconcile the journal with the rules
  std::string cause;        // availability: "long_outage" | "low_uptime"; "" otherwise
  std::optional<ThroughputAlertFigures> throughput;
  std::optional<LongOutageFigures> long_outage;
  std::optional<LowUptimeFigures> low_uptime;

  nlohmann::json toJson() const;
  // The median of measured_mbps (a notification's one figure); nullopt without figures.
  std::optional<double> medianMeasuredMbps() const;
  bool operator==(const AlertRecord&) const = default;
};
// Needs kind "alert" (when the record names its kind), alert breach_opened or breach_closed
// and a type.
std::optional<AlertRecord> parseAlertRecord(const nlohmann::json& r);

// alert_state.json: what the engine holds, published retained after every alert.
struct AlertState {
  struct Breach {
    std::string type;
    std::optional<std::string> opened_alert_id;  // null until the alert record was journaled
    std::optional<WallTime> since;
    std::vector<std::string> evidence;
    bool operator==(const Breach&) const = default;
  };
  struct WindowEntry {
    std::string id;
    bool good = false;
    bool operator==(const WindowEntry&) const = default;
  };
  struct OpenOutage {
    WallTime start;
    std::string outage_class;
    std::string event_id;
    bool operator==(const OpenOutage&) const = default;
  };
  std::vector<Breach> breaches;  // the open ones; "open" is !breaches.empty()
  uint64_t as_of_seq = 0;
  // throughput
  bool throughput_open = false;
  double target_mbps = 0;
  std::vector<WindowEntry> window;
  int64_t bad_in_window = 0;
  int64_t good_streak = 0;
  BreachRule rule;
  // availability
  bool availability_open = false;
  std::optional<OpenOutage> open_outage;
  bool long_outage = false;
  std::optional<std::string> low_uptime_day;
  double outage_alert_minutes = 0;
  double min_daily_uptime_pct = 0;

  nlohmann::json toJson() const;
  bool operator==(const AlertState&) const = default;
};
// Reads the open breaches and the figures the readers use (kind "alert_state" when named);
// nullopt when it is not an object or has no breaches list.
std::optional<AlertState> parseAlertState(const nlohmann::json& r);

}  // namespace uplinkprobe::record
