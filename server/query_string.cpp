#include "server/query_string.h"

namespace uplinkprobe::server {

std::optional<std::string_view> queryParam(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    std::size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    if (key == name) {
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::uint32_t garbageChunkCount(std::string_view query) {
  auto value = queryParam(query, "ckSize");
  if (!value) return kDefaultGarbageChunks;
  std::uint64_t n = 0;
  std::size_t digits = 0;
  for (char c : *value) {
    if (c < '0' || c > '9') break;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
    if (n > kMaxGarbageChunks) n = kMaxGarbageChunks + 1;  // saturate: no overflow
    ++digits;
  }
  if (digits == 0 || n == 0) return kDefaultGarbageChunks;
  if (n > kMaxGarbageChunks) return kMaxGarbageChunks;
  return static_cast<std::uint32_t>(n);
}

}  // namespace uplinkprobe::server
