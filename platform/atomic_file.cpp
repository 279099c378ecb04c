#include "platform/atomic_file.h"

#include "platform/state_dir.h"

namespace uplinkprobe::platform {

Status writeFileAtomic(const std::string& path, const std::string& data, mode_t mode, gid_t gid) {
  // Relative to the directory's descriptor, O_EXCL temp file, renameat: a symlink planted at
  // PATH or PATH.tmp is replaced or removed, never written through (state_dir.h).
  std::string name;
  auto dir = StateDir::openParentOf(path, &name);
  if (!dir) return makeError(ErrorKind::kIo, "cannot write " + path + ": " + dir.error().message);
  return dir->writeFileAtomic(name, data, mode, gid);
}

}  // namespace uplinkprobe::platform
