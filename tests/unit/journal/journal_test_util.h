// Helpers for journal tests: raw file access (and TempDir, tests/support/temp_dir.h).
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "agent/journal/journal.h"
#include "tests/support/temp_dir.h"

namespace uplinkprobe::journal::testing {

using uplinkprobe::testing::TempDir;

inline std::vector<std::string> segmentFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (auto& e : std::filesystem::directory_iterator(dir)) {
    auto name = e.path().filename().string();
    if (name.rfind("seg-", 0) == 0) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void writeFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

// Puts in place of the file at `path` a symlink to a copy of it at `copy` (the same bytes,
// but a journal opens with O_NOFOLLOW and must refuse it); restore with
// std::filesystem::rename(copy, path), which replaces the link.
inline void replaceBySymlinkToCopy(const std::string& path, const std::string& copy) {
  std::filesystem::copy_file(path, copy);
  std::filesystem::remove(path);
  std::filesystem::create_symlink(copy, path);
}

// A read fault for JournalOptions::read_at: while `armed`, the record whose JSON holds
// "n":victim cannot be read — with `eio` the read fails with EIO; otherwise the file seems
// to end in the middle of that record (a short read: half its bytes, then EOF).
struct ReadFault {
  bool armed = true;
  bool eio = false;
  int victim = 3;
  int hits = 0;
  off_t cut_from = -1, cut_to = -1;  // the record's byte range once found
  ReadAt hook() {
    return [this](int fd, void* buf, size_t len, off_t off) -> ssize_t {
      if (armed && off > cut_from && off < cut_to) return 0;  // "EOF" inside the record
      ssize_t n = ::pread(fd, buf, len, off);
      if (!armed || n <= 0) return n;
      const std::string got(static_cast<const char*>(buf), static_cast<size_t>(n));
      if (got.find("\"n\":" + std::to_string(victim) + ",") == std::string::npos) return n;
      ++hits;
      if (eio) {
        errno = EIO;
        return -1;
      }
      cut_from = off;
      cut_to = off + n;
      return n / 2;
    };
  }
};

}  // namespace uplinkprobe::journal::testing
