// The typed records of the link's and the agent's availability: `availability` (one
// reporting period), `outage` (a closed outage), the `outage_started` event that opens one,
// and `power` (an interval the agent was not running). One struct per kind with one
// serializer (toJson: the record's body, "kind" included, without the envelope that the
// RecordFactory adds) and one parser; docs/schema/<kind>.json is the contract both follow
// (tests/unit/record/availability_records_test.cpp validates toJson against it).
//
// Producers: availability::PeriodStats (availability), availability::OutageTracker (outage,
// outage_started), journal::Heartbeat (power). Readers: the daily summary, the alert engine,
// the CLI's record lines and the collector's store. Before this, each reader took the same
// fields out of the JSON by name, with its own idea of what a missing field meant.
//
// Parsing is tolerant, as every reader was: it never throws; nullopt when the record is not
// of that kind or lacks what gives it meaning (its times and durations); any other member
// that is absent or mistyped keeps its default. Times are RFC 3339 in UTC on the wire and
// WallTime here; formatRfc3339Utc(parseRfc3339(t)) == t for every time an agent writes
// (millisecond precision, "Z").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"

namespace uplinkprobe::record {

// availability.json "targets": one probe target over the period.
struct TargetFigures {
  struct Rtt {
    double min_ms = 0, median_ms = 0, p95_ms = 0;
  };
  int64_t probes = 0;
  int64_t failed = 0;
  double loss_pct = 0;
  std::optional<Rtt> rtt;           // null when no probe came back
  std::optional<double> jitter_ms;  // null with fewer than two RTTs
};

struct AvailabilityRecord {
  WallTime period_start;
  WallTime period_end;
  double period_s = 0;
  double up_s = 0;
  double down_s = 0;
  int64_t rounds = 0;
  int64_t good_rounds = 0;
  std::map<std::string, TargetFigures> targets;  // keyed "gateway", "dns:…", "tcp:host:port"
  int64_t targets_dropped = 0;
  double interval_s = 0;  // the probe round interval

  nlohmann::json toJson() const;
};
// Needs period_start, period_end, up_s and down_s.
std::optional<AvailabilityRecord> parseAvailabilityRecord(const nlohmann::json& r);

// outage.json "evidence": what the rounds of the outage saw.
struct OutageEvidence {
  struct Probe {
    std::string target;
    int64_t failed = 0;
    int64_t of = 0;
    std::string last_error;
  };
  int64_t rounds = 0;
  int64_t failed_rounds = 0;
  std::map<std::string, int64_t> rounds_by_class;
  std::vector<Probe> probes;
  int64_t targets_dropped = 0;

  nlohmann::json toJson() const;
};

struct OutageRecord {
  WallTime start;
  WallTime end;  // the first good round
  double duration_s = 0;
  std::string outage_class;  // "local" | "upstream" | "dns"; "" when the record has none
  bool restored = false;     // open across an agent restart
  OutageEvidence evidence;

  nlohmann::json toJson() const;  // "open": false always: only closed outages are records
};
// Needs start, end and duration_s.
std::optional<OutageRecord> parseOutageRecord(const nlohmann::json& r);

// The `event` record with "event": "outage_started".
struct OutageStartedEvent {
  WallTime start;            // the first failed round of the streak
  std::string outage_class;  // "" when the event has none
  int64_t failed_rounds = 0;

  nlohmann::json toJson() const;
};
// Needs kind "event", event "outage_started" and start.
std::optional<OutageStartedEvent> parseOutageStartedEvent(const nlohmann::json& r);

struct PowerRecord {
  WallTime start;  // the last heartbeat before the gap
  WallTime end;    // when the agent started again
  double duration_s = 0;
  std::string cause;         // "reboot" | "agent_down"
  double uncertainty_s = 0;  // 0 after a clean shutdown, else one heartbeat period
  bool clean_shutdown = false;
  bool clock_inconsistent = false;  // the wall clock went backwards across the gap

  nlohmann::json toJson() const;
};
// Needs start, end and duration_s.
std::optional<PowerRecord> parsePowerRecord(const nlohmann::json& r);

}  // namespace uplinkprobe::record
