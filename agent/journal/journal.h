// Journal: the durable, seq-numbered store every record passes through before anything else
// happens to it (publish, print). Design contract in ../shared/DESIGN.md and issue 3.
//
// Ownership and threads:
// - The daemon owns the one read-write Journal (openFileJournal) for the process lifetime.
//   Records come from the event loop; markDelivered() may come from the MQTT client's callback
//   thread. Every method of the file and memory journals is thread-safe (one internal mutex);
//   append() blocks for one fdatasync (milliseconds), which the loop accepts at a few hundred
//   records a day.
// - `uplinkprobe records` opens the same directory read-only while the daemon runs; the
//   read-only journal never writes, never truncates and ignores a tail still being written.
// - The journal owns exactly three record fields: "seq", "journal_id" and
//   "id" = "{device_id}:{journal_id}:{seq}". The caller sets the rest of the envelope (schema,
//   kind, device_id, ts, ...). journal_id is 16 lowercase hex digits (64 random bits) made
//   when the journal is created and kept in journal.state: a purge, reinstall or new SD card
//   is a new journal whose seqs start again at 1, and (device_id, journal_id, seq) — the
//   collectors' de-duplication key — stays unique. Every program that journals (the daemon,
//   `commission`, `test`) opens the same [storage] dir, so they share one seq space.
//
// Guarantees:
// - seq is monotonic across restarts and never reused: not after a crash, a torn tail, lost
//   memory-queued records or eviction of old segments (a high-water mark survives in
//   journal.state). Seqs that never reached the disk are announced by a "gap" record.
// - The bytes returned by read() are the bytes journaled: a re-send is byte-identical.
// - Nothing disappears silently: records dropped for space (storage_full) or because the
//   memory queue overflowed while the disk failed (memory_queue_full) are announced by a
//   "gap" record {first_seq, last_seq, count, reason}; damaged frames found on open by an
//   "event" record {"event":"journal_damage", files, bytes_skipped, seq_first, seq_last}.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/result.h"

namespace uplinkprobe::journal {

// The read path's one system call, a seam for tests that inject I/O errors and short reads:
// same contract as ::pread (bytes read, or -1 with errno). Empty = ::pread.
using ReadAt = std::function<ssize_t(int fd, void* buf, size_t len, off_t offset)>;

struct JournalOptions {
  std::string dir;
  // Upper bound of all segment files together (storage.max_mb). Minimum 64 KiB.
  uint64_t max_bytes = 64ull << 20;
  std::string device_id;
  // Records held in RAM while the disk refuses writes (ENOSPC, EIO), retried on every
  // append() and flush().
  size_t memory_queue_max = 1000;
  // Size at which a new segment file is started; 0 = max_bytes / 8 clamped to
  // [16 KiB, 4 MiB], so eviction frees space in steps of at most an eighth.
  uint64_t segment_bytes = 0;
  // The school of device_id: the records the journal writes itself (gap, journal_damage)
  // get their envelope from record::RecordFactory like every other record.
  std::string school_id;
  // markDelivered() persists at most once per this many records or seconds (flash wear);
  // always on flush() and close.
  uint64_t delivered_persist_every_records = 64;
  std::chrono::seconds delivered_persist_every{30};
  // Reads of record bytes go through this (tests); empty = ::pread.
  ReadAt read_at;
};

struct StoredRecord {
  uint64_t seq = 0;
  std::string kind;
  std::string json;  // exact bytes as journaled and as published
  // false: held in the memory queue because the disk refused the write; it will be written
  // on a later append()/flush() (and is lost if the process dies first; its seq is not
  // reused and a gap record reports it).
  bool durable = true;
};

class Journal {
 public:
  virtual ~Journal() = default;
  // Assigns the next seq, sets "seq", "journal_id" and "id", serialises once, appends the framed
  // record and fdatasyncs it. Errors: not an object, too large (> 1 MiB or max_bytes/4), read-only
  // journal, or disk failing with the memory queue full (the record's seq is then reported
  // in a later gap record).
  virtual Result<StoredRecord> append(nlohmann::json record) = 0;
  // Records with seq > since_seq, ascending, at most max_count; kind_filter "" = all kinds.
  // Includes records held in the memory queue.
  // Never skips: a record that cannot be read (segment cannot be opened, I/O error, short
  // read) ends the batch — the result holds only the records before it, so a caller that
  // pages on the last seq it got (the delivery pump) retries that record on its next read
  // and never moves past it. Each such record is logged once and counted (readFailures()).
  // A segment the writer evicted is not unreadable: its records are gone (a read-only view
  // that finds one missing (ENOENT) between listing and opening goes on past it).
  virtual std::vector<StoredRecord> read(uint64_t since_seq, size_t max_count,
                                         const std::string& kind_filter = "") const = 0;
  // Records whose bytes could not be read, each counted once however often it is retried.
  virtual uint64_t readFailures() const { return 0; }
  // This journal's id (16 lowercase hex digits); "" only for a read-only view of a journal
  // that has none yet (written before journal ids existed and not opened read-write since).
  // (Not pure: test doubles that never assign ids need not implement it.)
  virtual std::string journalId() const { return ""; }
  // Highest seq assigned so far (0 = none). A read-only view that cannot read its newest
  // records says at least the first of them, never only the last it could read
  // (read_only_journal.h).
  virtual uint64_t lastSeq() const = 0;
  // Every record with seq <= deliveredSeq() was acknowledged by the broker.
  virtual uint64_t deliveredSeq() const = 0;
  // Moves the delivered position forward (never back); persisted batched.
  virtual void markDelivered(uint64_t seq) = 0;
  // Retries the memory queue and persists the delivered position. Error while records are
  // still held only in memory.
  virtual Status flush() = 0;
};

// Read-write journal, one writer per directory (flock on dir/journal.lock; a second writer
// gets Error{"journal_locked"}). Creates the directory if missing. Always opens unless a
// file cannot be opened or read at all (Error{"io"} naming the path): torn tails are
// truncated, damaged frames skipped and reported.
Result<std::unique_ptr<Journal>> openFileJournal(const JournalOptions& options, const Clock& clock);
// Read-only view for `uplinkprobe records`, safe while a writer appends. Seeks: a read
// starts at the segment whose name (its first seq) covers since_seq + 1 and scans only the
// segments it needs, each once per process (afterwards only bytes appended since), so
// paging costs one segment scan per page, not a scan of the whole journal.
Result<std::unique_ptr<Journal>> openFileJournalReadOnly(const std::string& dir,
                                                         ReadAt read_at = nullptr);
// In-memory fake with the same seq/id behaviour, for tests of other modules. journal_id ""
// = a random one, as a new file journal would get.
std::unique_ptr<Journal> makeMemoryJournal(std::string device_id, std::string journal_id = "");

}  // namespace uplinkprobe::journal
