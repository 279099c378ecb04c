#include "agent/daemon/throughput_runner.h"

namespace uplinkprobe::daemon {

ThroughputRunner::~ThroughputRunner() {
  cancel();
  join();
}

void ThroughputRunner::join() {
  if (worker_.joinable()) worker_.join();
}

bool ThroughputRunner::start(Job job, Done done) {
  if (busy_.exchange(true)) return false;
  join();  // the previous worker has finished (busy_ was false); reap it
  cancel_.store(false);
  worker_ = std::thread([this, job = std::move(job), done = std::move(done)]() mutable {
    auto body = job(clock_, &cancel_);
    asio::post(io_, [this, body = std::move(body), done = std::move(done)]() mutable {
      busy_.store(false);
      done(std::move(body));
    });
  });
  return true;
}

ThroughputRunner::Job tcpJob(measure::ThroughputOptions options) {
  return [options = std::move(options)](const Clock& clock, const std::atomic<bool>* cancel) {
    return measure::runThroughputTest(options, clock, nullptr, cancel).toJson();
  };
}

ThroughputRunner::Job udpJob(measure::UdpCapacityOptions options) {
  return [options = std::move(options)](const Clock& clock, const std::atomic<bool>* cancel) {
    return measure::runUdpCapacityTest(options, clock, cancel).toJson(options);
  };
}

}  // namespace uplinkprobe::daemon
