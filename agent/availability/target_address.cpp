#include "agent/availability/target_address.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace uplinkprobe::availability {

Result<HostPort> parseHostPort(const std::string& text, uint16_t default_port) {
  auto bad = [&](const std::string& why) {
    return makeError(ErrorKind::kConfig, "target '" + text + "': " + why);
  };
  HostPort hp;
  std::string port_text;
  if (text.empty()) return bad("empty");
  if (text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos) return bad("missing ']'");
    hp.host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return bad("expected ':' after ']'");
      port_text = text.substr(close + 2);
      if (port_text.empty()) return bad("empty port");
    }
  } else {
    size_t colon = text.find(':');
    if (colon != std::string::npos && text.find(':', colon + 1) != std::string::npos) {
      return bad("IPv6 addresses need brackets: [addr]:port");
    }
    hp.host = text.substr(0, colon);
    if (colon != std::string::npos) {
      port_text = text.substr(colon + 1);
      if (port_text.empty()) return bad("empty port");
    }
  }
  if (hp.host.empty()) return bad("empty host");
  if (port_text.empty()) {
    if (default_port == 0) return bad("missing port");
    hp.port = default_port;
    return hp;
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
      value > 65535) {
    return bad("port must be 1..65535");
  }
  hp.port = static_cast<uint16_t>(value);
  return hp;
}

std::vector<std::string> parseResolvConf(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line) && out.size() < 8) {
    std::istringstream words(line);
    std::string key, value;
    if (!(words >> key >> value)) continue;
    if (key == "nameserver") out.push_back(value);
  }
  return out;
}

std::vector<std::string> systemNameservers() {
  std::ifstream f("/etc/resolv.conf");
  if (!f) return {};
  std::string text(64 * 1024, '\0');
  f.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(f.gcount()));
  return parseResolvConf(text);
}

}  // namespace uplinkprobe::availability
