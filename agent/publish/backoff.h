// Reconnect delay: capped exponential backoff with full jitter in [delay/2, delay], so
// that 10^4 schools that lost the same regional link do not reconnect in lock step.
// Pure logic on an injected random source; no sleeping here (the caller compares against
// its Clock).
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace uplinkprobe::publish {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, uint64_t seed);
  // Delay before the next attempt; doubles the base (up to max) for the following one.
  std::chrono::milliseconds next();
  // After a success: the next failure starts from `initial` again.
  void reset();
  int attempts() const { return attempts_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds base_;
  std::mt19937_64 rng_;
  int attempts_ = 0;
};

}  // namespace uplinkprobe::publish
