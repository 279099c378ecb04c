// StateDir: every file the agent keeps in its state directory ([storage] dir, owned by the
// service account `uplinkprobe`) is opened through this, relative to one directory descriptor.
//
// Why: root also opens these files (`uplinkprobe commission`, `run` started by hand), and the
// service account — the one that parses DNS, HTTP, TLS and MQTT from the network — can plant
// `seg-….ujr -> /etc/shadow` or a FIFO there. So:
//  - names are single components (no '/', no "..") opened with openat(dir_fd, …, O_NOFOLLOW):
//    a symlink is refused (ELOOP), never followed;
//  - opens use O_NONBLOCK so a FIFO or device cannot hang them, then fstat the descriptor:
//    only a regular file is used; a file opened for writing must have one link (a hard link
//    to a file elsewhere is refused) — checked on the descriptor, so nothing can be swapped
//    between check and use;
//  - reads are bounded by the caller's maximum;
//  - atomic replacement writes NAME.tmp created with O_CREAT|O_EXCL (a planted NAME.tmp is
//    removed first: unlinkat removes a symlink, never its target), fsyncs, renameat()s over
//    NAME (rename replaces a symlink, never writes through it) and fsyncs the directory;
//  - ownership is changed with fchownat(…, AT_SYMLINK_NOFOLLOW).
// The directory itself is the one root configured; its path may contain symlinks (the admin
// chose it), but once opened the descriptor pins it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace uplinkprobe::platform {

class StateDir {
 public:
  StateDir() = default;
  StateDir(StateDir&& o) noexcept;
  StateDir& operator=(StateDir&& o) noexcept;
  StateDir(const StateDir&) = delete;
  StateDir& operator=(const StateDir&) = delete;
  ~StateDir();

  // Opens dir (must exist and be a directory). Error kind "io".
  static Result<StateDir> open(const std::string& dir);
  // The directory holding path, and path's last component in *name.
  static Result<StateDir> openParentOf(const std::string& path, std::string* name);

  bool valid() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  std::string pathOf(const std::string& name) const;

  // A regular file in this directory (see above). flags as for open(2) (O_CLOEXEC, O_NOFOLLOW
  // and O_NONBLOCK are added; O_NONBLOCK is cleared again after the checks). Returns the
  // descriptor, or Error{"io"} naming the path and the reason; *missing (if given) is set
  // when the file does not exist (and O_CREAT was not asked).
  Result<int> openFile(const std::string& name, int flags, mode_t mode = 0640,
                       bool* missing = nullptr) const;

  // The whole file if it is at most max_bytes; larger is an error (never a truncated read).
  Result<std::string> readFile(const std::string& name, std::size_t max_bytes,
                               bool* missing = nullptr) const;

  // Replaces name atomically (NAME.tmp, fsync, renameat, fsync dir). mode applied with fchmod;
  // gid (if not -1) set with fchown on the new descriptor.
  Status writeFileAtomic(const std::string& name, const std::string& data, mode_t mode = 0640,
                         gid_t gid = static_cast<gid_t>(-1)) const;

  // unlinkat: removes the entry itself (a symlink, never its target). ENOENT is not an error.
  Status remove(const std::string& name) const;
  // Entry names (not "." or ".."), at most max_entries.
  Result<std::vector<std::string>> list(std::size_t max_entries = 100000) const;
  void sync() const;

  // For each entry that is a regular file with one link and owned by from_uid: fchownat(…,
  // uid, gid, AT_SYMLINK_NOFOLLOW). Symlinks and other types are left alone. Returns how many
  // entries changed.
  int chownEntries(uid_t from_uid, uid_t uid, gid_t gid) const;

 private:
  int fd_ = -1;
  std::string path_;
};

// A file anywhere (configuration, keys, password files): opened once with O_NONBLOCK (a FIFO
// cannot hang it), fstat on the descriptor (regular file, at most max_bytes), read bounded.
// follow_symlinks false adds O_NOFOLLOW. *missing (if given) is set when the file or a
// directory on its path does not exist (ENOENT, ENOTDIR); the result is then an error too.
// *mode (if given) gets the mode of the file read.
// Error kind "io" naming path and reason.
Result<std::string> readRegularFile(const std::string& path, std::size_t max_bytes,
                                    bool follow_symlinks = true, bool* missing = nullptr,
                                    mode_t* mode = nullptr);

// Whether name is one path component a StateDir accepts.
bool isPlainName(const std::string& name);

}  // namespace uplinkprobe::platform
