// The read-write file Journal (openFileJournal): segment files (segment_files.h) of frames
// (frame.h), journal.state (state_file.h) and journal.lock (flock, one writer). The
// read-only view of the same files is ReadOnlyJournal (read_only_journal.h).
//
// Why segments: eviction under max_bytes deletes whole files (no rewrite, flash-friendly)
// and the oldest segments hold the oldest, i.e. already delivered, records first — the
// delivered position is a prefix of the seq order, so oldest-first eviction deletes
// delivered records before any undelivered one.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <set>

#include <spdlog/spdlog.h>

#include "agent/journal/frame.h"
#include "agent/journal/journal.h"
#include "agent/journal/segment_files.h"
#include "agent/journal/segment_scan.h"
#include "agent/journal/state_file.h"
#include "platform/state_dir.h"
#include "record/gap_record.h"
#include "record/record_factory.h"

namespace uplinkprobe::journal {
namespace {

constexpr uint64_t kMinMaxBytes = 64 * 1024;

std::string errnoText() { return std::strerror(errno); }

Status mkdirs(const std::string& dir) {
  std::string cur;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    cur = dir.substr(0, pos);
    if (cur.empty()) continue;
    if (::mkdir(cur.c_str(), 0750) != 0 && errno != EEXIST)
      return makeError(ErrorKind::kIo,
                       "journal: cannot create directory " + cur + ": " + errnoText());
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return makeError(ErrorKind::kIo, "journal: " + dir + " is not a directory");
  return Status::Ok();
}

// Reads a whole segment file (bounded). ENOENT is reported as missing (a concurrent
// writer may have evicted it).
Result<std::string> readSegmentFile(const platform::StateDir& dir, uint64_t name_seq,
                                    bool* missing) {
  const std::string path = dir.pathOf(segmentName(name_seq));
  auto opened = dir.openFile(segmentName(name_seq), O_RDONLY, 0, missing);
  if (!opened) {
    if (*missing) return std::string();
    return makeError(ErrorKind::kIo, "journal: " + opened.error().message);
  }
  const int fd = *opened;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return makeError(ErrorKind::kIo, "journal: cannot stat " + path);
  }
  auto bytes = readSegmentBytes(fd, 0, static_cast<uint64_t>(st.st_size), path);
  ::close(fd);
  return bytes;
}

class FileJournal final : public Journal {
 public:
  FileJournal(JournalOptions opts, const Clock* clock)
      : opts_(std::move(opts)), clock_(clock), reader_(opts_.read_at) {}

  ~FileJournal() override {
    {
      std::lock_guard<std::mutex> g(mu_);
      (void)flushLocked();
      if (!pending_.empty())
        spdlog::error("journal: closing with {} records still only in memory", pending_.size());
    }
    if (active_fd_ >= 0) ::close(active_fd_);
    if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
  }

  Status open();

  Result<StoredRecord> append(nlohmann::json record) override {
    if (!record.is_object())
      return makeError(ErrorKind::kJournal, "journal: record is not a JSON object");
    std::lock_guard<std::mutex> g(mu_);
    drainLocked();
    auto r = appendLocked(std::move(record));
    drainLocked();
    return r;
  }

  std::vector<StoredRecord> read(uint64_t since_seq, size_t max_count,
                                 const std::string& kind_filter) const override;

  uint64_t readFailures() const override {
    std::lock_guard<std::mutex> g(mu_);
    return reader_.failures();
  }

  uint64_t lastSeq() const override {
    std::lock_guard<std::mutex> g(mu_);
    return next_seq_ - 1;
  }

  std::string journalId() const override {
    std::lock_guard<std::mutex> g(mu_);
    return journal_id_;
  }

  uint64_t deliveredSeq() const override {
    std::lock_guard<std::mutex> g(mu_);
    return delivered_;
  }

