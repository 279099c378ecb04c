// ReadOnlyJournal: the view `uplinkprobe records` and `report` open on a journal directory
// while the daemon writes it (openFileJournalReadOnly in journal.h).
//
// Contract:
// - It never writes, never truncates and takes no lock file: append() is an error,
//   markDelivered() and flush() do nothing. lastSeq(), deliveredSeq() and journalId() read
//   the files as they are now (segments, journal.state).
// - It follows a writer: the writer only appends to its last segment, starts new ones and
//   evicts whole files, so each segment's index is built once and then extended by the
//   bytes appended since; a segment evicted (or replaced under the same name) is forgotten.
//   A frame still being written (a torn tail) is left for a later read, never reported.
// - Seeks: a read starts at the segment whose name (its first seq) covers since_seq + 1 and
//   refreshes only the segments it reads, so paging costs one segment scan per page.
// - Reads never skip a record whose bytes cannot be read (Journal::read): a segment that
//   exists but cannot be opened (permissions, a symlink planted in its place) ends the
//   batch before its records and is counted in readFailures(); so do bytes appended to a
//   segment that cannot be read while indexing them (the batch ends after the records
//   indexed before, never goes on into the next segment). Only a segment that vanished
//   between listing and opening (ENOENT) is passed over: it was evicted, its records are
//   gone, not unread.
// - lastSeq() never passes over records it cannot read either. It is the last seq of the
//   newest segment, as read() returns it; when that segment is there but cannot be opened,
//   or bytes appended to it cannot be read while indexing them, it is the first seq the view
//   could not read (the segment's first seq, or the one after its last indexed frame), not
//   the last readable seq. The last readable one would tell a caller that pages up to
//   lastSeq(), or reads only while lastSeq() is above its cursor (the delivery pump), that
//   it has read everything: it would stop before the unread records for good. The seq
//   reported was assigned by the writer (it appended those bytes or started that segment for
//   it) and is above every readable one, so such a caller goes on to read(), which ends the
//   batch before it and counts the failure; nothing is counted by lastSeq() itself. The
//   writer never gives such a seq again: its own lastSeq() is the seq it assigned last, and
//   reopening it over a segment it cannot read fails (openFileJournal, Error{"io"}).
//
// Threads: every method may be called from any thread (one internal mutex).
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/journal/journal.h"
#include "agent/journal/segment_files.h"
#include "platform/state_dir.h"

namespace uplinkprobe::journal {

class ReadOnlyJournal final : public Journal {
 public:
  // Error{"io"} when dir is not an existing directory. `read_at` reads one record's bytes,
  // `scan_at` the bytes a segment's index is built from (both empty = ::pread): test seams.
  static Result<std::unique_ptr<ReadOnlyJournal>> open(const std::string& dir,
                                                       ReadAt read_at = nullptr,
                                                       ReadAt scan_at = nullptr);

  Result<StoredRecord> append(nlohmann::json record) override;
  std::vector<StoredRecord> read(uint64_t since_seq, size_t max_count,
                                 const std::string& kind_filter = "") const override;
  uint64_t readFailures() const override;
  std::string journalId() const override;
  uint64_t lastSeq() const override;
  uint64_t deliveredSeq() const override;
  void markDelivered(uint64_t) override {}
  Status flush() override { return Status::Ok(); }

 private:
  ReadOnlyJournal(platform::StateDir dir, ReadAt read_at, ReadAt scan_at);

  // One segment file's index as far as it was scanned.
  struct FollowedSegment {
    ino_t ino = 0;
    uint64_t scanned = 0;  // end of the last valid frame indexed
    std::vector<IndexEntry> frames;
  };
  // Opens the segment and indexes the bytes appended since the last call; returns the fd
  // (the caller closes it), or -1: *unreadable is empty when the file is gone (ENOENT:
  // evicted under us), else why it exists but cannot be opened or examined (EACCES, a
  // symlink, not a regular file). Frames must have seqs above min_seq. When the fd is
  // returned but the bytes appended since the last index could not be read, *unreadable says
  // why: the frames indexed before are readable, what follows them is not (yet).
  int refreshLocked(uint64_t name_seq, const std::string& path, uint64_t min_seq,
                    std::string* unreadable) const;

  mutable std::mutex mu_;
  platform::StateDir dir_;
  // What was learnt from the files so far. A cache, so const methods update it (under mu_):
  // reading changes nothing a caller can see but the speed of the next read.
  mutable std::map<uint64_t, FollowedSegment> segments_;  // by segment name seq
  mutable KindTable kinds_;
  mutable RecordReader reader_;
  ReadAt scan_at_;
};

}  // namespace uplinkprobe::journal
