// `uplinkprobe status`: judges and shows what the daemon wrote in status.json
// (agent/daemon/status_file.h). Pure: the file's content, whether its pid is alive and the
// time in; text, JSON and exit code out, so every verdict is unit-tested.
//
// Exit 2 "not running": no status file, a clean stop ("running": false), or its process is
// gone. Exit 1 "degraded": broker configured but not connected, clock not synchronised,
// records waiting for more than kStaleDelivery, journal at ≥ 90 % of its cap, or the file
// not refreshed for 3 × kStatusRewriteAfter (the loop is stuck). Exit 0 "healthy" otherwise.
// Open alerts are shown but do not degrade: they are about the link, not the box.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"

namespace uplinkprobe::cli {

inline constexpr std::chrono::hours kStaleDelivery{1};

struct StatusReport {
  int exit_code = 2;
  std::string health;                 // "healthy", "degraded", "not_running"
  std::vector<std::string> problems;  // English keys: broker_disconnected, clock_unsynced, …
  std::string text;                   // for people, translated, ≤ 80 columns
  nlohmann::json json;                // the file plus health and problems
};

StatusReport evaluateStatus(const std::optional<nlohmann::json>& file, bool pid_alive, WallTime now,
                            const std::string& status_path);

}  // namespace uplinkprobe::cli
