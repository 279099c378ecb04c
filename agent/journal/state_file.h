// journal.state: the seq high-water mark and the delivered position, in two fixed 64-byte
// slots (A/B) overwritten in place with pwrite + fdatasync, newest valid generation wins.
// Why not write-temp-and-rename: rename needs a free block, and the high-water mark must be
// written exactly when the disk is full (records go to the memory queue and their seqs
// must never be reused). Overwriting already-allocated blocks works on a full disk, and the
// second slot survives a write torn by a power cut.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace uplinkprobe::journal {

struct JournalState {
  uint64_t seq_hwm = 0;    // every seq <= this was assigned
  uint64_t delivered = 0;  // every seq <= this was acknowledged by the broker
};

class StateFile {
 public:
  StateFile() = default;
  StateFile(const StateFile&) = delete;
  StateFile& operator=(const StateFile&) = delete;
  StateFile(StateFile&& o) noexcept;
  StateFile& operator=(StateFile&& o) noexcept;
  ~StateFile();

  // Read-write: creates the file (and fsyncs the directory) when missing.
  static Result<StateFile> openReadWrite(const std::string& path);
  // Reads the state without keeping the file open; missing file = zero state.
  static JournalState readOnly(const std::string& path);

  const JournalState& state() const { return state_; }
  Status store(const JournalState& s);

 private:
  int fd_ = -1;
  std::string path_;
  uint64_t generation_ = 0;
  JournalState state_;
};

}  // namespace uplinkprobe::journal