  void markDelivered(uint64_t seq) override {
    std::lock_guard<std::mutex> g(mu_);
    if (seq <= delivered_ || seq >= next_seq_) return;
    delivered_ = seq;
    const auto now = clock_->steadyNow();
    if (delivered_ - state_.state().delivered >= opts_.delivered_persist_every_records ||
        !last_delivered_persist_ || now - *last_delivered_persist_ >= opts_.delivered_persist_every)
      persistStateLocked();
  }

  Status flush() override {
    std::lock_guard<std::mutex> g(mu_);
    return flushLocked();
  }

 private:
  struct Segment {
    uint64_t name_seq;
    std::string path;
    uint64_t bytes = 0;
    uint64_t first_seq = 0;  // 0 = no records
    uint64_t last_seq = 0;
  };
  Status flushLocked() {
    drainLocked();
    if (delivered_ != state_.state().delivered || next_seq_ - 1 > state_.state().seq_hwm)
      persistStateLocked();
    if (!pending_.empty())
      return makeError(ErrorKind::kIo,
                       "journal: " + std::to_string(pending_.size()) +
                           " records held in memory, disk writes failing: " + last_write_error_);
    return Status::Ok();
  }

  void persistStateLocked() {
    JournalState s = state_.state();
    s.delivered = std::max(s.delivered, delivered_);
    // Every state write also records the last assigned seq: after a clean close (or any
    // delivered-position write) even a wipe of every segment cannot make a seq reused.
    s.seq_hwm = std::max({s.seq_hwm, hwm_wanted_, next_seq_ - 1});
    if (auto st = state_.store(s); !st) {
      spdlog::warn("{}", st.error().message);
      return;
    }
    last_delivered_persist_ = clock_->steadyNow();
  }

  uint64_t segmentBytes() const {
    if (opts_.segment_bytes) return opts_.segment_bytes;
    return std::clamp<uint64_t>(opts_.max_bytes / 8, 16 * 1024, 4ull << 20);
  }

  // The journal's own records (gap, journal_damage) carry the same envelope as every
  // record: one builder, RecordFactory (clock_synced, boot_id, mono_s, agent_version).
  nlohmann::json ownRecord(nlohmann::json body) const {
    const std::string kind = body.at("kind").get<std::string>();
    return record::RecordFactory({opts_.device_id, opts_.school_id}, *clock_)
        .make(kind, std::move(body));
  }

  void queueGap(uint64_t first, uint64_t last, uint64_t count, const std::string& reason) {
    owed_.push_back(ownRecord(record::GapRecord{first, last, count, reason}.toJson()));
    spdlog::warn("journal: gap seq {}..{} ({} records): {}", first, last, count, reason);
  }

  // Writes queued records first (seq order), then the journal's own records.
  void drainLocked() {
    while (!pending_.empty()) {
      if (!writeLocked(pending_.front())) return;
      pending_.pop_front();
    }
    if (dropped_count_ > 0) {
      queueGap(dropped_first_, dropped_last_, dropped_count_, "memory_queue_full");
      dropped_count_ = 0;
    }
    // Own records may create more own records (eviction gaps); bounded by construction
    // since each eviction frees a whole segment, but cap it anyway.
    for (int i = 0; i < 16 && !owed_.empty() && pending_.empty(); ++i) {
      auto j = std::move(owed_.front());
      owed_.pop_front();
      (void)appendLocked(std::move(j));
    }
  }

