// How many bytes /garbage sends, read from its query string as LibreSpeed does.
#pragma once

#include <cstdint>
#include <string_view>

namespace uplinkprobe::server {

// ckSize as LibreSpeed's garbage.php reads it: chunks of 1 MiB; missing, empty, zero or not a
// number -> 4; above 1024 -> 1024. Leading digits count ("8abc" -> 8, like PHP's intval);
// negative values are treated as invalid (-> 4) rather than PHP's "send nothing".
std::uint32_t garbageChunkCount(std::string_view query);

inline constexpr std::uint32_t kDefaultGarbageChunks = 4;
inline constexpr std::uint32_t kMaxGarbageChunks = 1024;
inline constexpr std::uint64_t kGarbageChunkBytes = 1024 * 1024;

}  // namespace uplinkprobe::server
