// runThroughputTest: the whole measurement `uplinkprobe test` and the daemon run.
//
// Sequence: pick the server (idle latency to each candidate, lowest median wins; a server
// that fails is skipped and the next tried), download, upload, each with its own context
// (WAN counters, CPU). Failures are results: the returned record says what failed and why.
//
// Time bound: latency phase ≤ 6 s in total (≤ 2 s per request), each direction
// ≤ max_seconds + ~0.2 s, so a test with both directions ends within
// 6 + 2 × (max_seconds + 0.5) s whatever the server does. A fallback to another server
// happens only while no payload has moved yet, and also stays inside the latency budget.
//
// Thread: runs entirely on the caller's thread (blocking); progress is called on it.
// cancel (may be null) is polled every ≤ 100 ms.
#pragma once

#include <atomic>

#include "agent/measure/throughput_options.h"
#include "agent/measure/throughput_result.h"
#include "common/clock.h"

namespace uplinkprobe::measure {

ThroughputResult runThroughputTest(const ThroughputOptions& options, const Clock& clock,
                                   const ProgressFn& progress, const std::atomic<bool>* cancel);

}  // namespace uplinkprobe::measure
