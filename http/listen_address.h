// ListenAddress: a numeric address and port a Server binds to.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace uplinkprobe::http {

struct ListenAddress {
  std::string host;  // numeric IPv4 or IPv6 literal (no brackets)
  std::uint16_t port = 0;
  std::string text() const;  // "127.0.0.1:8080" / "[::1]:8080"
  // 127.0.0.0/8 or ::1. Anything else (0.0.0.0, ::, a LAN address) is reachable from
  // other machines.
  bool isLoopback() const;
};

// "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:0". Host names are refused: a server binds to
// addresses, and resolving at start-up would make the bound address depend on DNS.
// Error{kind "address"}, message "TEXT: what is wrong" (callers prefix the flag or key).
Result<ListenAddress> parseListenAddress(std::string_view text);

}  // namespace uplinkprobe::http
