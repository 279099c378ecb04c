#include "platform/default_route.h"

#include <arpa/inet.h>

#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>
#include <vector>

namespace uplinkprobe::platform {
namespace {

constexpr unsigned kRtfUp = 0x0001;
constexpr unsigned kRtfGateway = 0x0002;
constexpr unsigned kRtfReject = 0x0200;
constexpr int kMaxLines = 4096;
constexpr std::size_t kMaxTableBytes = 1 << 20;

std::string readSmallFile(const char* path) {
  std::ifstream in(path);
  std::string text;
  char buf[4096];
  while (in && text.size() < kMaxTableBytes) {
    in.read(buf, sizeof buf);
    text.append(buf, static_cast<std::size_t>(in.gcount()));
  }
  return text;
}

bool parseHex(const std::string& s, unsigned long long& out) {
  if (s.empty() || s.size() > 16) return false;
  try {
    std::size_t used = 0;
    out = std::stoull(s, &used, 16);
    return used == s.size();
  } catch (...) {
    return false;
  }
}

std::vector<std::string> splitLines(std::string_view text) {
  std::vector<std::string> lines;
  std::string cur;
  std::istringstream in{std::string(text)};
  while (static_cast<int>(lines.size()) < kMaxLines && std::getline(in, cur)) lines.push_back(cur);
  return lines;
}

}  // namespace

std::optional<DefaultRoute> parseIpv4RouteTable(std::string_view text) {
  std::optional<DefaultRoute> best;
  unsigned long long best_metric = std::numeric_limits<unsigned long long>::max();
  auto lines = splitLines(text);
  for (std::size_t i = 1; i < lines.size(); ++i) {  // line 0 is the header
    std::istringstream f(lines[i]);
    std::string iface, dest, gw, flags_s, refcnt, use, metric_s, mask;
    if (!(f >> iface >> dest >> gw >> flags_s >> refcnt >> use >> metric_s >> mask)) continue;
    unsigned long long d = 0, g = 0, flags = 0, m = 0;
    if (!parseHex(dest, d) || !parseHex(gw, g) || !parseHex(flags_s, flags) || !parseHex(mask, m))
      continue;
    unsigned long long metric = 0;
    try {
      metric = std::stoull(metric_s);
    } catch (...) {
      continue;
    }
    if (d != 0 || m != 0 || !(flags & kRtfUp) || (flags & kRtfReject)) continue;
    if (best && metric >= best_metric) continue;
    DefaultRoute r;
    r.interface = iface;
    r.family = 4;
    if ((flags & kRtfGateway) && g != 0) {
      // The kernel prints the address in host byte order of a little/big-endian u32 read
      // from network order memory, so converting back through in_addr is exact.
      in_addr a{};
      a.s_addr = static_cast<uint32_t>(g);
      char buf[INET_ADDRSTRLEN] = {};
      if (inet_ntop(AF_INET, &a, buf, sizeof buf)) r.gateway = buf;
    }
    best = r;
    best_metric = metric;
  }
  return best;
}

std::optional<DefaultRoute> parseIpv6RouteTable(std::string_view text) {
  std::optional<DefaultRoute> best;
  unsigned long long best_metric = std::numeric_limits<unsigned long long>::max();
  for (const auto& line : splitLines(text)) {
    std::istringstream f(line);
    std::string dest, dlen, src, slen, next, metric_s, refcnt, use, flags_s, iface;
    if (!(f >> dest >> dlen >> src >> slen >> next >> metric_s >> refcnt >> use >> flags_s >>
          iface))
      continue;
    unsigned long long dl = 0, metric = 0, flags = 0;
    if (dest.size() != 32 || next.size() != 32 || !parseHex(dlen, dl) ||
        !parseHex(metric_s, metric) || !parseHex(flags_s, flags))
      continue;
    if (dl != 0 || dest != std::string(32, '0')) continue;
    if (!(flags & kRtfUp) || (flags & kRtfReject) || iface == "lo") continue;
    if (best && metric >= best_metric) continue;
    DefaultRoute r;
    r.interface = iface;
    r.family = 6;
    if (next != std::string(32, '0')) {
      in6_addr a{};
      bool good = true;
      for (int i = 0; i < 16 && good; ++i) {
        unsigned long long byte = 0;
        good = parseHex(next.substr(static_cast<std::size_t>(i) * 2, 2), byte);
        a.s6_addr[i] = static_cast<uint8_t>(byte);
      }
      char buf[INET6_ADDRSTRLEN] = {};
      if (good && inet_ntop(AF_INET6, &a, buf, sizeof buf)) r.gateway = buf;
    }
    best = r;
    best_metric = metric;
  }
  return best;
}

std::optional<DefaultRoute> defaultRoute(int family) {
  if (family == 4) return parseIpv4RouteTable(readSmallFile("/proc/net/route"));
  if (family == 6) return parseIpv6RouteTable(readSmallFile("/proc/net/ipv6_route"));
  return std::nullopt;
}

}  // namespace uplinkprobe::platform
