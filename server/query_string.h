// Query-string helpers for request targets ("ckSize=100&r=0.123").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace uplinkprobe::server {

// Value of the first "name=value" pair whose name matches exactly (case-sensitive, as PHP's
// $_GET is); "name" without '=' yields an empty value. Values are returned raw (not
// percent-decoded): every value the server reads is a plain number.
std::optional<std::string_view> queryParam(std::string_view query, std::string_view name);

// ckSize as LibreSpeed's garbage.php reads it: chunks of 1 MiB; missing, empty, zero or not a
// number -> 4; above 1024 -> 1024. Leading digits count ("8abc" -> 8, like PHP's intval);
// negative values are treated as invalid (-> 4) rather than PHP's "send nothing".
std::uint32_t garbageChunkCount(std::string_view query);

inline constexpr std::uint32_t kDefaultGarbageChunks = 4;
inline constexpr std::uint32_t kMaxGarbageChunks = 1024;
inline constexpr std::uint64_t kGarbageChunkBytes = 1024 * 1024;

}  // namespace uplinkprobe::server
