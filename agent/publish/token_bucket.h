// Token bucket on an injected Clock: `rate` tokens per second, at most `burst` stored.
// Limits backlog replay (mqtt.replay_per_second) so that a fleet reconnecting after a
// regional outage does not flatten the broker, while a live record (a few hundred a day)
// always finds a token.
#pragma once

#include "common/clock.h"

namespace uplinkprobe::publish {

class TokenBucket {
 public:
  // rate <= 0 means unlimited. Starts full.
  TokenBucket(const Clock& clock, double rate, double burst);
  // Takes one token if available.
  bool tryTake();
  // Time until one token is available (0 if one is).
  std::chrono::milliseconds waitForOne();

 private:
  void refill();
  const Clock& clock_;
  double rate_;
  double burst_;
  double tokens_;
  SteadyTime last_;
};

}  // namespace uplinkprobe::publish
