// NIC link speed: a 100 Mbit port can never show a 100 Mbit+ result, so records carry it.
#pragma once

#include <optional>
#include <string>

namespace uplinkprobe::platform {

// /sys/class/net/IF/speed in Mbit/s. nullopt for virtual interfaces (the read fails with
// EINVAL), unknown speed (-1 or 0), a down link or an unsafe name.
std::optional<int> nicSpeedMbps(const std::string& iface);

}  // namespace uplinkprobe::platform
