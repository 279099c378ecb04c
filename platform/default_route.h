// Default route lookup: which interface carries the school's WAN traffic (the interface whose
// counters give cross traffic) and which gateway the availability probe should ping.
//
// Reads /proc/net/route (IPv4) or /proc/net/ipv6_route (IPv6); no netlink, no root. The
// parsers are separate so that tests feed them captured tables.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace uplinkprobe::platform {

struct DefaultRoute {
  std::string interface;
  std::string gateway;  // dotted quad / RFC 5952 text; "" when the route has no gateway
  int family = 4;
};

// The up, non-reject default route (destination /0) with the lowest metric; nullopt when
// there is none or the table is unreadable. family must be 4 or 6 (anything else: nullopt).
std::optional<DefaultRoute> defaultRoute(int family);

// Parsers for the /proc table texts (exposed for tests; bounded: lines beyond 4096 ignored).
std::optional<DefaultRoute> parseIpv4RouteTable(std::string_view text);
std::optional<DefaultRoute> parseIpv6RouteTable(std::string_view text);

}  // namespace uplinkprobe::platform
