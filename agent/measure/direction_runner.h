// One direction (download or upload) of a throughput test: N HTTP/1.1 streams on one libcurl
// multi handle, driven by DirectionController, plus a loaded-latency probe on a separate
// connection. Single-threaded: everything runs on the caller's thread.
//
// What is counted: download = bytes our TCP received in order (tcpi_bytes_received summed
// over the streams' sockets, HTTP headers included) — not when this process read them, which a
// busy CPU delays (DirectionEngine::countedBytes()); upload = bytes the server's TCP has received:
// tcpi_bytes_acked + tcpi_sacked × mss summed over the streams' sockets, read at every sample and
// once more when a socket closes, never bytes written into socket buffers. Memory is bounded:
// received data is discarded as it arrives, the upload body comes from one pre-filled 4 MiB buffer.
//
// Sampling: every 100 ms from the loop, and also from inside the transfer callbacks (a single
// libcurl perform can read for ~0.1 s on loopback), and every 5 ms while an upload drains
// the last of its budget (a sub-second loopback upload ends on time, not on a 100 ms tick).
//
// Byte budget (DirectionController::byteBudget(), adaptive): a download stops taking data
// once what it has read reaches the budget, and its record's `bytes` are what it read, so
// bytes ≤ budget + 512 KiB (one callback's chunk); on the wire it also cost what its TCP had
// received but not handed up yet (≤ the streams' windows); an upload
// never hands libcurl more body than the budget, so bytes ≤ budget + the HTTP request
// headers (+ < 1 MSS per stream from counting SACKed segments as full).
#pragma once

#include <atomic>
#include <optional>

#include "agent/measure/direction_controller.h"
#include "agent/measure/server_endpoints.h"
#include "agent/measure/throughput_options.h"
#include "agent/measure/throughput_result.h"
#include "common/clock.h"

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
