#include "platform/state_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace uplinkprobe::platform {

namespace {

std::string errnoText(int e) { return std::strerror(e); }

bool writes(int flags) { return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0; }

// fstat checks on a fresh descriptor; closes it and returns an error when it fails them.
Result<int> checkDescriptor(int fd, const std::string& path, int flags) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return makeError(ErrorKind::kIo, "cannot stat " + path + ": " + errnoText(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return makeError(ErrorKind::kIo, path + " is not a regular file; refusing to use it");
  }
  if (writes(flags) && st.st_nlink > 1) {
    ::close(fd);
    return makeError(ErrorKind::kIo, path + " has " + std::to_string(st.st_nlink) +
                                         " hard links; refusing to write through it");
  }
  int fl = ::fcntl(fd, F_GETFL);
  if (fl >= 0) (void)::fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  return fd;
}

Result<std::string> readBounded(int fd, const std::string& path, std::size_t max_bytes) {
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return makeError(ErrorKind::kIo, "cannot stat " + path + ": " + errnoText(errno));
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    return makeError(ErrorKind::kIo,
                     path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::string out;
  out.resize(max_bytes + 1 < 65536 ? max_bytes + 1 : 65536);
  std::size_t got = 0;
  for (;;) {
    if (got == out.size()) {
      if (out.size() > max_bytes) break;
      out.resize(std::min(out.size() * 2, max_bytes + 1));
    }
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return makeError(ErrorKind::kIo, "cannot read " + path + ": " + errnoText(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > max_bytes) {
    return makeError(ErrorKind::kIo,
                     path + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  out.resize(got);
  return out;
}

}  // namespace

bool isPlainName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

StateDir::StateDir(StateDir&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), path_(std::move(o.path_)) {}

StateDir& StateDir::operator=(StateDir&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    path_ = std::move(o.path_);
  }
  return *this;
}

StateDir::~StateDir() {
  if (fd_ >= 0) ::close(fd_);
}

Result<StateDir> StateDir::open(const std::string& dir) {
  StateDir d;
  d.path_ = dir.empty() ? "." : dir;
  d.fd_ = ::open(d.path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d.fd_ < 0)
    return makeError(ErrorKind::kIo, "cannot open directory " + d.path_ + ": " + errnoText(errno));
  return d;
}

Result<StateDir> StateDir::openParentOf(const std::string& path, std::string* name) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  *name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (!isPlainName(*name)) return makeError(ErrorKind::kIo, "not a file path: " + path);
  return open(dir);
}

std::string StateDir::pathOf(const std::string& name) const {
  if (path_ == "/") return "/" + name;
  return path_ + "/" + name;
}

Result<int> StateDir::openFile(const std::string& name, int flags, mode_t mode,
                               bool* missing) const {
  if (missing) *missing = false;
  if (!isPlainName(name)) return makeError(ErrorKind::kIo, "not a plain file name: " + name);
  int fd = ::openat(fd_, name.c_str(), flags | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, mode);
  if (fd < 0) {
    const int e = errno;
    if (e == ENOENT && missing) *missing = true;
    if (e == ELOOP) {
      return makeError(ErrorKind::kIo, pathOf(name) + " is a symbolic link; refusing to follow it");
    }
    if (e == ENXIO)
      return makeError(ErrorKind::kIo, pathOf(name) + " is not a regular file (FIFO?)");
    return makeError(ErrorKind::kIo, "cannot open " + pathOf(name) + ": " + errnoText(e));
  }
  return checkDescriptor(fd, pathOf(name), flags);
}

Result<std::string> StateDir::readFile(const std::string& name, std::size_t max_bytes,
                                       bool* missing) const {
  auto fd = openFile(name, O_RDONLY, 0, missing);
  if (!fd) return fd.error();
  auto r = readBounded(*fd, pathOf(name), max_bytes);
  ::close(*fd);
  return r;
}

Status StateDir::writeFileAtomic(const std::string& name, const std::string& data, mode_t mode,
                                 gid_t gid) const {
  if (!isPlainName(name)) return makeError(ErrorKind::kIo, "not a plain file name: " + name);
  const std::string tmp = name + ".tmp";
  // Whatever sits at NAME.tmp (a leftover, or a planted symlink) goes; O_EXCL then guarantees
  // that the file written is the one created here.
  if (::unlinkat(fd_, tmp.c_str(), 0) != 0 && errno != ENOENT) {
    return makeError(ErrorKind::kIo, "cannot remove " + pathOf(tmp) + ": " + errnoText(errno));
  }
  int fd = ::openat(fd_, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return makeError(ErrorKind::kIo, "cannot write " + pathOf(tmp) + ": " + errnoText(errno));
  bool ok = ::fchmod(fd, mode) == 0;
  if (gid != static_cast<gid_t>(-1)) ok = ok && ::fchown(fd, static_cast<uid_t>(-1), gid) == 0;
  std::size_t off = 0;
  while (ok && off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
    } else {
      off += static_cast<std::size_t>(n);
    }
  }
  ok = ok && ::fdatasync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (ok && ::renameat(fd_, tmp.c_str(), fd_, name.c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    ::unlinkat(fd_, tmp.c_str(), 0);
    return makeError(ErrorKind::kIo, "cannot write " + pathOf(name) + ": " + errnoText(err));
  }
  sync();
  return Status::Ok();
}

Status StateDir::remove(const std::string& name) const {
  if (!isPlainName(name)) return makeError(ErrorKind::kIo, "not a plain file name: " + name);
  if (::unlinkat(fd_, name.c_str(), 0) != 0 && errno != ENOENT) {
    return makeError(ErrorKind::kIo, "cannot delete " + pathOf(name) + ": " + errnoText(errno));
  }
  return Status::Ok();
}

Result<std::vector<std::string>> StateDir::list(std::size_t max_entries) const {
  int dup_fd = ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0)
    return makeError(ErrorKind::kIo, "cannot list " + path_ + ": " + errnoText(errno));
  DIR* d = ::fdopendir(dup_fd);
  if (d == nullptr) {
    const int e = errno;
    ::close(dup_fd);
    return makeError(ErrorKind::kIo, "cannot list " + path_ + ": " + errnoText(e));
  }
  ::rewinddir(d);
  std::vector<std::string> out;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    if (out.size() >= max_entries) break;
    out.push_back(std::move(n));
  }
  ::closedir(d);
  return out;
}

void StateDir::sync() const {
  if (fd_ >= 0) ::fsync(fd_);
}

int StateDir::chownEntries(uid_t from_uid, uid_t uid, gid_t gid) const {
  auto names = list();
  if (!names) return 0;
  int changed = 0;
  for (const auto& n : *names) {
    struct stat st {};
    if (::fstatat(fd_, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (!S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_uid != from_uid) continue;
    if (::fchownat(fd_, n.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) == 0) ++changed;
  }
  return changed;
}

Result<std::string> readRegularFile(const std::string& path, std::size_t max_bytes,
                                    bool follow_symlinks, bool* missing, mode_t* mode) {
  if (missing) *missing = false;
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (follow_symlinks ? 0 : O_NOFOLLOW);
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) {
    const int e = errno;
    // ENOTDIR: a directory on the way is not there as a directory, so neither is the file.
    if ((e == ENOENT || e == ENOTDIR) && missing) *missing = true;
    if (e == ELOOP && !follow_symlinks) {
      return makeError(ErrorKind::kIo, path + " is a symbolic link; refusing to follow it");
    }
    return makeError(ErrorKind::kIo, "cannot read " + path + ": " + errnoText(e));
  }
  auto checked = checkDescriptor(fd, path, O_RDONLY);
  if (!checked) return checked.error();
  struct stat st {};
  if (mode != nullptr) *mode = ::fstat(fd, &st) == 0 ? st.st_mode : 0;
  auto r = readBounded(fd, path, max_bytes);
  ::close(fd);
  return r;
}

}  // namespace uplinkprobe::platform
