// Which URLs a server kind means: LibreSpeed backends (ours or any other) expose garbage /
// empty / getIP under a base URL; a plain web server ("http") is given a download file and an
// upload endpoint directly.
#pragma once

#include <string>

#include "agent/measure/throughput_options.h"
#include "common/result.h"

namespace uplinkprobe::measure {

// Size of one LibreSpeed download request in MiB (the server allows up to 1024). Big enough
// that a request outlives the test below ~1 Gbit/s per stream, so streams rarely pause
// between requests; above that the re-request gap is a fraction of a millisecond.
constexpr int kGarbageChunkMiB = 100;

struct Endpoints {
  std::string download;       // GET, repeated
  std::string upload;         // POST; "" when the server has no upload endpoint
  std::string latency;        // small request used for idle/loaded latency
  bool latency_head = false;  // probe with HEAD (http kind) instead of GET
  bool getip = false;         // latency answers are LibreSpeed getIP JSON (public IP)
};

// Error kind "protocol" with an actionable message for an unknown kind, a missing URL or a
// scheme other than http/https.
Result<Endpoints> endpointsFor(const ServerSpec& server);

// The public IP from a LibreSpeed getIP body ({"processedString": "1.2.3.4 - ISP, CC", …});
// "" when the body is not that JSON. Bounded: bodies over 64 KiB are rejected.
std::string publicIpFromGetIp(const std::string& body);

}  // namespace uplinkprobe::measure
