#include "agent/journal/frame.h"

#include <cstring>

#include "agent/journal/crc32c.h"

namespace uplinkprobe::journal {
namespace {
void put16(unsigned char* p, uint16_t v) {
  for (int i = 0; i < 2; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
void put32(unsigned char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
void put64(unsigned char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
uint64_t get(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
}  // namespace

std::string encodeFrame(uint64_t seq, std::string_view kind, std::string_view json) {
  std::string out(kFrameHeaderSize + kind.size() + json.size(), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  std::memcpy(p, kFrameMagic, 4);
  put32(p + 4, static_cast<uint32_t>(kind.size() + json.size()));
  put64(p + 8, seq);
  put16(p + 16, static_cast<uint16_t>(kind.size()));
  put16(p + 18, 0);
  std::memcpy(p + kFrameHeaderSize, kind.data(), kind.size());
  std::memcpy(p + kFrameHeaderSize + kind.size(), json.data(), json.size());
  put32(p + 20, crc32c(p + kFrameHeaderSize, kind.size() + json.size()));
  put32(p + 24, crc32c(p, 24));
  return out;
}

std::optional<FrameHeader> decodeFrameHeader(const unsigned char* p) {
  if (std::memcmp(p, kFrameMagic, 4) != 0) return std::nullopt;
  if (static_cast<uint32_t>(get(p + 24, 4)) != crc32c(p, 24)) return std::nullopt;
  FrameHeader h;
  h.payload_len = static_cast<uint32_t>(get(p + 4, 4));
  h.seq = get(p + 8, 8);
  h.kind_len = static_cast<uint16_t>(get(p + 16, 2));
  h.payload_crc = static_cast<uint32_t>(get(p + 20, 4));
  if (h.payload_len > kMaxPayload || h.kind_len > kMaxKindLen || h.kind_len > h.payload_len ||
      h.seq == 0 || h.seq > kMaxSeq)
    return std::nullopt;
  return h;
}

}  // namespace uplinkprobe::journal
