// Statistics of one reporting period (the `availability` record). Pure: fed rounds and
// down intervals, asked for the record at the period's end.
//
// Per target (the ProbeResult::target key):
//   probes, failed, loss_pct = 100 * failed / probes (a DNS answer that is not useful,
//   e.g. SERVFAIL, counts as failed);
//   rtt_ms {min, median, p95} over the RTTs that came back: median = mean of the two
//   middle values for an even count, p95 = nearest rank (the ceil(0.95 n)-th smallest);
//   jitter_ms = mean absolute difference of consecutive RTTs, in probe order (RFC 3550
//   spirit without its smoothing), null with fewer than two RTTs.
// up_s/down_s: down = time inside outages (intervals clipped to the period, an open
//   outage counts until the period's end); up = period length - down. A failure streak
//   that has not yet become an outage at the period's end counts as up.
//
// Memory: at most kMaxTargets targets (more are counted in "targets_dropped") and
// kMaxSamplesPerTarget RTTs per target (later ones still count for loss, not for RTT).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/availability/probe_result.h"
#include "record/availability_records.h"

namespace uplinkprobe::availability {

inline constexpr size_t kMaxTargets = 64;
inline constexpr size_t kMaxSamplesPerTarget = 4096;

struct RttSummary {
  double min_ms = 0, median_ms = 0, p95_ms = 0;
  std::optional<double> jitter_ms;
};
// Exposed for tests; `rtts_ms` in probe order, not empty.
RttSummary summarizeRtts(const std::vector<double>& rtts_ms);

class PeriodStats {
 public:
  PeriodStats(SteadyTime start, WallTime wall_start);

  void addRound(const RoundResult& round);
  // A closed outage's interval [from, to); clipped to the period.
  void addDownInterval(SteadyTime from, SteadyTime to);

  // The `availability` record for [start, end) (all but interval_s, which the monitor
  // knows), with an outage still open since `open_since` counted as down until `end`. Then
  // resets for the next period starting at `end`.
  record::AvailabilityRecord finish(SteadyTime end, WallTime wall_end,
                                    std::optional<SteadyTime> open_since);

  // Called by the monitor for good-round counting.
  void countRound(bool good) { good ? ++good_rounds_ : ++bad_rounds_; }

 private:
  struct Target {
    int probes = 0;
    int failed = 0;
    std::vector<double> rtts_ms;
  };
  SteadyTime start_;
  WallTime wall_start_;
  std::chrono::nanoseconds down_{0};
  int good_rounds_ = 0;
  int bad_rounds_ = 0;
  std::map<std::string, Target> targets_;
  int targets_dropped_ = 0;
};

}  // namespace uplinkprobe::availability
