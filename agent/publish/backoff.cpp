#include "agent/publish/backoff.h"

#include <algorithm>

namespace uplinkprobe::publish {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, uint64_t seed)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      base_(initial_),
      rng_(seed) {}

std::chrono::milliseconds Backoff::next() {
  const int64_t hi = base_.count();
  const int64_t lo = hi / 2;
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  const auto d = std::chrono::milliseconds(dist(rng_));
  base_ = std::min(max_, base_ * 2);
  ++attempts_;
  return d;
}

void Backoff::reset() {
  base_ = initial_;
  attempts_ = 0;
}

}  // namespace uplinkprobe::publish
