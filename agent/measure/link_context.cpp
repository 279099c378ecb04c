#include "agent/measure/link_context.h"

#include <algorithm>

#include "platform/default_route.h"

namespace uplinkprobe::measure {

namespace {
constexpr int kEthernetHeader = 14;
}

double wireBytesForPayload(uint64_t payload, int mss, int header_bytes) {
  if (mss <= 0) return static_cast<double>(payload);
  return static_cast<double>(payload) * (mss + header_bytes + kEthernetHeader) / mss;
}

std::optional<double> crossTrafficBps(const std::optional<platform::NetdevCounters>& before,
                                      const std::optional<platform::NetdevCounters>& after,
                                      bool download, uint64_t our_payload, int mss,
                                      int header_bytes, double duration_s) {
  if (!before || !after || duration_s <= 0) return std::nullopt;
  const uint64_t b = download ? before->rx_bytes : before->tx_bytes;
  const uint64_t a = download ? after->rx_bytes : after->tx_bytes;
  if (a < b) return std::nullopt;  // counter reset (interface re-created): unknown
  const double extra =
      static_cast<double>(a - b) - wireBytesForPayload(our_payload, mss, header_bytes);
  return std::max(0.0, extra) * 8.0 / duration_s;
}

bool isClientLimited(std::optional<double> engine_thread_cpu_pct) {
  return engine_thread_cpu_pct && *engine_thread_cpu_pct >= kClientLimitedThreadPct;
}

std::string wanInterface(const std::string& configured, int ip_family) {
  if (!configured.empty()) return configured;
  if (ip_family != 6) {
    if (auto r = platform::defaultRoute(4)) return r->interface;
  }
  if (auto r = platform::defaultRoute(6)) return r->interface;
  return "";
}

int boundByNicSpeed(int wanted_mbps, std::optional<int> nic_speed_mbps) {
  if (!nic_speed_mbps || *nic_speed_mbps <= 0) return wanted_mbps;
  return std::min(wanted_mbps, *nic_speed_mbps);
}

}  // namespace uplinkprobe::measure
