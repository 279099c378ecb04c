// Opens (or attaches to) a Linux TUN device in the caller's network namespace.
#pragma once

#include <string>

namespace tundelay {

struct TunDevice {
  int fd = -1;  // non-blocking, IFF_TUN | IFF_NO_PI: each read/write is one raw IP packet
  int mtu = 0;  // of the interface at open time
};

// Returns false and fills *error on failure (missing /dev/net/tun, no CAP_NET_ADMIN, bad name).
bool openTun(const std::string& name, TunDevice* out, std::string* error);

}  // namespace tundelay
