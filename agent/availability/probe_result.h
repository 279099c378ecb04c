// What one probe of one round found. Produced by the async probes (tcp_probe, dns_probe,
// icmp_probe), consumed by the pure logic (round classification, outage tracking, period
// statistics), so that logic is tested with hand-made results.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"

namespace uplinkprobe::availability {

enum class ProbeKind { kGateway, kTcp, kDns, kIcmp };

const char* probeKindName(ProbeKind kind);

struct ProbeResult {
  ProbeKind kind = ProbeKind::kTcp;
  // Stable name of what was probed, used as the per-target key in records:
  // "tcp:1.1.1.1:443", "dns:192.0.2.53", "gateway:192.168.1.1", "icmp:192.168.1.1".
  std::string target;
  // The path to the target works. For TCP a RST (connection refused) counts as reachable:
  // the SYN got there and an answer came back.
  bool reachable = false;
  // For DNS: the resolver answered usefully (NOERROR or NXDOMAIN). Equal to reachable
  // for the other kinds.
  bool ok = false;
  // Round-trip time when an answer came back (also for a RST).
  std::optional<std::chrono::microseconds> rtt;
  // Why it failed ("timeout", "host unreachable", "SERVFAIL", ...), or a note on success
  // ("refused", "NXDOMAIN"). Short, bounded.
  std::string detail;
};

// One availability round: all probes were started together at `steady`/`wall`.
struct RoundResult {
  SteadyTime steady{};
  WallTime wall{};
  std::vector<ProbeResult> probes;
};

}  // namespace uplinkprobe::availability
