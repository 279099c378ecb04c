#include "agent/journal/segment_files.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <spdlog/spdlog.h>

#include "agent/journal/frame.h"

namespace uplinkprobe::journal {
namespace {

constexpr const char* kSegPrefix = "seg-";
constexpr const char* kSegSuffix = ".ujr";

}  // namespace

std::string segmentName(uint64_t first_seq) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%020llu%s", kSegPrefix,
                static_cast<unsigned long long>(first_seq), kSegSuffix);
  return buf;
}

std::optional<uint64_t> parseSegmentName(const std::string& name) {
  if (name.size() != 4 + 20 + 4 || name.compare(0, 4, kSegPrefix) != 0 ||
      name.compare(24, 4, kSegSuffix) != 0)
    return std::nullopt;
  uint64_t v = 0;
  for (size_t i = 4; i < 24; ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(name[i] - '0');
    if (v > kMaxSeq) return std::nullopt;
  }
  return v;
}

Result<std::vector<std::pair<uint64_t, std::string>>> listSegments(const platform::StateDir& dir) {
  auto names = dir.list();
  if (!names) return makeError(ErrorKind::kIo, "journal: " + names.error().message);
  std::vector<std::pair<uint64_t, std::string>> out;
  for (const auto& name : *names) {
    if (auto first = parseSegmentName(name)) out.emplace_back(*first, dir.pathOf(name));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::string> readSegmentBytes(int fd, uint64_t offset, uint64_t max, const std::string& path,
                                     const ReadAt& read_at) {
  std::string buf(std::min(max, kMaxScanBytes), '\0');
  size_t got = 0;
  while (got < buf.size()) {
    const auto at = static_cast<off_t>(offset + got);
    ssize_t n = read_at ? read_at(fd, buf.data() + got, buf.size() - got, at)
                        : ::pread(fd, buf.data() + got, buf.size() - got, at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return makeError(ErrorKind::kIo,
                       "journal: cannot read " + path + ": " + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  buf.resize(got);
  return buf;
}

uint32_t KindTable::intern(const std::string& kind) {
  auto it = std::find(kinds_.begin(), kinds_.end(), kind);
  if (it != kinds_.end()) return static_cast<uint32_t>(it - kinds_.begin());
  kinds_.push_back(kind);
  return static_cast<uint32_t>(kinds_.size() - 1);
}

bool RecordReader::read(int fd, const std::string& path, const IndexEntry& entry,
                        std::string& out) {
  const uint32_t len = entry.len;
  out.assign(len, '\0');
  size_t got = 0;
  std::string why;
  while (got < len) {
    const off_t at = static_cast<off_t>(entry.offset + got);
    ssize_t n = read_at_ ? read_at_(fd, out.data() + got, len - got, at)
                         : ::pread(fd, out.data() + got, len - got, at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      why = std::strerror(errno);
      break;
    }
    if (n == 0) {
      why = "short read (" + std::to_string(got) + " of " + std::to_string(len) + " bytes)";
      break;
    }
    got += static_cast<size_t>(n);
  }
  if (got == len) return true;
  noteFailure(entry.seq, path, why);
  return false;
}

void RecordReader::noteFailure(uint64_t seq, const std::string& path, const std::string& why) {
  if (failed_seqs_.count(seq)) return;
  if (failed_seqs_.size() >= 1024) failed_seqs_.erase(failed_seqs_.begin());
  failed_seqs_.insert(seq);
  ++failures_;
  spdlog::error("journal: cannot read seq {} from {}: {}; reading stops there and retries later",
                seq, path, why);
}

}  // namespace uplinkprobe::journal
