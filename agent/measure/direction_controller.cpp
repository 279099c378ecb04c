#include "agent/measure/direction_controller.h"

#include <algorithm>

namespace uplinkprobe::measure {

std::string stopReasonName(StopReason r) {
  switch (r) {
    case StopReason::kStable:
      return "stable";
    case StopReason::kTimeCap:
      return "time_cap";
    case StopReason::kByteCap:
      return "byte_cap";
    case StopReason::kNone:
      break;
  }
  return "none";
}

DirectionController::DirectionController(ControllerConfig config) : config_(config) {
  config_.streams_max = std::max(1, config_.streams_max);
  streams_ = std::clamp(config_.streams_start, 1, config_.streams_max);
  config_.max_add_streams = std::max(1, config_.max_add_streams);
  budget_ = config_.max_bytes;
}

void DirectionController::growBudget(uint64_t bytes) {
  if (config_.max_bytes_ceiling <= budget_) return;
  const std::size_t last = series_.size() - 1;
  std::optional<double> rate = series_.windowRateBps(last, config_.half_window_s);
  if (!rate && last > 0) rate = series_.rateBps(0, last);
  if (!rate && series_.back().t_s > 0) rate = bytes * 8.0 / series_.back().t_s;
  if (!rate || *rate <= 0) return;
  const double bytes_per_s = *rate / 8;
  if (static_cast<double>(bytes) + bytes_per_s * config_.budget_lookahead_s <
      static_cast<double>(budget_))
    return;
  const double wanted =
      std::min(bytes_per_s * config_.budget_s, static_cast<double>(config_.max_bytes_ceiling));
  if (wanted > static_cast<double>(budget_)) budget_ = static_cast<uint64_t>(wanted);
}

void DirectionController::startTrial(double t_s, double rate) {
  int target =
      std::min(config_.streams_max, streams_ + std::min(streams_, config_.max_add_streams));
  state_ = State::kTrial;
  phase_start_s_ = t_s;
  rate_before_trial_ = rate;
  streams_ = target;
}

ControllerDecision DirectionController::onSample(double t_s, uint64_t bytes) {
  ControllerDecision d;
  if (stopped_ != StopReason::kNone) {
    d.stop = stopped_;
    return d;
  }
  if (!series_.add(t_s, bytes)) {
    if (series_.size() >= RateSeries::kMaxSamples) stopped_ = d.stop = StopReason::kTimeCap;
    return d;  // out-of-order sample: ignored
  }
  growBudget(series_.back().bytes);
  if (series_.back().bytes >= budget_) {
    stopped_ = d.stop = StopReason::kByteCap;
    return d;
  }
  if (t_s >= config_.max_seconds) {
    stopped_ = d.stop = StopReason::kTimeCap;
    return d;
  }
  const std::size_t last = series_.size() - 1;

  if (state_ != State::kMeasure && t_s - phase_start_s_ + 1e-9 >= config_.min_phase_s) {
    auto recent = series_.windowRateBps(last, config_.half_window_s);
    auto recent_start = series_.indexAtOrBefore(t_s - config_.half_window_s + 0.02);
    std::optional<double> before;
    if (recent_start) before = series_.windowRateBps(*recent_start, config_.half_window_s);
    if (recent && before && *recent > 0 && *recent <= *before * (1 + config_.plateau_rise)) {
      const int streams_before = streams_;
      // Room to judge another trial: a phase plus a minimal measurement before the cap.
      const bool time_for_trial =
          t_s + config_.min_phase_s + config_.min_measure_s <= config_.max_seconds;
      if (state_ == State::kRamp) {
        window_start_ = recent_start;
        if (streams_ < config_.streams_max && time_for_trial) {
          startTrial(t_s, *recent);
        } else {
          state_ = State::kMeasure;
        }
      } else {  // trial
        if (*recent > rate_before_trial_ * (1 + config_.add_gain)) {
          window_start_ = recent_start;
          if (streams_ < config_.streams_max && time_for_trial) {
            startTrial(t_s, *recent);
          } else {
            state_ = State::kMeasure;
          }
        } else {
          state_ = State::kMeasure;
        }
      }
      d.add_streams = streams_ - streams_before;
    }
  }

  if (state_ == State::kMeasure && window_start_) {
    const double ws_t = series_.at(*window_start_).t_s;
    if (t_s - ws_t + 1e-9 >= config_.min_measure_s) {
      auto from = series_.indexAtOrBefore(t_s - config_.stable_span_s + 0.02);
      if (from) {
        auto rates = series_.slidingRatesBps(*from, 1.0);
        auto cv = coefficientOfVariation(rates);
        if (cv && *cv <= config_.stable_cv) stopped_ = d.stop = StopReason::kStable;
      }
    }
  }
  return d;
}

DirectionSummary DirectionController::summarize() const {
  DirectionSummary s;
  if (series_.empty()) return s;
  s.duration_s = series_.back().t_s;
  s.bytes = series_.back().bytes;
  s.plateau_found = window_start_.has_value();
  s.byte_budget = budget_;
  // The window ends where the data had arrived, not at the last sample: an upload counts
  // acknowledged bytes, and the last segment's acknowledgement can come a delayed-ACK
  // timeout (≈ 40 ms) after the rest, and on loopback one segment is 64 KiB. A tail that
  // carried less than max(0.1 % of the bytes, 256 KiB) is dropped from the window, so it
  // cannot stretch the time (on loopback it turned 8 Gbit/s into 0.3 Mbit/s; on a 2.5 s
  // upload it would cost ≈ 1.6 %). Ending the window earlier does not bias the rate: it is
  // still bytes over time between two samples.
  const uint64_t tail_bytes = std::max<uint64_t>(s.bytes / 1000, 256 * 1024);
  std::size_t last = series_.size() - 1;
  while (last > 0 && series_.at(last - 1).bytes + tail_bytes >= s.bytes) --last;
  if (last == 0) {
    // Everything arrived by the first sample (only when the budget is a hard cap on a very
    // fast link): the rate since the start, connection setup included, is the best there is.
    const double t = series_.at(0).t_s;
    s.window_s = t;
    if (t > 0) s.goodput_bps = s.peak_bps = series_.at(0).bytes * 8.0 / t;
    s.short_window = true;
    return s;
  }
  std::size_t ws = 0;
  if (window_start_) {
    ws = *window_start_;
  } else if (auto half = series_.indexAtOrBefore(series_.at(last).t_s / 2)) {
    ws = *half;
  }
  if (ws >= last) ws = last - 1;
  s.warmup_s = series_.at(ws).t_s;
  s.window_s = series_.at(last).t_s - s.warmup_s;
  s.short_window = s.window_s + 1e-9 < config_.min_measure_s;
  if (auto g = series_.rateBps(ws, last)) s.goodput_bps = *g;
  s.peak_bps = s.goodput_bps;
  for (std::size_t j = ws + 1; j <= last; ++j) {
    if (series_.at(j).t_s - series_.at(ws).t_s + 0.02 < 1.0) continue;
    if (auto r = series_.windowRateBps(j, 1.0)) s.peak_bps = std::max(s.peak_bps, *r);
  }
  return s;
}

}  // namespace uplinkprobe::measure