  Result<StoredRecord> appendLocked(nlohmann::json record) {
    const uint64_t seq = next_seq_;
    record["seq"] = seq;
    record["journal_id"] = journal_id_;
    record["id"] = opts_.device_id + ":" + journal_id_ + ":" + std::to_string(seq);
    StoredRecord rec;
    rec.seq = seq;
    if (auto k = record.find("kind"); k != record.end() && k->is_string()) rec.kind = *k;
    if (rec.kind.size() > kMaxKindLen)
      return makeError(ErrorKind::kJournal, "journal: kind too long");
    rec.json = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    const uint64_t max_json =
        std::min<uint64_t>(kMaxPayload - rec.kind.size(), opts_.max_bytes / 4);
    if (rec.json.size() > max_json)
      return makeError(ErrorKind::kJournal,
                       "journal: record of " + std::to_string(rec.json.size()) +
                           " bytes exceeds the limit of " + std::to_string(max_json));
    next_seq_ = seq + 1;
    if (pending_.empty() && writeLocked(rec)) return rec;
    // The disk refused: keep it in memory; make the seq survive a crash first.
    rec.durable = false;
    if (hwm_wanted_ < seq) {
      hwm_wanted_ = seq;
      persistStateLocked();
    }
    if (pending_.size() < opts_.memory_queue_max) {
      if (pending_.empty())
        spdlog::error("journal: disk write failed ({}); holding records in memory",
                      last_write_error_);
      pending_.push_back(rec);
      return rec;
    }
    if (dropped_count_ == 0) dropped_first_ = seq;
    dropped_last_ = seq;
    ++dropped_count_;
    return makeError(ErrorKind::kIo, "journal: disk write failed (" + last_write_error_ +
                                         ") and memory queue full; seq " + std::to_string(seq) +
                                         " dropped, a gap record will report it");
  }

  // Frees room for `need` bytes, oldest segment first; never the active one.
  void evictLocked(uint64_t need) {
    std::optional<uint64_t> gap_first, gap_last;
    uint64_t gap_count = 0;
    while (total_bytes_ + need > opts_.max_bytes && segments_.size() > 1) {
      Segment s = segments_.front();
      if (s.last_seq > 0 && hwm_wanted_ < s.last_seq) {
        hwm_wanted_ = s.last_seq;  // seq must survive the loss of its last holder
        persistStateLocked();
      }
      if (auto st = dir_.remove(segmentName(s.name_seq)); !st) {
        spdlog::error("journal: {}", st.error().message);
        break;
      }
      uint64_t undelivered = 0;
      while (!index_.empty() && index_.front().name_seq == s.name_seq) {
        if (index_.front().seq > delivered_) {
          if (!gap_first) gap_first = index_.front().seq;
          gap_last = index_.front().seq;
          ++undelivered;
        }
        index_.pop_front();
      }
      gap_count += undelivered;
      total_bytes_ -= std::min(total_bytes_, s.bytes);
      segments_.pop_front();
      spdlog::info("journal: storage full, deleted {} ({} undelivered records)", s.path,
                   undelivered);
    }
    if (gap_count > 0) queueGap(*gap_first, *gap_last, gap_count, "storage_full");
  }

  bool writeLocked(const StoredRecord& rec) {
    std::string frame = encodeFrame(rec.seq, rec.kind, rec.json);
    evictLocked(frame.size());
    if (active_fd_ < 0 ||
        (segments_.back().bytes > 0 && segments_.back().bytes + frame.size() > segmentBytes())) {
      if (!startSegmentLocked(rec.seq)) return false;
    }
    Segment& seg = segments_.back();
    size_t done = 0;
    while (done < frame.size()) {
      ssize_t n = ::pwrite(active_fd_, frame.data() + done, frame.size() - done,
                           static_cast<off_t>(seg.bytes + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        last_write_error_ = n < 0 ? errnoText() : "short write";
        (void)!::ftruncate(active_fd_, static_cast<off_t>(seg.bytes));
        return false;
      }
      done += static_cast<size_t>(n);
    }
    if (::fdatasync(active_fd_) != 0) {
      last_write_error_ = "fdatasync: " + errnoText();
      (void)!::ftruncate(active_fd_, static_cast<off_t>(seg.bytes));
      return false;
    }
    index_.push_back({rec.seq, seg.name_seq, seg.bytes + kFrameHeaderSize + rec.kind.size(),
                      static_cast<uint32_t>(rec.json.size()), kinds_.intern(rec.kind)});
    seg.bytes += frame.size();
    total_bytes_ += frame.size();
    if (seg.first_seq == 0) seg.first_seq = rec.seq;
    seg.last_seq = rec.seq;
    return true;
  }

  bool startSegmentLocked(uint64_t first_seq) {
    Segment s;
    s.name_seq = first_seq;
    s.path = dir_.pathOf(segmentName(first_seq));
    auto opened = dir_.openFile(segmentName(first_seq), O_WRONLY | O_CREAT, 0640);
    if (!opened) {
      last_write_error_ = opened.error().message;
      return false;
    }
    const int fd = *opened;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_size > 0 && ::ftruncate(fd, 0) != 0) {
      ::close(fd);
      last_write_error_ = "cannot truncate " + s.path;
      return false;
    }
    dir_.sync();
    if (active_fd_ >= 0) ::close(active_fd_);
    active_fd_ = fd;
    if (!segments_.empty() && segments_.back().name_seq == first_seq) {
      segments_.back() = s;  // an empty leftover with the same name
    } else {
      segments_.push_back(s);
    }
    return true;
  }

