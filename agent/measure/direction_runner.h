// One direction (download or upload) of a throughput test: N HTTP/1.1 streams on one libcurl
// multi handle, driven by DirectionController, plus a loaded-latency probe on a separate
// connection. Single-threaded: everything runs on the caller's thread.
//
// What is counted: download = body bytes delivered to us (the write callback only counts);
// upload = bytes the server's TCP acknowledged (tcpi_bytes_acked summed over the streams'
// sockets, read at every sample and once more when a socket closes), never bytes written
// into socket buffers. Memory is bounded: received data is discarded as it arrives, the
// upload body comes from one pre-filled 4 MiB buffer.
#pragma once

#include <atomic>
#include <optional>

#include "agent/common/clock.h"
#include "agent/measure/direction_controller.h"
#include "agent/measure/server_endpoints.h"
#include "agent/measure/throughput_options.h"
#include "agent/measure/throughput_result.h"

namespace uplinkprobe::measure {

struct DirectionParams {
  bool download = true;
  Endpoints endpoints;
  ThroughputOptions options;
  ControllerConfig controller;
  std::optional<int> nic_mbps;
  int ip_family = 4;
  // No counted byte for this long → error "timeout" (also covers connect + first byte).
  double stall_s = 4.0;
};

// Always returns within controller.max_seconds + ~0.2 s (the caps are checked every 100 ms,
// every libcurl call is non-blocking, and teardown only closes sockets).
DirectionResult runDirection(const DirectionParams& params, const Clock& clock,
                             const ProgressFn& progress, const std::atomic<bool>* cancel);

}  // namespace uplinkprobe::measure
