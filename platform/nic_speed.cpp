#include "platform/nic_speed.h"

#include <fstream>

#include "platform/netdev_counters.h"

namespace uplinkprobe::platform {

std::optional<int> nicSpeedMbps(const std::string& iface) {
  if (!isSafeInterfaceName(iface)) return std::nullopt;
  std::ifstream in("/sys/class/net/" + iface + "/speed");
  long long v = 0;
  if (!(in >> v)) return std::nullopt;
  if (v <= 0 || v > 10'000'000) return std::nullopt;  // -1 = unknown; > 10 Tbit = garbage
  return static_cast<int>(v);
}

}  // namespace uplinkprobe::platform