  void reportDamage(const std::vector<std::string>& files, uint64_t bytes,
                    std::optional<uint64_t> lo, std::optional<uint64_t> hi) {
    auto j = ownRecord({{"kind", "event"}, {"event", "journal_damage"}});
    j["files"] = files;
    j["bytes_skipped"] = bytes;
    if (lo) j["seq_first"] = *lo;
    if (hi) j["seq_last"] = *hi;
    owed_.push_back(std::move(j));
  }

  JournalOptions opts_;
  const Clock* clock_;
  mutable std::mutex mu_;
  platform::StateDir dir_;  // the journal directory, opened once
  int lock_fd_ = -1;
  int active_fd_ = -1;
  StateFile state_;
  std::string journal_id_;  // 16 hex digits, from journal.state
  std::deque<Segment> segments_;
  std::deque<IndexEntry> index_;
  KindTable kinds_;
  uint64_t total_bytes_ = 0;
  uint64_t next_seq_ = 1;
  uint64_t delivered_ = 0;
  uint64_t hwm_wanted_ = 0;
  std::optional<SteadyTime> last_delivered_persist_;
  std::deque<StoredRecord> pending_;
  std::deque<nlohmann::json> owed_;
  uint64_t dropped_first_ = 0, dropped_last_ = 0, dropped_count_ = 0;
  std::string last_write_error_;
  std::optional<uint64_t> torn_tail_seq_;
  mutable RecordReader reader_;  // counts failures: read() is const to callers
};

Status FileJournal::open() {
  if (opts_.dir.empty()) return makeError(ErrorKind::kConfig, "journal: storage dir is empty");
  if (opts_.max_bytes < kMinMaxBytes)
    return makeError(ErrorKind::kConfig, "journal: max_bytes below 64 KiB");
  if (auto st = mkdirs(opts_.dir); !st) return st;
  auto dir = platform::StateDir::open(opts_.dir);
  if (!dir) return makeError(ErrorKind::kIo, "journal: " + dir.error().message);
  dir_ = std::move(*dir);
  auto lock = dir_.openFile("journal.lock", O_RDWR | O_CREAT, 0640);
  if (!lock) return makeError(ErrorKind::kIo, "journal: " + lock.error().message);
  lock_fd_ = *lock;
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {0};
    ssize_t n = ::pread(lock_fd_, buf, sizeof buf - 1, 0);
    std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
    while (!pid.empty() && (pid.back() == '\n')) pid.pop_back();
    return makeError(ErrorKind::kJournalLocked,
                     "journal: " + opts_.dir + " is in use by another writer (pid " + pid + ")");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock_fd_, 0) == 0) (void)!::pwrite(lock_fd_, pid.data(), pid.size(), 0);

  auto state = StateFile::openReadWrite(dir_, "journal.state");
  if (!state) return state.error();
  state_ = std::move(state.value());
  journal_id_ = journalIdHex(state_.state().journal_id);
  delivered_ = state_.state().delivered;
  hwm_wanted_ = state_.state().seq_hwm;

  auto list = listSegments(dir_);
  if (!list) return list.error();
  uint64_t max_seen = 0, max_disk = 0, last_valid_seq = 0;
  std::vector<std::string> damaged_files;
  uint64_t damaged_bytes = 0;
  std::optional<uint64_t> damage_lo, damage_hi;
  // Damage in files the journal keeps (sealed segments, the middle of the last one) is
  // found again on every open; journal.damage remembers what was already reported so that
  // each damaged span yields one event, not one per restart.
  const std::string ledger_path = dir_.pathOf("journal.damage");
  std::set<std::string> reported, still_present;
  {
    // Bounded: at most 10000 lines of "seg-<20 digits>.ujr <offset> <bytes>" (< 80 bytes).
    bool missing = false;
    auto text = dir_.readFile("journal.damage", 10000 * 80, &missing);
    if (!text && !missing) spdlog::warn("journal: ignoring {}", text.error().message);
    std::string_view rest = text ? std::string_view(*text) : std::string_view();
    while (!rest.empty() && reported.size() < 10000) {
      const auto nl = rest.find('\n');
      reported.emplace(rest.substr(0, nl));
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    }
  }
  auto noteDamage = [&](const std::string& path, uint64_t offset, uint64_t bytes,
                        std::optional<uint64_t> lo, std::optional<uint64_t> hi, bool kept) {
    std::string key = path.substr(path.rfind('/') + 1) + " " + std::to_string(offset) + " " +
                      std::to_string(bytes);
    if (kept) still_present.insert(key);
    if (reported.count(key)) return;
    if (damaged_files.empty() || damaged_files.back() != path) damaged_files.push_back(path);
    damaged_bytes += bytes;
    if (lo) damage_lo = damage_lo ? std::min(*damage_lo, *lo) : *lo;
    if (hi) damage_hi = damage_hi ? std::max(*damage_hi, *hi) : *hi;
  };
  for (size_t i = 0; i < list->size(); ++i) {
    const auto& [name_seq, path] = (*list)[i];
    const bool last = i + 1 == list->size();
    bool missing = false;
    auto data = readSegmentFile(dir_, name_seq, &missing);
    if (!data) return data.error();
    auto scan = scanSegment(reinterpret_cast<const unsigned char*>(data->data()), data->size(),
                            last_valid_seq);
    Segment seg{name_seq, path, data->size()};
    for (auto& f : scan.frames) {
      index_.push_back({f.seq, name_seq, f.offset + f.json_off, f.json_len, kinds_.intern(f.kind)});
      if (seg.first_seq == 0) seg.first_seq = f.seq;
      seg.last_seq = f.seq;
      last_valid_seq = f.seq;
    }
    max_disk = std::max(max_disk, last_valid_seq);
    max_seen = std::max({max_seen, scan.max_seq_seen, name_seq > 0 ? name_seq - 1 : 0});
    for (auto& d : scan.damage) noteDamage(path, d.offset, d.length, d.seq_lo, d.seq_hi, true);
    if (scan.tail_bytes > 0) {
      if (!scan.tail_torn || !last)
        noteDamage(path, scan.valid_end, scan.tail_bytes, std::nullopt, std::nullopt, !last);
      if (last) {
        // A torn tail is an append that never returned: cut it so the next append follows
        // the last valid frame.
        auto opened = dir_.openFile(segmentName(name_seq), O_WRONLY, 0);
        if (!opened) return makeError(ErrorKind::kIo, "journal: " + opened.error().message);
        const int fd = *opened;
        if (::ftruncate(fd, static_cast<off_t>(scan.valid_end)) != 0 || ::fdatasync(fd) != 0) {
          std::string msg = "journal: cannot truncate " + path + ": " + errnoText();
          ::close(fd);
          return makeError(ErrorKind::kIo, msg);
        }
        ::close(fd);
        seg.bytes = scan.valid_end;
        spdlog::warn("journal: truncated {} bytes of torn tail in {}", scan.tail_bytes, path);
        if (scan.tail_torn && scan.tail_seq && *scan.tail_seq > last_valid_seq)
          torn_tail_seq_ = scan.tail_seq;
      }
    }
    total_bytes_ += seg.bytes;
    segments_.push_back(seg);
  }
  const uint64_t hwm = state_.state().seq_hwm;
  next_seq_ = std::max({max_seen, hwm, max_disk}) + 1;
  if (!damaged_files.empty()) {
    spdlog::error("journal: damaged data skipped: {} bytes in {} file(s)", damaged_bytes,
                  damaged_files.size());
    reportDamage(damaged_files, damaged_bytes, damage_lo, damage_hi);
  }
  if (still_present != reported) {
    std::string text;
    for (auto& k : still_present) text += k + "\n";
    if (auto st = dir_.writeFileAtomic("journal.damage", text, 0640); !st) {
      spdlog::warn("journal: {}", st.error().message);
    }
  }
  // Seqs assigned before the restart that are on disk nowhere: announce, never reuse.
  const uint64_t lost_from = std::max(max_disk, delivered_) + 1;
  if (torn_tail_seq_ && *torn_tail_seq_ >= lost_from) {
    queueGap(*torn_tail_seq_, *torn_tail_seq_, 1, "torn_tail");
  } else if (hwm >= lost_from) {
    queueGap(lost_from, hwm, hwm - lost_from + 1, "not_found_on_open");
  }
  if (!segments_.empty()) {
    auto active = dir_.openFile(segmentName(segments_.back().name_seq), O_WRONLY, 0);
    if (!active) return makeError(ErrorKind::kIo, "journal: " + active.error().message);
    active_fd_ = *active;
  }
  drainLocked();
  return Status::Ok();
}

