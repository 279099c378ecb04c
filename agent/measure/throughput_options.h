// What a throughput test is asked to do. Filled by the CLI (`uplinkprobe test`) and the
// daemon from the [[servers]] and [throughput] config sections.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace uplinkprobe::measure {

struct ServerSpec {
  std::string name;
  std::string kind = "librespeed";  // "librespeed": url is the base of garbage/empty/getIP
                                    // "http": download_url / upload_url are used as given
  std::string url;
  std::string download_url;
  std::string upload_url;
  // kind "librespeed": paths under url, LibreSpeed's dlURL/ulURL/pingURL/getIpURL; "" = its
  // defaults garbage.php, empty.php, empty.php, getIP.php. Optional, hence initialised: a
  // spec written {name, kind, url, download_url, upload_url} leaves them "" on purpose
  // (-Wmissing-field-initializers names only members without a default).
  std::string dl_url{};
  std::string ul_url{};
  std::string ping_url{};
  std::string getip_url{};
};

struct ThroughputOptions {
  std::vector<ServerSpec> servers;
  double max_seconds = 8;  // per direction
  // Byte budget per direction, MB = 10^6 bytes, warm-up included. It starts at
  // max_mb_per_direction (sized for 100 Mbit: a 100 Mbit test never exceeds it) and grows on
  // faster links to 4 s of data at the measured rate, never beyond max_mb_ceiling, so that
  // a 300 Mbit–1 Gbit link still gets ≥ 2 s of measurement (direction_controller.h).
  // max_mb_ceiling ≤ max_mb_per_direction makes max_mb_per_direction a hard cap.
  double max_mb_per_direction = 60;
  double max_mb_ceiling = 400;
  int streams_start = 4;
  int streams_max = 16;
  bool download = true;
  bool upload = true;
  int ip_family = 0;  // 0 any, 4, 6
  std::string bind_interface;
  std::string source_address;
  std::string proxy;          // "" = none; proxy environment variables are ignored unless set here
  std::string wan_interface;  // "" = interface of the default route
  std::string ca_file;
  bool tls_verify = true;
};

// Live progress, for the technician's TTY. Called on the engine's thread about every 250 ms;
// must return quickly.
struct Progress {
  std::string phase;  // "latency", "download", "upload"
  double elapsed_s = 0;
  double current_mbps = 0;  // last 1-s rate (goodput)
  uint64_t bytes = 0;
  int streams = 0;
};
using ProgressFn = std::function<void(const Progress&)>;

}  // namespace uplinkprobe::measure
