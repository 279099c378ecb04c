#include "agent/journal/read_only_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "agent/journal/segment_scan.h"
#include "agent/journal/state_file.h"

namespace uplinkprobe::journal {

Result<std::unique_ptr<ReadOnlyJournal>> ReadOnlyJournal::open(const std::string& dir,
                                                               ReadAt read_at, ReadAt scan_at) {
  auto opened = platform::StateDir::open(dir);
  if (!opened) return makeError(ErrorKind::kIo, "journal: no journal directory " + dir);
  return std::unique_ptr<ReadOnlyJournal>(
      new ReadOnlyJournal(std::move(*opened), std::move(read_at), std::move(scan_at)));
}

ReadOnlyJournal::ReadOnlyJournal(platform::StateDir dir, ReadAt read_at, ReadAt scan_at)
    : dir_(std::move(dir)), reader_(std::move(read_at)), scan_at_(std::move(scan_at)) {}

Result<StoredRecord> ReadOnlyJournal::append(nlohmann::json) {
  return makeError(ErrorKind::kJournal, "journal: opened read-only");
}

uint64_t ReadOnlyJournal::readFailures() const {
  std::lock_guard<std::mutex> g(mu_);
  return reader_.failures();
}

std::string ReadOnlyJournal::journalId() const {
  std::lock_guard<std::mutex> g(mu_);
  const uint64_t id = StateFile::readOnly(dir_, "journal.state").journal_id;
  return id ? journalIdHex(id) : std::string();
}

uint64_t ReadOnlyJournal::deliveredSeq() const {
  std::lock_guard<std::mutex> g(mu_);
  return StateFile::readOnly(dir_, "journal.state").delivered;
}

int ReadOnlyJournal::refreshLocked(uint64_t name_seq, const std::string& path, uint64_t min_seq,
                                   std::string* unreadable) const {
  unreadable->clear();
  bool missing = false;
  auto opened = dir_.openFile(segmentName(name_seq), O_RDONLY, 0, &missing);
  if (!opened) {
    if (!missing) *unreadable = opened.error().message;
    segments_.erase(name_seq);
    return -1;
  }
  const int fd = *opened;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    *unreadable = "cannot stat " + path + ": " + std::strerror(errno);
    ::close(fd);
    segments_.erase(name_seq);
    return -1;
  }
  FollowedSegment& seg = segments_[name_seq];
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (seg.ino != st.st_ino || size < seg.scanned) seg = FollowedSegment{st.st_ino, 0, {}};
  if (size > seg.scanned) {
    // Only the bytes after the last indexed frame; a tail still being written is left for
    // the next refresh.
    auto bytes = readSegmentBytes(fd, seg.scanned, size - seg.scanned, path, scan_at_);
    if (!bytes) {
      *unreadable = bytes.error().message;
      return fd;  // what was indexed before stays readable
    }
    const uint64_t floor = std::max(min_seq, seg.frames.empty() ? 0 : seg.frames.back().seq);
    auto scan =
        scanSegment(reinterpret_cast<const unsigned char*>(bytes->data()), bytes->size(), floor);
    for (const auto& f : scan.frames)
      seg.frames.push_back({f.seq, name_seq, seg.scanned + f.offset + f.json_off, f.json_len,
                            kinds_.intern(f.kind)});
    seg.scanned += scan.valid_end;
  }
  return fd;
}

std::vector<StoredRecord> ReadOnlyJournal::read(uint64_t since_seq, size_t max_count,
                                                const std::string& kind_filter) const {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<StoredRecord> out;
  auto list = listSegments(dir_);
  if (!list) {
    spdlog::error("{}", list.error().message);
    return out;
  }
  // Forget segments evicted since the last read.
  for (auto it = segments_.begin(); it != segments_.end();) {
    const bool listed = std::any_of(list->begin(), list->end(),
                                    [&](const auto& e) { return e.first == it->first; });
    it = listed ? std::next(it) : segments_.erase(it);
  }
  // A segment holds seqs from its name on: start at the last one named <= since_seq + 1.
  size_t start = 0;
  for (size_t i = 0; i < list->size(); ++i)
    if ((*list)[i].first <= since_seq + 1) start = i;
  uint64_t prev_last = 0;
  for (size_t i = start; i < list->size() && out.size() < max_count; ++i) {
    const auto& [name_seq, path] = (*list)[i];
    const uint64_t min_seq = std::max(prev_last, name_seq > 0 ? name_seq - 1 : 0);
    std::string unreadable;
    const int fd = refreshLocked(name_seq, path, min_seq, &unreadable);
    if (fd < 0 && unreadable.empty()) continue;  // evicted under us: gone, not unread
    if (fd < 0) {
      // Its records are there but cannot be read: the batch ends before them
      // (Journal::read), counted once at the first seq it would have returned.
      reader_.noteFailure(std::max(since_seq + 1, name_seq), path, unreadable);
      return out;
    }
    const auto& frames = segments_[name_seq].frames;
    if (!frames.empty()) prev_last = frames.back().seq;
    auto it = std::upper_bound(frames.begin(), frames.end(), since_seq,
                               [](uint64_t s, const IndexEntry& e) { return s < e.seq; });
    for (; it != frames.end() && out.size() < max_count; ++it) {
      if (!kind_filter.empty() && kinds_.name(it->kind_id) != kind_filter) continue;
      StoredRecord r{it->seq, kinds_.name(it->kind_id), {}};
      if (!reader_.read(fd, path, *it, r.json)) {
        ::close(fd);
        return out;
      }
      out.push_back(std::move(r));
    }
    ::close(fd);
    if (!unreadable.empty() && out.size() < max_count) {
      // The segment's unindexed tail could not be read: going on to the next segment would
      // skip its records (a reader that advances past them would never see them). The batch
      // ends after what was indexed, counted once at the first seq not returned.
      reader_.noteFailure(std::max(since_seq, prev_last) + 1, path, unreadable);
      return out;
    }
  }
  return out;
}

uint64_t ReadOnlyJournal::lastSeq() const {
  std::lock_guard<std::mutex> g(mu_);
  auto list = listSegments(dir_);
  if (!list) return 0;
  for (size_t i = list->size(); i-- > 0;) {
    const auto& [name_seq, path] = (*list)[i];
    std::string unreadable;
    const int fd = refreshLocked(name_seq, path, name_seq > 0 ? name_seq - 1 : 0, &unreadable);
    if (fd < 0 && unreadable.empty()) continue;  // evicted under us: gone, not unread
    // The seq after the last one indexed here: the first this segment holds but the view
    // could not read (when `unreadable`), since the writer appends nothing else to it.
    uint64_t next = std::max<uint64_t>(name_seq, 1);
    if (fd >= 0) {
      ::close(fd);
      const auto& frames = segments_[name_seq].frames;
      if (!frames.empty()) next = frames.back().seq + 1;
      if (unreadable.empty()) {
        if (!frames.empty()) return frames.back().seq;
        continue;  // a segment started but not written to yet
      }
    }
    // It holds records that cannot be read (it cannot be opened, or bytes appended to it
    // cannot be read): not an older segment's last seq, which would tell a caller that pages
    // up to lastSeq() that it has read everything (header).
    return next;
  }
  return 0;
}

Result<std::unique_ptr<Journal>> openFileJournalReadOnly(const std::string& dir, ReadAt read_at) {
  auto j = ReadOnlyJournal::open(dir, std::move(read_at));
  if (!j) return j.error();
  return std::unique_ptr<Journal>(std::move(*j));
}

}  // namespace uplinkprobe::journal
