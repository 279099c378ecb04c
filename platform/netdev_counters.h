// Interface byte counters, used to estimate traffic on the WAN that was not ours during a
// test (cross traffic). Counters are the kernel's 64-bit totals since the interface came up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace uplinkprobe::platform {

struct NetdevCounters {
  uint64_t rx_bytes = 0, tx_bytes = 0;
};

// Reads /sys/class/net/IF/statistics/{rx,tx}_bytes. nullopt when the interface does not
// exist, the name is unsafe (empty, '/', "..", longer than IFNAMSIZ) or a file is unreadable.
std::optional<NetdevCounters> readNetdevCounters(const std::string& iface);

// True when iface is a plausible Linux interface name (what the readers above accept).
bool isSafeInterfaceName(const std::string& iface);

}  // namespace uplinkprobe::platform
