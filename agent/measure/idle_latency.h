// Idle latency to one server before the load starts: `count` small requests on one
// kept-alive connection, each timed from request sent to first response byte (libcurl's
// STARTTRANSFER − PRETRANSFER, so the connect/TLS handshake of the first one is excluded).
// Also learns the server's address/family and, for LibreSpeed, our public IP.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "agent/measure/server_endpoints.h"
#include "agent/measure/throughput_options.h"
#include "common/clock.h"
#include "common/result.h"

namespace uplinkprobe::measure {

struct IdleLatency {
  std::vector<double> samples_ms;
  double median_ms = 0;
  std::string server_ip;
  int ip_family = 0;
  std::string public_ip;
};

// Bounded: each request ≤ 2 s, the whole series ≤ budget_s; stops at the first failure
// (which is returned as the error) or on cancel (error kind "cancelled").
Result<IdleLatency> measureIdleLatency(const Endpoints& endpoints, const ThroughputOptions& options,
                                       int count, double budget_s, const Clock& clock,
                                       const std::atomic<bool>* cancel);

}  // namespace uplinkprobe::measure
