// On-disk frame of one journal record. Little-endian, 28-byte header:
//   magic "UPJ1" | u32 payload_len | u64 seq | u16 kind_len | u16 flags(0)
//   | u32 crc32c(payload) | u32 crc32c(previous 24 header bytes)
// payload = kind bytes followed by the record's JSON bytes.
// The header has its own CRC so that a scan can trust payload_len and seq of a frame whose
// payload is torn or damaged: it can skip exactly that frame and knows its seq was assigned.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace uplinkprobe::journal {

inline constexpr size_t kFrameHeaderSize = 28;
inline constexpr uint32_t kMaxPayload = 1u << 20;  // bounds every read and allocation
inline constexpr size_t kMaxKindLen = 64;
// Seqs above this are treated as corrupt (a device writes ~10^3 a day), so that damaged
// input can never push the counter to overflow.
inline constexpr uint64_t kMaxSeq = 1ull << 62;
inline constexpr char kFrameMagic[4] = {'U', 'P', 'J', '1'};

struct FrameHeader {
  uint32_t payload_len = 0;
  uint64_t seq = 0;
  uint16_t kind_len = 0;
  uint32_t payload_crc = 0;
};

std::string encodeFrame(uint64_t seq, std::string_view kind, std::string_view json);
// Decodes a header from exactly kFrameHeaderSize bytes; nullopt when magic, header CRC or
// limits are wrong.
std::optional<FrameHeader> decodeFrameHeader(const unsigned char* p);

}  // namespace uplinkprobe::journal