std::vector<StoredRecord> FileJournal::read(uint64_t since_seq, size_t max_count,
                                            const std::string& kind_filter) const {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<StoredRecord> out;
  auto want = [&](const std::string& kind) { return kind_filter.empty() || kind == kind_filter; };
  auto it = std::upper_bound(index_.begin(), index_.end(), since_seq,
                             [](uint64_t s, const IndexEntry& e) { return s < e.seq; });
  int fd = -1;
  uint64_t fd_seg = 0;
  std::string path;
  bool stopped = false;
  for (; it != index_.end() && out.size() < max_count; ++it) {
    if (!want(kinds_.name(it->kind_id))) continue;
    if (fd < 0 || fd_seg != it->name_seq) {
      if (fd >= 0) ::close(fd);
      path = dir_.pathOf(segmentName(it->name_seq));
      auto opened = dir_.openFile(segmentName(it->name_seq), O_RDONLY, 0);
      fd = opened ? *opened : -1;
      fd_seg = it->name_seq;
      if (fd < 0) {
        reader_.noteFailure(it->seq, path, opened.error().message);
        stopped = true;
        break;
      }
    }
    StoredRecord r{it->seq, kinds_.name(it->kind_id), {}};
    if (!reader_.read(fd, path, *it, r.json)) {
      stopped = true;
      break;
    }
    out.push_back(std::move(r));
  }
  if (fd >= 0) ::close(fd);
  if (stopped) return out;  // records after the unreadable one wait for it
  for (const auto& r : pending_) {
    if (out.size() >= max_count) break;
    if (r.seq > since_seq && want(r.kind)) out.push_back(r);
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Journal>> openFileJournal(const JournalOptions& options,
                                                 const Clock& clock) {
  auto j = std::make_unique<FileJournal>(options, &clock);
  if (auto st = j->open(); !st) return st.error();
  return std::unique_ptr<Journal>(std::move(j));
}

}  // namespace uplinkprobe::journal
