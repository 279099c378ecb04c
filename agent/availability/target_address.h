// Parsing of probe target strings from the config, and of /etc/resolv.conf. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace uplinkprobe::availability {

struct HostPort {
  std::string host;  // IP literal (without brackets) or host name
  uint16_t port = 0;
};

// "192.0.2.1:443", "[2001:db8::1]:443", "example.com:80". A bare IPv6 address without
// brackets is rejected (its colons make the port ambiguous). `default_port` is used when
// the string has no port and default_port != 0 ("192.0.2.53" for a DNS server).
Result<HostPort> parseHostPort(const std::string& text, uint16_t default_port = 0);

// "nameserver" lines of a resolv.conf text, in order, at most 8 (glibc uses 3).
// Scoped IPv6 literals ("fe80::1%eth0") are kept as written.
std::vector<std::string> parseResolvConf(std::string_view text);

// Reads /etc/resolv.conf (bounded to 64 KiB); empty on any error.
std::vector<std::string> systemNameservers();

}  // namespace uplinkprobe::availability
