#include "agent/measure/rate_series.h"

#include <algorithm>
#include <cmath>

namespace uplinkprobe::measure {

bool RateSeries::add(double t_s, uint64_t bytes) {
  if (samples_.size() >= kMaxSamples) return false;
  if (!samples_.empty()) {
    if (!(t_s > samples_.back().t_s)) return false;
    bytes = std::max(bytes, samples_.back().bytes);
  }
  samples_.push_back({t_s, bytes});
  return true;
}

std::optional<std::size_t> RateSeries::indexAtOrBefore(double t_s) const {
  auto it = std::upper_bound(samples_.begin(), samples_.end(), t_s,
                             [](double t, const RateSample& s) { return t < s.t_s; });
  if (it == samples_.begin()) return std::nullopt;
  return static_cast<std::size_t>(std::distance(samples_.begin(), it) - 1);
}

std::optional<double> RateSeries::rateBps(std::size_t i, std::size_t j) const {
  if (i >= j || j >= samples_.size()) return std::nullopt;
  double dt = samples_[j].t_s - samples_[i].t_s;
  if (dt <= 0) return std::nullopt;
  return static_cast<double>(samples_[j].bytes - samples_[i].bytes) * 8.0 / dt;
}

std::optional<double> RateSeries::windowRateBps(std::size_t end_index, double span_s) const {
  if (end_index >= samples_.size()) return std::nullopt;
  // Small tolerance so that 100 ms bins with jitter still find the sample ~span_s back.
  auto start = indexAtOrBefore(samples_[end_index].t_s - span_s + 0.02);
  if (!start || *start >= end_index) return std::nullopt;
  return rateBps(*start, end_index);
}

std::vector<double> RateSeries::slidingRatesBps(std::size_t from, double span_s) const {
  std::vector<double> out;
  for (std::size_t j = from; j < samples_.size(); ++j) {
    if (samples_[j].t_s - samples_.front().t_s + 0.02 < span_s) continue;
    if (auto r = windowRateBps(j, span_s)) out.push_back(*r);
  }
  return out;
}

std::optional<double> coefficientOfVariation(const std::vector<double>& values) {
  if (values.size() < 2) return std::nullopt;
  double sum = 0;
  for (double v : values) sum += v;
  double mean = sum / static_cast<double>(values.size());
  if (mean <= 0) return std::nullopt;
  double var = 0;
  for (double v : values) var += (v - mean) * (v - mean);
  var /= static_cast<double>(values.size());
  return std::sqrt(var) / mean;
}

}  // namespace uplinkprobe::measure
