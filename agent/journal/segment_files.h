// The segment files of a journal directory, as both the read-write journal (file_journal.cpp)
// and the read-only view (read_only_journal.h) see them: "seg-<first seq, 20 digits>.ujr",
// each a run of frames (frame.h) scanned by scanSegment (segment_scan.h).
//
// Every file is opened relative to the journal directory's descriptor (platform/state_dir.h):
// never through a symlink, never a FIFO. Nothing here locks: each journal calls these under
// its own mutex.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "agent/journal/journal.h"
#include "common/result.h"
#include "platform/state_dir.h"

namespace uplinkprobe::journal {

// Bounds one read of a segment (a segment is never larger than 4 MiB).
inline constexpr uint64_t kMaxScanBytes = 64ull << 20;

std::string segmentName(uint64_t first_seq);
// The first seq a segment file name stands for; nullopt for any other name.
std::optional<uint64_t> parseSegmentName(const std::string& name);

// (first seq of the name, path) of every segment file, ascending.
Result<std::vector<std::pair<uint64_t, std::string>>> listSegments(const platform::StateDir& dir);

// Up to `max` bytes of an open segment from `offset` on, fewer at its end, through the
// ReadAt seam (empty = ::pread). Error{"io"} naming `path` on a read error.
Result<std::string> readSegmentBytes(int fd, uint64_t offset, uint64_t max, const std::string& path,
                                     const ReadAt& read_at = nullptr);

// Where one record's JSON bytes are: ~32 bytes per record (64k records at 64 MiB).
struct IndexEntry {
  uint64_t seq;
  uint64_t name_seq;  // of its segment
  uint64_t offset;    // of the JSON bytes in the segment file
  uint32_t len;
  uint32_t kind_id;  // in the journal's KindTable
};

// Interned record kinds: an index entry holds a number, not a string.
class KindTable {
 public:
  uint32_t intern(const std::string& kind);
  const std::string& name(uint32_t id) const { return kinds_[id]; }

 private:
  std::vector<std::string> kinds_;
};

// The read path's one step: a record's JSON bytes from an open segment, through the ReadAt
// seam (empty = ::pread). A record that cannot be read is logged and counted once however
// often it is retried (Journal::readFailures); its caller ends the batch there.
class RecordReader {
 public:
  explicit RecordReader(ReadAt read_at = nullptr) : read_at_(std::move(read_at)) {}
  // false (counted) when the bytes cannot all be read.
  bool read(int fd, const std::string& path, const IndexEntry& entry, std::string& out);
  void noteFailure(uint64_t seq, const std::string& path, const std::string& why);
  uint64_t failures() const { return failures_; }

 private:
  ReadAt read_at_;
  std::set<uint64_t> failed_seqs_;  // logged once each (bounded)
  uint64_t failures_ = 0;
};

}  // namespace uplinkprobe::journal
