// The one way to replace a small file so that a power cut leaves the old or the new content,
// never a torn one: write PATH.tmp, fsync it, rename over PATH, fsync the directory.
// For files written rarely (state on change, config edits, key files); not for the journal.
// Written relative to the parent directory's descriptor (platform/state_dir.h): a symlink at
// PATH or PATH.tmp is replaced, never followed.
#pragma once

#include <sys/types.h>

#include <string>

#include "common/result.h"

namespace uplinkprobe::platform {

// `mode` is applied with fchmod (not subject to the umask); `gid` (if not -1) sets the
// group, root stays the owner. Error kind "io", message names the path and errno text.
Status writeFileAtomic(const std::string& path, const std::string& data, mode_t mode = 0644,
                       gid_t gid = static_cast<gid_t>(-1));

}  // namespace uplinkprobe::platform
