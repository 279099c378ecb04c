// CRC32C (Castagnoli): detects torn and bit-flipped journal frames. Software table version:
// a few hundred records a day do not justify SSE4.2 dispatch.
#pragma once

#include <cstddef>
#include <cstdint>

namespace uplinkprobe::journal {
uint32_t crc32c(const void* data, size_t len, uint32_t crc = 0);
}  // namespace uplinkprobe::journal
