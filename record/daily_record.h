// The typed `daily` record (docs/schema/daily.json): one local day of a school summarised for
// the ledger. One struct, one serializer (toJson: the body, "kind" included, without the
// envelope), one tolerant parser; see availability_records.h for the rules they follow.
//
// Producer: verdict::summarizeDay (the daemon journals it after each local midnight;
// `uplinkprobe report` computes it for the days it shows). Readers: the alert engine (low
// daily uptime) and the CLI's record lines.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/clock.h"

namespace uplinkprobe::record {

// envelope.json "distribution": figures over the day's counted tests.
struct DailyDistribution {
  double median = 0, p10 = 0, min = 0, max = 0;
  int64_t n = 0;
};

struct DailyDirection {
  std::optional<DailyDistribution> goodput_mbps;      // null: no counted test measured it
  std::optional<DailyDistribution> ip_capacity_mbps;  // null: likewise
};

struct DailyTally {
  int64_t count = 0;
  double seconds = 0;
};

struct DailyRecord {
  std::string date;  // the local date, YYYY-MM-DD
  WallTime day_start;
  WallTime day_end;
  WallTime until;  // observed until (day_end once the day is over)
  bool complete = false;
  struct Tests {
    int64_t run = 0, counted = 0, failed = 0, deferred = 0, skipped = 0;
  } tests;
  DailyDirection download;
  DailyDirection upload;
  std::optional<double> idle_ms_median;
  std::optional<double> loaded_ms_median;
  std::optional<double> uptime_pct;  // null with no observed time
  double up_s = 0, down_s = 0, unknown_s = 0;
  double coverage = 0;  // observed share of the day, 0..1
  bool partial = false;
  DailyTally outages;
  std::map<std::string, DailyTally> outages_by_class;
  double power_off_s = 0;
  uint64_t bytes_tests = 0;
  struct Verdict {
    double target_mbps = 0, tolerance_pct = 0;
    std::optional<double> measured_mbps;  // the median counted download IP capacity
    std::optional<bool> meets_target;
  } verdict;

  static constexpr std::string_view kVerdictBasis = "median counted download ip_capacity_mbps";
  static constexpr std::string_view kMethod =
      "figures over counted tests; median = mean of middle two; p10 = nearest rank "
      "ceil(0.1n); uptime over observed time only";
  nlohmann::json toJson() const;
};
// Needs kind "daily", date, day_start and day_end.
std::optional<DailyRecord> parseDailyRecord(const nlohmann::json& r);

}  // namespace uplinkprobe::record
