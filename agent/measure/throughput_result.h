// The body of a throughput record: what runThroughputTest measured. The caller adds the
// record envelope (schema, seq, ts, …) and the verdict. Field names in toJson() are the
// interface contract of DESIGN.md; extend, never rename.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace uplinkprobe::measure {

struct DirectionResult {
  double goodput_mbps = 0;      // TCP payload rate after warm-up
  double ip_capacity_mbps = 0;  // goodput scaled by the real per-segment header overhead
  double peak_mbps = 0;         // best 1-s sliding rate inside the measurement window
  uint64_t bytes = 0;           // everything this direction moved, warm-up included
  double duration_s = 0;
  double warmup_s = 0;  // discarded before the measurement window
  double window_s = 0;  // the measurement window the goodput comes from
  // window_s in round trips of the path's idle RTT (the RTT the windows were sized by,
  // direction_controller.h); absent when the RTT was not known.
  std::optional<double> window_rtts;
  // window_s < 2 s (the method's minimum): a cap ended the test first, e.g. loopback or a
  // multi-Gbit link where even the byte-budget ceiling lasts < 1 s. The rate is still real.
  bool short_window = false;
  int streams = 0;          // streams open at the end
  std::string stop_reason;  // "stable" | "time_cap" | "byte_cap" | "cancelled" | "error"
  std::optional<double> retransmit_pct;  // upload only: the sender's view (see toJson)
  std::optional<double> rtt_ms;          // median smoothed RTT of the streams at the end
  int mss = 0;
  bool timestamps = false;
  std::optional<double> loaded_latency_ms;  // median of the probes during this direction
  int loaded_latency_samples = 0;
  bool clamped = false;  // a figure exceeded the NIC's physical ceiling and was lowered
  std::optional<Error> error;

  nlohmann::json toJson() const;
};

struct ServerUsed {
  std::string name, url, kind, ip;
  int ip_family = 0;
  std::string public_ip;  // as the server saw us (librespeed getIP); "" when unknown
};

// One candidate of the server choice: its idle latency or why it was skipped.
struct ServerTried {
  std::string name;
  std::optional<double> idle_ms;
  std::optional<Error> error;
};

struct ThroughputResult {
  std::optional<DirectionResult> download, upload;  // absent when not requested
  std::optional<double> idle_latency_ms;
  std::optional<double> loaded_latency_ms;  // max of the directions' loaded medians
  std::optional<double> rpm;                // 60000 / loaded_latency_ms
  std::optional<ServerUsed> server;
  std::vector<ServerTried> servers_tried;
  std::optional<double> cross_traffic_mbps;  // max over the directions
  std::string wan_interface;
  std::optional<int> nic_speed_mbps;
  std::optional<double> cpu_pct;         // whole process, % of one core, over the directions
  std::optional<double> engine_cpu_pct;  // the engine thread alone
  bool client_limited = false;
  std::optional<Error> error;  // first failure (latency phase or a direction)
  uint64_t bytes_total = 0;

  bool ok() const { return !error.has_value(); }
  nlohmann::json toJson() const;
};

}  // namespace uplinkprobe::measure
