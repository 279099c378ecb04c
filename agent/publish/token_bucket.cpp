#include "agent/publish/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace uplinkprobe::publish {

TokenBucket::TokenBucket(const Clock& clock, double rate, double burst)
    : clock_(clock),
      rate_(rate),
      burst_(std::max(1.0, burst)),
      tokens_(std::max(1.0, burst)),
      last_(clock.steadyNow()) {}

void TokenBucket::refill() {
  const SteadyTime now = clock_.steadyNow();
  if (now > last_) {
    tokens_ =
        std::min(burst_, tokens_ + rate_ * std::chrono::duration<double>(now - last_).count());
  }
  last_ = now;
}

bool TokenBucket::tryTake() {
  if (rate_ <= 0) return true;
  refill();
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

std::chrono::milliseconds TokenBucket::waitForOne() {
  if (rate_ <= 0) return std::chrono::milliseconds(0);
  refill();
  if (tokens_ >= 1.0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(static_cast<int64_t>(std::ceil((1.0 - tokens_) / rate_ * 1000)));
}

}  // namespace uplinkprobe::publish
