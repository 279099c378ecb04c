// Scans the bytes of one segment file into valid frames, damaged spans and a tail.
// Pure function on a buffer, so the fuzzer and the tests drive it without files.
//
// Rules: a frame counts only if header CRC, payload CRC and seq order (strictly greater
// than min_seq and than the previous frame) hold. Invalid bytes between valid frames are
// damage (resync on the next valid header). Bytes after the last valid frame are the tail:
// "torn" when they look like an interrupted append (a prefix of a header, a header-valid
// frame whose payload is short or fails its CRC and ends the file, or zeros), else garbage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace uplinkprobe::journal {

struct ScannedFrame {
  uint64_t seq;
  uint64_t offset;    // of the header
  uint32_t json_off;  // relative to offset
  uint32_t json_len;
  std::string kind;
};

struct DamagedSpan {
  uint64_t offset;
  uint64_t length;
  // Seqs of header-valid frames inside the span, when any.
  std::optional<uint64_t> seq_lo, seq_hi;
};

struct ScanResult {
  std::vector<ScannedFrame> frames;
  std::vector<DamagedSpan> damage;   // before valid_end only
  uint64_t valid_end = 0;            // end of the last valid frame
  uint64_t tail_bytes = 0;           // size - valid_end
  bool tail_torn = true;             // meaningful when tail_bytes > 0
  std::optional<uint64_t> tail_seq;  // seq in a torn tail's complete header
  uint64_t max_seq_seen = 0;         // includes damaged and torn frames with a valid header
};

ScanResult scanSegment(const unsigned char* data, size_t size, uint64_t min_seq = 0);

}  // namespace uplinkprobe::journal
