// Runs one throughput test on a worker thread so that the event loop (availability rounds,
// signals, MQTT) never blocks on it, and hands the record body back ON THE LOOP via
// asio::post.
//
// Contract: at most one test at a time (start() while busy() is refused); cancel() asks the
// engine to stop within ~100 ms; the destructor cancels and joins, so no thread outlives the
// daemon. The completion handler never runs after the io_context stopped.
#pragma once

#include <asio.hpp>
#include <atomic>
#include <functional>
#include <thread>

#include <nlohmann/json.hpp>

#include "agent/measure/throughput_test.h"
#include "agent/measure/udp_capacity.h"
#include "common/clock.h"

namespace uplinkprobe::daemon {

class ThroughputRunner {
 public:
  // One test, run on the worker thread: returns a throughput record body (the engine's
  // toJson(), bytes_total included). `cancel` is set by cancel().
  using Job = std::function<nlohmann::json(const Clock& clock, const std::atomic<bool>* cancel)>;
  using Done = std::function<void(nlohmann::json body)>;
  ThroughputRunner(asio::io_context& io, const Clock& clock) : io_(io), clock_(clock) {}
  ~ThroughputRunner();
  ThroughputRunner(const ThroughputRunner&) = delete;
  ThroughputRunner& operator=(const ThroughputRunner&) = delete;

  bool busy() const { return busy_.load(); }
  bool start(Job job, Done done);
  void cancel() { cancel_.store(true); }
  void join();

 private:
  asio::io_context& io_;
  const Clock& clock_;
  std::atomic<bool> busy_{false};
  std::atomic<bool> cancel_{false};
  std::thread worker_;
};

// The TCP goodput engine (measure/throughput_test.h) as a job.
ThroughputRunner::Job tcpJob(measure::ThroughputOptions options);
// The UDP IP-capacity method (measure/udp_capacity.h, method "udp") as a job.
ThroughputRunner::Job udpJob(measure::UdpCapacityOptions options);

}  // namespace uplinkprobe::daemon
