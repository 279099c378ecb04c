// journal.state: the seq high-water mark and the delivered position, in two fixed 64-byte
// slots (A/B) overwritten in place with pwrite + fdatasync, newest valid generation wins.
// Why not write-temp-and-rename: rename needs a free block, and the high-water mark must be
// written exactly when the disk is full (records go to the memory queue and their seqs
// must never be reused). Overwriting already-allocated blocks works on a full disk, and the
// second slot survives a write torn by a power cut.
//
// The journal's identity lives here too: `journal_id`, 64 random bits (getrandom) made when
// the state file is created — i.e. when the journal is — and kept in every later slot write.
// A state file written before journal ids existed gets one on its first read-write open.
// Slot layout (little endian): magic[4] pad[4] generation hwm delivered crc32c(0..31)
// journal_id crc32c(0..47) pad[8]. The second CRC covers the id, so an old agent (which
// zeroes bytes 40..63) leaves a slot that reads back as "no id": a new journal id, never a
// wrong one.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "platform/state_dir.h"

namespace uplinkprobe::journal {

struct JournalState {
  uint64_t seq_hwm = 0;     // every seq <= this was assigned
  uint64_t delivered = 0;   // every seq <= this was acknowledged by the broker
  uint64_t journal_id = 0;  // 0 = none yet (only before openReadWrite made one)
};

// 16 lowercase hex digits, zero-padded: the form records carry ("journal_id", "id").
std::string journalIdHex(uint64_t id);

class StateFile {
 public:
  StateFile() = default;
  StateFile(const StateFile&) = delete;
  StateFile& operator=(const StateFile&) = delete;
  StateFile(StateFile&& o) noexcept;
  StateFile& operator=(StateFile&& o) noexcept;
  ~StateFile();

  // Read-write: creates the file (and fsyncs the directory) when missing; makes and stores a
  // journal id when the file has none. Error when no random id can be made or stored.
  // The file is `name` in dir (opened relative to its descriptor, never through a symlink).
  static Result<StateFile> openReadWrite(const platform::StateDir& dir, const std::string& name);
  // Reads the state without keeping the file open; missing or unusable file = zero state.
  static JournalState readOnly(const platform::StateDir& dir, const std::string& name);

  const JournalState& state() const { return state_; }
  Status store(const JournalState& s);

 private:
  int fd_ = -1;
  std::string path_;
  uint64_t generation_ = 0;
  JournalState state_;
};

}  // namespace uplinkprobe::journal
