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

ControllerConfig scaledForRtt(ControllerConfig c) {
  if (!(c.rtt_s > 0)) return c;
  const double rtt = c.rtt_s;
  c.min_phase_s = std::max(c.min_phase_s, c.phase_rtts * rtt);
  c.half_window_s = std::max(c.half_window_s, c.half_window_rtts * rtt);
  c.min_measure_s = std::max(c.min_measure_s, c.measure_rtts * rtt);
  c.stable_span_s = std::max(c.stable_span_s, c.stable_span_rtts * rtt);
  c.rate_span_s = std::max(c.rate_span_s, c.rate_span_rtts * rtt);
  const double grown =
      std::min(c.time_cap_rtts * rtt, std::max(c.max_seconds, c.max_seconds_limit));
  if (grown > c.max_seconds) {
    // The budget must not end the longer test first: data for the grown cap's measurement.
    c.budget_s = std::max(c.budget_s, c.budget_s * grown / c.max_seconds);
    c.max_seconds = grown;
  }
  return c;
}

DirectionController::DirectionController(ControllerConfig config) : config_(scaledForRtt(config)) {
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

void DirectionController::onLoadedLatency(double t_s, double latency_s) {
  if (!(latency_s >= 0)) return;
  if (probes_.size() == kKeptProbes) probes_.erase(probes_.begin());
  probes_.push_back({t_s, latency_s});
}

bool DirectionController::queueStands() const {
  if (!(config_.rtt_s >= config_.standing_queue_min_rtt_s)) return false;
  double lowest = -1;
  int in_phase = 0;
  for (auto it = probes_.rbegin(); it != probes_.rend() && in_phase < 2; ++it) {
    if (it->t_s < phase_start_s_) break;
    lowest = in_phase == 0 ? it->latency_s : std::min(lowest, it->latency_s);
    ++in_phase;
  }
  return in_phase > 0 && lowest >= config_.rtt_s * (1 + config_.standing_queue_rtts);
}

void DirectionController::startTrial(double t_s, double rate) {
  int target =
      std::min(config_.streams_max, streams_ + std::min(streams_, config_.max_add_streams));
  state_ = State::kTrial;
  phase_start_s_ = t_s;
  rate_before_trial_ = rate;
  streams_ = target;
}

ControllerDecision DirectionController::onSample(double t_s, uint64_t bytes, bool held) {
  ControllerDecision d;
  if (stopped_ != StopReason::kNone) {
    d.stop = stopped_;
    return d;
  }
  if (!series_.add(t_s, bytes)) {
    if (series_.size() >= RateSeries::kMaxSamples) stopped_ = d.stop = StopReason::kTimeCap;
    return d;  // out-of-order sample: ignored
  }
  held_.push_back(held && config_.rtt_s >= config_.held_min_rtt_s);
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
      // Room to judge another trial: a phase plus a minimal measurement before the cap, and a
      // link not already saturated (a standing queue, see the header).
      const bool room_for_trial =
          t_s + config_.min_phase_s + config_.min_measure_s <= config_.max_seconds &&
          !queueStands();
      if (state_ == State::kRamp) {
        window_start_ = recent_start;
        if (streams_ < config_.streams_max && room_for_trial) {
          startTrial(t_s, *recent);
        } else {
          state_ = State::kMeasure;
        }
      } else {  // trial
        if (*recent > rate_before_trial_ * (1 + config_.add_gain)) {
          window_start_ = recent_start;
          if (streams_ < config_.streams_max && room_for_trial) {
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
        auto rates = series_.slidingRatesBps(*from, config_.rate_span_s);
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
  s.max_seconds = config_.max_seconds;
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
  // Edges where nothing was held back behind a hole (header): the start may move forward
  // through the first half of the window, the end back through its last quarter.
  {
    const double t0 = series_.at(ws).t_s, t1 = series_.at(last).t_s;
    if (held_[ws]) {
      s.start_clean = false;
      for (std::size_t i = ws + 1; i < last && series_.at(i).t_s <= t0 + (t1 - t0) / 2; ++i) {
        if (!held_[i]) {
          ws = i;
          s.start_clean = true;
          break;
        }
      }
    }
    if (held_[last]) {
      s.end_clean = false;
      const double t_ws = series_.at(ws).t_s;
      for (std::size_t j = last - 1; j > ws && series_.at(j).t_s >= t1 - (t1 - t_ws) / 4; --j) {
        if (!held_[j]) {
          last = j;
          s.end_clean = true;
          break;
        }
      }
    }
  }
  s.warmup_s = series_.at(ws).t_s;
  s.window_s = series_.at(last).t_s - s.warmup_s;
  s.short_window = s.window_s + 1e-9 < config_.min_measure_s;
  if (config_.rtt_s >= config_.window_rtts_min_rtt_s) s.window_rtts = s.window_s / config_.rtt_s;
  if (auto g = series_.rateBps(ws, last)) s.goodput_bps = *g;
  s.peak_bps = s.goodput_bps;
  const double span = config_.rate_span_s;
  for (std::size_t j = ws + 1; j <= last; ++j) {
    if (series_.at(j).t_s - series_.at(ws).t_s + 0.02 < span) continue;
    if (auto r = series_.windowRateBps(j, span)) s.peak_bps = std::max(s.peak_bps, *r);
  }
  return s;
}

}  // namespace uplinkprobe::measure
