#include "agent/journal/segment_scan.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "agent/journal/crc32c.h"
#include "agent/journal/frame.h"

namespace uplinkprobe::journal {
namespace {

size_t findMagic(const unsigned char* data, size_t size, size_t from) {
  if (size < 4) return size;
  for (size_t i = from; i + 4 <= size; ++i) {
    if (std::memcmp(data + i, kFrameMagic, 4) == 0) return i;
  }
  return size;
}

bool isTornTail(const unsigned char* data, size_t size, size_t start,
                std::optional<uint64_t>* seq) {
  const size_t n = size - start;
  const unsigned char* p = data + start;
  if (std::all_of(p, p + n, [](unsigned char c) { return c == 0; })) return true;
  if (n < kFrameHeaderSize) return std::memcmp(p, kFrameMagic, std::min<size_t>(n, 4)) == 0;
  auto h = decodeFrameHeader(p);
  if (!h) return false;
  // A complete frame that fails its CRC is torn only if it is the last thing in the file.
  if (kFrameHeaderSize + h->payload_len < n) return false;
  *seq = h->seq;
  return true;
}

}  // namespace

ScanResult scanSegment(const unsigned char* data, size_t size, uint64_t min_seq) {
  ScanResult r;
  uint64_t last_seq = min_seq;
  size_t pos = 0;
  constexpr size_t kNone = SIZE_MAX;
  size_t bad_start = kNone;
  std::optional<uint64_t> bad_lo, bad_hi;
  auto noteBadSeq = [&](uint64_t s) {
    bad_lo = bad_lo ? std::min(*bad_lo, s) : s;
    bad_hi = bad_hi ? std::max(*bad_hi, s) : s;
    r.max_seq_seen = std::max(r.max_seq_seen, s);
  };
  auto openBad = [&](size_t at) {
    if (bad_start == kNone) bad_start = at;
  };
  while (pos < size) {
    std::optional<FrameHeader> h;
    if (size - pos >= kFrameHeaderSize) h = decodeFrameHeader(data + pos);
    if (!h) {
      openBad(pos);
      pos = findMagic(data, size, pos + 1);
      continue;
    }
    const size_t frame_len = kFrameHeaderSize + h->payload_len;
    if (frame_len > size - pos) {  // runs past the end: a torn tail or damage before it
      openBad(pos);
      noteBadSeq(h->seq);
      pos = findMagic(data, size, pos + 1);
      continue;
    }
    const unsigned char* payload = data + pos + kFrameHeaderSize;
    if (crc32c(payload, h->payload_len) != h->payload_crc || h->seq <= last_seq) {
      openBad(pos);
      noteBadSeq(h->seq);
      pos += frame_len;
      continue;
    }
    if (bad_start != kNone) {
      r.damage.push_back({bad_start, pos - bad_start, bad_lo, bad_hi});
      bad_start = kNone;
      bad_lo.reset();
      bad_hi.reset();
    }
    ScannedFrame f;
    f.seq = h->seq;
    f.offset = pos;
    f.json_off = static_cast<uint32_t>(kFrameHeaderSize + h->kind_len);
    f.json_len = h->payload_len - h->kind_len;
    f.kind.assign(reinterpret_cast<const char*>(payload), h->kind_len);
    r.frames.push_back(std::move(f));
    r.max_seq_seen = std::max(r.max_seq_seen, h->seq);
    last_seq = h->seq;
    pos += frame_len;
    r.valid_end = pos;
  }
  r.tail_bytes = size - r.valid_end;
  if (r.tail_bytes > 0) {
    r.tail_torn = isTornTail(data, size, r.valid_end, &r.tail_seq);
  }
  return r;
}

}  // namespace uplinkprobe::journal
