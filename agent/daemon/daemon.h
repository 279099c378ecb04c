// The agent daemon (`uplinkprobe run`): one Asio event loop owns the schedule, signals and
// timers; throughput tests run on a worker thread (ThroughputRunner) and hand their record
// back to the loop; availability rounds run on the loop. Every record goes
// envelope (RecordFactory) → journal (durable, seq) → listeners (MQTT delivery, alerts).
//
// Signals: SIGTERM/SIGINT cancel a running test, write the last availability period, persist
// the outage state, mark a clean shutdown in the heartbeat, flush, exit 0. SIGHUP re-reads
// the config file, validates it, and keeps the old one on error (logged with the reason).
// systemd: READY=1 once journal, heartbeat and probes are up; WATCHDOG=1 from a loop timer,
// so a stuck loop trips the watchdog.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include "agent/config/config.h"
#include "agent/journal/journal.h"

namespace uplinkprobe::daemon {

// Called on the loop after each record is journaled (MQTT delivery, alerts, tests), with the
// stored bytes and those bytes parsed once for every listener (a non-object when they do not
// parse, which the journal never writes).
using JournaledListener =
    std::function<void(const journal::StoredRecord&, const nlohmann::json& record)>;

class Daemon {
 public:
  Daemon(std::string config_path, config::Config config);
  ~Daemon();
  // Blocks until SIGTERM/SIGINT; returns the process exit code.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace uplinkprobe::daemon
