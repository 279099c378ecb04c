// CRC32C (Castagnoli): detects torn and bit-flipped journal frames. Portable slicing-by-8
// (no SSE4.2/ARMv8 dispatch): a read-only scan of a 4 MiB segment stays a few ms, which keeps
// `records` paging cheap on routers too.
#pragma once

#include <cstddef>
#include <cstdint>

namespace uplinkprobe::journal {
uint32_t crc32c(const void* data, size_t len, uint32_t crc = 0);
}  // namespace uplinkprobe::journal
