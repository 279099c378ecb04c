#include "agent/daemon/throughput_runner.h"

namespace uplinkprobe::daemon {

ThroughputRunner::~ThroughputRunner() {
  cancel();
  join();
}

void ThroughputRunner::join() {
  if (worker_.joinable()) worker_.join();
}

bool ThroughputRunner::start(measure::ThroughputOptions options, Done done) {
  if (busy_.exchange(true)) return false;
  join();  // the previous worker has finished (busy_ was false); reap it
  cancel_.store(false);
  worker_ = std::thread([this, options = std::move(options), done = std::move(done)]() mutable {
    auto result = measure::runThroughputTest(options, clock_, nullptr, &cancel_);
    asio::post(io_, [this, result = std::move(result), done = std::move(done)]() mutable {
      busy_.store(false);
      done(std::move(result));
    });
  });
  return true;
}

}  // namespace uplinkprobe::daemon
