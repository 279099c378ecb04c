#include "platform/netdev_counters.h"

#include <net/if.h>

#include <fstream>

namespace uplinkprobe::platform {

bool isSafeInterfaceName(const std::string& iface) {
  if (iface.empty() || iface.size() >= IFNAMSIZ || iface == "." || iface == "..") return false;
  for (char c : iface) {
    if (c == '/' || c == '\0' || c == ' ' || c == '\n') return false;
  }
  return true;
}

namespace {
std::optional<uint64_t> readCounter(const std::string& path) {
  std::ifstream in(path);
  uint64_t v = 0;
  if (!(in >> v)) return std::nullopt;
  return v;
}
}  // namespace

std::optional<NetdevCounters> readNetdevCounters(const std::string& iface) {
  if (!isSafeInterfaceName(iface)) return std::nullopt;
  const std::string base = "/sys/class/net/" + iface + "/statistics/";
  auto rx = readCounter(base + "rx_bytes");
  auto tx = readCounter(base + "tx_bytes");
  if (!rx || !tx) return std::nullopt;
  return NetdevCounters{*rx, *tx};
}

}  // namespace uplinkprobe::platform
