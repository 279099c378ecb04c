#include "http/listen_address.h"

#include <arpa/inet.h>

#include <charconv>

namespace uplinkprobe::http {

namespace {
Error bad(std::string_view text, std::string reason) {
  return makeError(ErrorKind::kAddress, std::string(text) + ": " + std::move(reason));
}
}  // namespace

std::string ListenAddress::text() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

bool ListenAddress::isLoopback() const {
  unsigned char buf[16];
  if (inet_pton(AF_INET, host.c_str(), buf) == 1) return buf[0] == 127;
  if (inet_pton(AF_INET6, host.c_str(), buf) == 1) {
    for (int i = 0; i < 15; ++i) {
      if (buf[i] != 0) return false;
    }
    return buf[15] == 1;
  }
  return false;
}

Result<ListenAddress> parseListenAddress(std::string_view text) {
  ListenAddress a;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad(text, "expected [IPv6]:PORT, e.g. [::1]:8080");
    }
    a.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    unsigned char buf[16];
    if (inet_pton(AF_INET6, a.host.c_str(), buf) != 1) {
      return bad(text, "'" + a.host + "' is not an IPv6 address");
    }
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      return bad(text, "expected ADDR:PORT, e.g. 127.0.0.1:8080 or [::1]:8080");
    }
    a.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    unsigned char buf[4];
    if (inet_pton(AF_INET, a.host.c_str(), buf) != 1) {
      return bad(
          text,
          "'" + a.host + "' is not an IPv4 address (host names are not resolved; use an address)");
    }
  }
  long long port = -1;
  if (port_text.empty()) return bad(text, "port must be 0..65535");
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || p != port_text.data() + port_text.size() || port < 0 || port > 65535) {
    return bad(text, "port must be 0..65535");
  }
  a.port = static_cast<std::uint16_t>(port);
  return a;
}

}  // namespace uplinkprobe::http
