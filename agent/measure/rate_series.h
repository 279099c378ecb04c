// RateSeries: the cumulative byte count of one direction sampled every ~100 ms, and the rates
// derived from it (per-bin, sliding 1-s, between two samples).
//
// Samples carry their real time (seconds since the direction started), so irregular sampling
// (a busy event loop) biases nothing: every rate is Δbytes / Δt between actual samples.
// Bounded: at most kMaxSamples samples; add() refuses more (the caller stops the direction
// long before: 8 s at 100 ms is 80 samples).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace uplinkprobe::measure {

struct RateSample {
  double t_s = 0;      // seconds since the direction started
  uint64_t bytes = 0;  // cumulative bytes counted so far
};

class RateSeries {
 public:
  static constexpr std::size_t kMaxSamples = 20000;

  // Appends a sample. Time must not go backwards and bytes must not decrease (a decrease is
  // clamped to the previous value: counters are monotonic by contract). Returns false when
  // full or when t_s is not after the last sample.
  bool add(double t_s, uint64_t bytes);

  std::size_t size() const { return samples_.size(); }
  bool empty() const { return samples_.empty(); }
  const RateSample& at(std::size_t i) const { return samples_[i]; }
  const RateSample& back() const { return samples_.back(); }

  // Index of the last sample with t ≤ t_s (nullopt if none).
  std::optional<std::size_t> indexAtOrBefore(double t_s) const;

  // Mean rate in bit/s between samples i < j; nullopt when the span is empty.
  std::optional<double> rateBps(std::size_t i, std::size_t j) const;

  // Rate over the window (t_end - span, t_end] using the nearest samples at or before both
  // ends; nullopt when the series does not reach back far enough.
  std::optional<double> windowRateBps(std::size_t end_index, double span_s) const;

  // Sliding 1-s rates ending at each sample from index `from` to the last one (those for which
  // a full second of history exists).
  std::vector<double> slidingRatesBps(std::size_t from, double span_s = 1.0) const;

 private:
  std::vector<RateSample> samples_;
};

// Coefficient of variation (stddev / mean) of values; nullopt for fewer than 2 values or a
// non-positive mean.
std::optional<double> coefficientOfVariation(const std::vector<double>& values);

}  // namespace uplinkprobe::measure
