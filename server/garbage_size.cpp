#include "server/garbage_size.h"

#include "http/query_string.h"

namespace uplinkprobe::server {

std::uint32_t garbageChunkCount(std::string_view query) {
  auto value = http::queryParam(query, "ckSize");
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
