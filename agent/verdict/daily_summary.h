// The `daily` compliance summary of one local day. Pure: records in, body out.
//
// Inputs: the journaled records (parsed JSON, any order) that may touch the day — the caller
// passes everything with ts in [day.start - 1 day, day.end + 1 day) or simply more; the
// function picks what belongs to the day:
// - throughput records and test_deferred/test_skipped events by their `ts`;
// - availability periods, outages and power-off intervals by their overlap with the day
//   (an outage crossing midnight counts in both days, for the seconds inside each);
// - an outage_started event with no closing outage record (matched on `start`) counts as an
//   outage open until `until`.
//
// Figures and their definitions (written in the body's "method" too):
// - tests.run = throughput records; failed = with a top-level error; counted =
//   verdict.counted; deferred / skipped = test_deferred / test_skipped events.
// - download/upload goodput_mbps and ip_capacity_mbps: {median, p10, min, max, n} over the
//   COUNTED tests only — the same fair set that decides the verdict and the breaches.
//   median = mean of the two middle values for an even n; p10 = nearest rank, the
//   ceil(0.10 n)-th smallest value (so with fewer than 10 tests it is the minimum).
// - latency idle_ms / loaded_ms medians, same rule, over counted tests.
// - up_s / down_s from availability periods, each scaled by the share of the period inside
//   the day; uptime_pct = 100 up / (up + down), over the time the agent observed only:
//   power-off time and time before the agent started are unknown, never "up".
//   null when nothing was observed.
// - coverage = observed seconds / length of [day.start, until); partial = coverage < 0.99.
//   A partial day keeps its real figures and says so; nothing is extrapolated.
// - power_off_s: power records' [start, end] clipped to the day.
// - bytes_tests: sum of bytes_total of every throughput record of the day.
// - verdict: meets_target = median counted download ip_capacity >= target x (1 - tolerance),
//   null when the day has no counted test.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "agent/verdict/local_day.h"
#include "agent/verdict/throughput_verdict.h"
#include "common/clock.h"
#include "record/daily_record.h"

namespace uplinkprobe::verdict {

// Below this coverage a day is marked partial.
inline constexpr double kPartialCoverage = 0.99;

using Distribution = record::DailyDistribution;
// Empty input -> nullopt. Exposed for tests.
std::optional<Distribution> distributionOf(std::vector<double> values);

// The `daily` record for `day`, observed until `until` (normally day.end; earlier for a
// day still in progress, as `uplinkprobe report` shows today). Journal it as .toJson().
record::DailyRecord summarizeDay(const std::vector<nlohmann::json>& records, const LocalDay& day,
                                 WallTime until, const VerdictInputs& target);

}  // namespace uplinkprobe::verdict
