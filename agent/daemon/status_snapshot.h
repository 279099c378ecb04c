// The content of status.json (status_file.h lists its fields), built from what the daemon's
// loop gathered: a pure function of a StatusSnapshot, so the format is unit-tested without a
// daemon, a journal or a broker. The loop fills the snapshot (daemon.cpp); StatusWriter
// writes the result.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/config/config.h"
#include "common/clock.h"
#include "record/alert_records.h"

namespace uplinkprobe::daemon {

struct StatusSnapshot {
  bool running = true;
  WallTime now{};
  int64_t pid = 0;
  std::string started_at;
  std::string config_path;
  std::string config_hash;
  const config::Config* cfg = nullptr;  // identity, broker uri, storage dir and cap
  bool broker_connected = false;
  std::string broker_since;  // when broker_connected last changed (RFC 3339)
  uint64_t last_seq = 0;
  uint64_t delivered_seq = 0;
  nlohmann::json oldest_waiting_ts;  // ts of the first undelivered record, or null
  uint64_t storage_bytes = 0;
  nlohmann::json last_test;  // testSummary() of the latest throughput record, or null
  std::optional<WallTime> next_test;
  std::optional<record::AlertState> alert_state;  // AlertEngine::state(); none without alerts
  bool clock_synced = false;
  std::string clock_source;
};

nlohmann::json statusJson(const StatusSnapshot& s);

// {ts, id, error, verdict, download_mbps, upload_mbps} of a throughput record: the IP
// capacity per direction, from `udp` for a method "udp" record (its download/upload are
// TCP's and null), else from download/upload.
nlohmann::json testSummary(const nlohmann::json& record);

}  // namespace uplinkprobe::daemon
