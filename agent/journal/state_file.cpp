#include "agent/journal/state_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
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
  return s->state.seq_hwm <= kMaxSeq && s->state.delivered <= kMaxSeq;
}

void encodeSlot(const Slot& s, unsigned char* p) {
  std::memset(p, 0, kSlot);
  std::memcpy(p, kMagic, 4);
  put64(p + 8, s.generation);
  put64(p + 16, s.state.seq_hwm);
  put64(p + 24, s.state.delivered);
  put64(p + 32, crc32c(p, 32));
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

std::string dirOf(const std::string& path) {
  auto p = path.rfind('/');
  return p == std::string::npos ? "." : (p == 0 ? "/" : path.substr(0, p));
}

}  // namespace

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

Result<StateFile> StateFile::openReadWrite(const std::string& path) {
  StateFile f;
  f.path_ = path;
  f.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (f.fd_ < 0) return makeError("io", "journal: cannot open " + path + ": " + strerror(errno));
  off_t size = lseek(f.fd_, 0, SEEK_END);
  if (size < static_cast<off_t>(2 * kSlot)) {
    // Allocate both slots now, while there is space, so later in-place writes need none.
    Slot best = loadBest(f.fd_);
    unsigned char buf[2 * kSlot];
    encodeSlot(best, buf);
    encodeSlot(best, buf + kSlot);
    if (pwrite(f.fd_, buf, sizeof buf, 0) != static_cast<ssize_t>(sizeof buf) ||
        fdatasync(f.fd_) != 0)
      return makeError("io", "journal: cannot write " + path + ": " + strerror(errno));
    int dfd = ::open(dirOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      fsync(dfd);
      ::close(dfd);
    }
  }
  Slot best = loadBest(f.fd_);
  f.generation_ = best.generation;
  f.state_ = best.state;
  return f;
}

JournalState StateFile::readOnly(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  Slot best = loadBest(fd);
  ::close(fd);
  return best.state;
}

Status StateFile::store(const JournalState& s) {
  Slot slot{generation_ + 1, s};
  unsigned char buf[kSlot];
  encodeSlot(slot, buf);
  off_t off = static_cast<off_t>((slot.generation % 2) * kSlot);
  if (pwrite(fd_, buf, kSlot, off) != static_cast<ssize_t>(kSlot) || fdatasync(fd_) != 0)
    return makeError("io", "journal: cannot write " + path_ + ": " + strerror(errno));
  generation_ = slot.generation;
  state_ = s;
  return Status::Ok();
}

}  // namespace uplinkprobe::journal
