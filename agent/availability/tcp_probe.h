// TCP connect probe: one SYN to an endpoint, RTT until the answer.
//
// Contract: `done` is called exactly once, from the io_context, within `timeout` (plus
// scheduling latency) unless the returned cancel function is called first, in which case
// `done` is never called. An accepted connection is closed at once (no payload); a RST
// (connection refused) counts as reachable with detail "refused", because the SYN crossed
// the path and the target's host answered. Timeouts and ICMP unreachables are failures.
// Never blocks; no root needed.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <functional>
#include <string>

#include "agent/availability/probe_result.h"
#include "common/clock.h"

namespace uplinkprobe::availability {

using ProbeDone = std::function<void(ProbeResult)>;
using ProbeCancel = std::function<void()>;

ProbeCancel probeTcp(asio::io_context& io, const asio::ip::tcp::endpoint& endpoint, ProbeKind kind,
                     std::string target_name, std::chrono::milliseconds timeout, const Clock& clock,
                     ProbeDone done);

}  // namespace uplinkprobe::availability
