#include "agent/journal/state_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "agent/journal/crc32c.h"
#include "agent/journal/frame.h"

namespace uplinkprobe::journal {
namespace {

constexpr size_t kSlot = 64;
constexpr char kMagic[4] = {'U', 'P', 'J', 'S'};

struct Slot {
  uint64_t generation = 0;
  JournalState state;
};

void put64(unsigned char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
uint64_t get64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

bool decodeSlot(const unsigned char* p, Slot* s) {
  if (std::memcmp(p, kMagic, 4) != 0) return false;
  uint32_t crc = static_cast<uint32_t>(get64(p + 32));
  if (crc != crc32c(p, 32)) return false;
  s->generation = get64(p + 8);
  s->state.seq_hwm = get64(p + 16);
  s->state.delivered = get64(p + 24);
  // The id has its own CRC (over bytes 0..47): slots from before journal ids have zeros here.
  s->state.journal_id = static_cast<uint32_t>(get64(p + 48)) == crc32c(p, 48) ? get64(p + 40) : 0;
  return s->state.seq_hwm <= kMaxSeq && s->state.delivered <= kMaxSeq;
}

void encodeSlot(const Slot& s, unsigned char* p) {
  std::memset(p, 0, kSlot);
  std::memcpy(p, kMagic, 4);
  put64(p + 8, s.generation);
  put64(p + 16, s.state.seq_hwm);
  put64(p + 24, s.state.delivered);
  put64(p + 32, crc32c(p, 32));
  put64(p + 40, s.state.journal_id);
  put64(p + 48, crc32c(p, 48));
}

// 64 random bits from the kernel's CSPRNG; never 0 (0 means "no id").
Result<uint64_t> randomJournalId() {
  for (int attempt = 0; attempt < 100; ++attempt) {
    uint64_t v = 0;
    ssize_t n = getrandom(&v, sizeof v, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof v))
      return makeError(ErrorKind::kIo, std::string("journal: getrandom: ") +
                                           (n < 0 ? strerror(errno) : "short read"));
    if (v != 0) return v;
  }
  return makeError(ErrorKind::kIo, "journal: getrandom returned zeros");
}

Slot loadBest(int fd) {
  unsigned char buf[2 * kSlot] = {0};
  ssize_t n = pread(fd, buf, sizeof buf, 0);
  Slot best;
  for (int i = 0; i < 2; ++i) {
    Slot s;
    if (n >= static_cast<ssize_t>((i + 1) * kSlot) && decodeSlot(buf + i * kSlot, &s) &&
        s.generation >= best.generation)
      best = s;
  }
  return best;
}

}  // namespace

std::string journalIdHex(uint64_t id) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
  return buf;
}

StateFile::StateFile(StateFile&& o) noexcept { *this = std::move(o); }
StateFile& StateFile::operator=(StateFile&& o) noexcept {
  std::swap(fd_, o.fd_);
  path_ = std::move(o.path_);
  generation_ = o.generation_;
  state_ = o.state_;
  return *this;
}
StateFile::~StateFile() {
  if (fd_ >= 0) ::close(fd_);
}

Result<StateFile> StateFile::openReadWrite(const platform::StateDir& dir, const std::string& name) {
  StateFile f;
  const std::string path = dir.pathOf(name);
  f.path_ = path;
  auto fd = dir.openFile(name, O_RDWR | O_CREAT, 0644);
  if (!fd) return makeError(ErrorKind::kIo, "journal: " + fd.error().message);
  f.fd_ = *fd;
  off_t size = lseek(f.fd_, 0, SEEK_END);
  if (size < static_cast<off_t>(2 * kSlot)) {
    // Allocate both slots now, while there is space, so later in-place writes need none.
    // A new state file is a new journal: it gets its id in the same write.
    Slot best = loadBest(f.fd_);
    if (best.state.journal_id == 0) {
      auto id = randomJournalId();
      if (!id) return id.error();
      best.state.journal_id = *id;
    }
    unsigned char buf[2 * kSlot];
    encodeSlot(best, buf);
    encodeSlot(best, buf + kSlot);
    if (pwrite(f.fd_, buf, sizeof buf, 0) != static_cast<ssize_t>(sizeof buf) ||
        fdatasync(f.fd_) != 0)
      return makeError(ErrorKind::kIo, "journal: cannot write " + path + ": " + strerror(errno));
    dir.sync();
  }
  Slot best = loadBest(f.fd_);
  f.generation_ = best.generation;
  f.state_ = best.state;
  if (f.state_.journal_id == 0) {
    // A journal from before journal ids: it gets one now, kept from here on.
    auto id = randomJournalId();
    if (!id) return id.error();
    JournalState s = f.state_;
    s.journal_id = *id;
    if (auto st = f.store(s); !st) return st.error();
  }
  return f;
}

JournalState StateFile::readOnly(const platform::StateDir& dir, const std::string& name) {
  auto fd = dir.openFile(name, O_RDONLY, 0);
  if (!fd) return {};
  Slot best = loadBest(*fd);
  ::close(*fd);
  return best.state;
}

Status StateFile::store(const JournalState& s) {
  Slot slot{generation_ + 1, s};
  if (state_.journal_id != 0) slot.state.journal_id = state_.journal_id;  // never changes
  unsigned char buf[kSlot];
  encodeSlot(slot, buf);
  off_t off = static_cast<off_t>((slot.generation % 2) * kSlot);
  if (pwrite(fd_, buf, kSlot, off) != static_cast<ssize_t>(kSlot) || fdatasync(fd_) != 0)
    return makeError(ErrorKind::kIo, "journal: cannot write " + path_ + ": " + strerror(errno));
  generation_ = slot.generation;
  state_ = slot.state;
  return Status::Ok();
}

}  // namespace uplinkprobe::journal
