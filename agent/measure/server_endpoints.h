// Which URLs a server kind means: LibreSpeed backends (ours or any other) expose garbage /
// empty / getIP under a base URL; a plain web server ("http") is given a download file and an
// upload endpoint directly.
//
// kind "librespeed" follows LibreSpeed's own conventions (speedtest.js, librespeed-cli): the
// server entry's base URL ("server", our `url`) + "/" + dlURL / ulURL / pingURL / getIpURL,
// defaults garbage.php, empty.php, empty.php, getIP.php — served by the PHP backend, by the
// Go backend (which also answers /garbage, /empty, /getIP) and by uplinkprobe-server. The
// download adds ckSize (1 MiB chunks) with "?" or "&" as LibreSpeed's url_sep does.
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
  std::string latency;        // small request used for idle/loaded latency (LibreSpeed: pingURL)
  bool latency_head = false;  // probe with HEAD (http kind) instead of GET
  std::string getip;          // LibreSpeed getIpURL: asked once for the public IP; "" = none.
                              // Its failure loses only the public IP, never the test.
};

// LibreSpeed's defaults for a server entry's paths (its web UI and server lists).
inline constexpr const char* kLibrespeedDlUrl = "garbage.php";
inline constexpr const char* kLibrespeedUlUrl = "empty.php";
inline constexpr const char* kLibrespeedPingUrl = "empty.php";
inline constexpr const char* kLibrespeedGetIpUrl = "getIP.php";

// Error kind "protocol" with an actionable message for an unknown kind, a missing URL or a
// scheme other than http/https.
Result<Endpoints> endpointsFor(const ServerSpec& server);

// The public IP from a LibreSpeed getIP body ({"processedString": "1.2.3.4 - ISP, CC", …});
// "" when the body is not that JSON. Bounded: bodies over 64 KiB are rejected.
std::string publicIpFromGetIp(const std::string& body);

}  // namespace uplinkprobe::measure
