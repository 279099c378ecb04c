// DirectionController: the pure decision logic of one direction of a throughput test —
// when to add streams, where the warm-up ends, when to stop — driven only by samples
// (time, cumulative bytes), so that it is unit-tested with synthetic series and no sleeps.
//
// Method (DESIGN.md "Measurement method"), with the constants below:
//  * Plateau: once a phase (start, or the last stream change) is ≥ min_phase_s old, the rate
//    over the last half_window_s is compared with the half_window_s before it. If it rose by
//    no more than plateau_rise (3 %), the rate stopped rising: that is a plateau, and the
//    warm-up ends at the start of the recent half window (its bytes were already at the
//    plateau rate).
//  * Streams: at each plateau, if streams < streams_max and there is time left to judge the
//    effect, double the streams (capped) and open a trial phase. If after the trial's own
//    plateau the rate rose by more than add_gain (5 %), the extra streams mattered: the
//    warm-up restarts there and another doubling may follow. Otherwise adding stops and the
//    earlier window start stays (extra streams that do not change the aggregate do not make
//    the samples different).
//  * Early stop ("stable"): outside a trial, after ≥ min_measure_s of window, when the
//    coefficient of variation of the 1-s sliding rates ending at the samples of the last
//    stable_span_s is ≤ stable_cv (3 %). With 100 ms bins that is 11 overlapping 1-s rates.
//  * Caps: elapsed ≥ max_seconds → "time_cap"; cumulative bytes ≥ max_bytes → "byte_cap".
//  * Goodput = bytes after the window start / time after it. If no plateau was ever found
//    (rate rising to the end), the window is the second half of the run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "agent/measure/rate_series.h"

namespace uplinkprobe::measure {

struct ControllerConfig {
  double max_seconds = 8;
  uint64_t max_bytes = 60'000'000;
  int streams_start = 4;
  int streams_max = 16;
  double min_phase_s = 1.0;
  double half_window_s = 0.5;
  double plateau_rise = 0.03;
  double add_gain = 0.05;
  double min_measure_s = 2.0;
  double stable_span_s = 1.0;
  double stable_cv = 0.03;
};

enum class StopReason { kNone, kStable, kTimeCap, kByteCap };
std::string stopReasonName(StopReason r);

struct ControllerDecision {
  int add_streams = 0;  // open this many more streams now
  StopReason stop = StopReason::kNone;
};

struct DirectionSummary {
  double goodput_bps = 0;
  double peak_bps = 0;  // best 1-s sliding rate inside the measurement window
  double warmup_s = 0;  // time discarded before the measurement window
  double duration_s = 0;
  uint64_t bytes = 0;  // all bytes of the direction, warm-up included (the data cost)
  bool plateau_found = false;
};

class DirectionController {
 public:
  explicit DirectionController(ControllerConfig config);

  // Streams to open at the start (streams_start clamped to [1, streams_max]).
  int initialStreams() const { return streams_; }
  int streams() const { return streams_; }

  // Feed one sample; t_s = seconds since the direction started, bytes = cumulative count.
  // Once a stop was returned, further samples are ignored and return the same stop.
  ControllerDecision onSample(double t_s, uint64_t bytes);

  DirectionSummary summarize() const;
  const RateSeries& series() const { return series_; }

 private:
  enum class State { kRamp, kTrial, kMeasure };
  void startTrial(double t_s, double rate);

  ControllerConfig config_;
  RateSeries series_;
  State state_ = State::kRamp;
  int streams_ = 1;
  double phase_start_s_ = 0;
  double rate_before_trial_ = 0;
  std::optional<std::size_t> window_start_;
  StopReason stopped_ = StopReason::kNone;
};

}  // namespace uplinkprobe::measure
