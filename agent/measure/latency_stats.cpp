#include "agent/measure/latency_stats.h"

#include <algorithm>

namespace uplinkprobe::measure {

std::optional<double> median(std::vector<double> values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  if (n % 2 == 1) return values[n / 2];
  return (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::optional<double> rpmFromLoadedMs(std::optional<double> loaded_ms) {
  if (!loaded_ms || *loaded_ms <= 0) return std::nullopt;
  return 60000.0 / *loaded_ms;
}

}  // namespace uplinkprobe::measure
