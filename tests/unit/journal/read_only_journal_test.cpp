// ReadOnlyJournal (read_only_journal.h) following a live writer: the index of each segment is
// extended by the bytes appended since, across rotation and eviction, and a frame is seen
// once it is whole. The reader never writes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "agent/journal/frame.h"
#include "agent/journal/journal.h"
#include "agent/journal/read_only_journal.h"
#include "tests/unit/journal/journal_test_util.h"

namespace uplinkprobe::journal {
namespace {

using testing::readFile;
using testing::replaceBySymlinkToCopy;
using testing::segmentFiles;
using testing::TempDir;

nlohmann::json rec(int n) {
  return {
      {"schema", "uplinkprobe/1"}, {"kind", "throughput"}, {"n", n}, {"pad", std::string(60, 'x')}};
}

void appendBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::app) << bytes;
}

class ReadOnlyJournalTest : public ::testing::Test {
 protected:
  ReadOnlyJournalTest() {
    opts_.dir = dir_.path() + "/j";
    opts_.device_id = "dev1";
  }
  std::unique_ptr<Journal> writer(const JournalOptions& o) {
    auto j = openFileJournal(o, clock_);
    EXPECT_TRUE(j.ok()) << (j.ok() ? "" : j.error().message);
    return j.ok() ? std::move(j.value()) : nullptr;
  }
  std::unique_ptr<ReadOnlyJournal> reader() {
    auto ro = ReadOnlyJournal::open(opts_.dir);
    EXPECT_TRUE(ro.ok()) << (ro.ok() ? "" : ro.error().message);
    return ro.ok() ? std::move(ro.value()) : nullptr;
  }

  TempDir dir_;
  ManualClock clock_;
  JournalOptions opts_;
};

// A consumer paging on the last seq it got (as `records` and the delivery pump do) while the
// writer appends, starts new segments and evicts old ones between its pages: every record
// once, in order, byte-identical, though each page meets a segment it indexed only in part.
TEST_F(ReadOnlyJournalTest, PagingFollowsAWriterAcrossRotationAndEviction) {
  JournalOptions o = opts_;
  o.max_bytes = 64 * 1024;
  o.segment_bytes = 16 * 1024;
  auto w = writer(o);
  ASSERT_TRUE(w->append(rec(0)).ok());
  auto ro = reader();
  ASSERT_NE(ro, nullptr);
  std::map<uint64_t, std::string> got;
  uint64_t since = 0;
  int n = 1;
  for (int round = 0; round < 300; ++round) {
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(w->append(rec(n++)).ok());
    const auto page = ro->read(since, 5);
    ASSERT_FALSE(page.empty()) << "round " << round;
    for (const auto& r : page) {
      ASSERT_EQ(r.seq, since + 1) << "a seq skipped or repeated";
      got.emplace(r.seq, r.json);
      since = r.seq;
    }
  }
  for (auto page = ro->read(since, 5); !page.empty(); page = ro->read(since, 5))
    for (const auto& r : page) {
      ASSERT_EQ(r.seq, since + 1);
      got.emplace(r.seq, r.json);
      since = r.seq;
    }
  EXPECT_EQ(since, w->lastSeq());
  EXPECT_EQ(ro->lastSeq(), w->lastSeq());
  // The writer rotated and evicted while the reader followed.
  const auto files = segmentFiles(o.dir);
  EXPECT_GE(files.size(), 3u);
  EXPECT_EQ(files.front().find(segmentName(1)), std::string::npos) << "nothing was evicted";
  const auto kept = w->read(0, 100000);
  ASSERT_FALSE(kept.empty());
  for (const auto& r : kept) EXPECT_EQ(got.at(r.seq), r.json) << "seq " << r.seq;
}

// An append seen half done (a frame's first bytes only) is invisible; once the rest is
// written the same reader sees the record, with the bytes that were journaled.
TEST_F(ReadOnlyJournalTest, AFrameSeenHalfWrittenAppearsOnceWhole) {
  {
    auto w = writer(opts_);
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(w->append(rec(i)).ok());
  }
  const std::string seg = segmentFiles(opts_.dir).back();
  const std::string json = R"({"kind":"event","seq":4})";
  const std::string frame = encodeFrame(4, "event", json);
  auto ro = reader();
  ASSERT_NE(ro, nullptr);
  EXPECT_EQ(ro->read(0, 100).size(), 3u);
  appendBytes(seg, frame.substr(0, kFrameHeaderSize + 5));
  EXPECT_EQ(ro->read(0, 100).size(), 3u);
  EXPECT_EQ(ro->lastSeq(), 3u);
  appendBytes(seg, frame.substr(kFrameHeaderSize + 5));
  const auto all = ro->read(0, 100);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all.back().seq, 4u);
  EXPECT_EQ(all.back().kind, "event");
  EXPECT_EQ(all.back().json, json);
  EXPECT_EQ(ro->lastSeq(), 4u);
  EXPECT_EQ(ro->read(3, 100, "event").size(), 1u);
}

// The reader writes nothing: no lock file, no state change, and the writer's delivered
// position and id are read from journal.state as they are now.
TEST_F(ReadOnlyJournalTest, NeverWritesAndReadsTheWritersStateAsItIsNow) {
  auto w = writer(opts_);
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(w->append(rec(i)).ok());
  ASSERT_TRUE(w->flush().ok());
  const std::string state_path = opts_.dir + "/journal.state";
  const std::string state_before = readFile(state_path);
  const std::string seg_before = readFile(segmentFiles(opts_.dir).back());
  auto ro = reader();
  ASSERT_NE(ro, nullptr);
  EXPECT_EQ(ro->journalId(), w->journalId());
  EXPECT_EQ(ro->deliveredSeq(), 0u);
  ro->markDelivered(3);
  EXPECT_TRUE(ro->flush().ok());
  EXPECT_FALSE(ro->append(rec(9)).ok());
  EXPECT_EQ(ro->deliveredSeq(), 0u);
  EXPECT_EQ(readFile(state_path), state_before);
  EXPECT_EQ(readFile(segmentFiles(opts_.dir).back()), seg_before);
  w->markDelivered(2);
  ASSERT_TRUE(w->flush().ok());
  EXPECT_EQ(ro->deliveredSeq(), 2u);
  EXPECT_FALSE(ReadOnlyJournal::open(dir_.path() + "/nope").ok());
}

std::vector<uint64_t> seqs(const std::vector<StoredRecord>& v) {
  std::vector<uint64_t> out;
  for (const auto& r : v) out.push_back(r.seq);
  return out;
}

std::vector<uint64_t> range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t s = first; s <= last; ++s) out.push_back(s);
  return out;
}

uint64_t firstSeqOf(const std::string& segment_path) {
  return parseSegmentName(std::filesystem::path(segment_path).filename().string()).value();
}

// Three or more segments of records 1..n, the writer closed.
class ReadOnlySegmentFailureTest : public ReadOnlyJournalTest {
 protected:
  void SetUp() override {
    JournalOptions o = opts_;
    o.segment_bytes = 16 * 1024;
    auto w = writer(o);
    for (int i = 1; i <= 400; ++i) ASSERT_TRUE(w->append(rec(i)).ok());
    last_ = w->lastSeq();
    files_ = segmentFiles(o.dir);
    ASSERT_GE(files_.size(), 3u);
  }

  uint64_t last_ = 0;
  std::vector<std::string> files_;
};

// A segment that is there but cannot be opened (here a symlink planted in its place, which
// is never followed) ends the batch before its records, counted once; the read goes on
// through it once it can be opened again.
TEST_F(ReadOnlySegmentFailureTest, AnUnopenableSegmentEndsTheBatchUntilItOpens) {
  const std::string middle = files_[1];
  const uint64_t middle_first = firstSeqOf(middle);
  const std::string copy = dir_.path() + "/middle-copy";
  replaceBySymlinkToCopy(middle, copy);
  auto ro = reader();
  ASSERT_NE(ro, nullptr);
  EXPECT_EQ(seqs(ro->read(0, 100000)), range(1, middle_first - 1));
  EXPECT_EQ(ro->readFailures(), 1u);
  // Paging on the last seq got never moves past it, and the retries are not counted again.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(ro->read(middle_first - 1, 100000).empty());
  EXPECT_TRUE(ro->read(middle_first - 1, 100000, "throughput").empty());
  EXPECT_EQ(ro->readFailures(), 1u);
  // A read starting inside that segment stops at once too (its first seq wanted is counted).
  EXPECT_TRUE(ro->read(middle_first + 5, 100000).empty());
  EXPECT_EQ(ro->readFailures(), 2u);

  std::filesystem::rename(copy, middle);  // the real file back
  EXPECT_EQ(seqs(ro->read(middle_first - 1, 100000)), range(middle_first, last_));
  EXPECT_EQ(seqs(ro->read(0, 100000)), range(1, last_));
  EXPECT_EQ(ro->lastSeq(), last_);
  EXPECT_EQ(ro->readFailures(), 2u);
}

// A segment deleted (evicted by the writer) between the reader listing the directory and
// opening it, or between two reads, is passed over: its records are gone, not unread.
TEST_F(ReadOnlySegmentFailureTest, AnEvictedSegmentIsPassedOverWithoutAFailure) {
  const std::string middle = files_[1];
  const uint64_t middle_first = firstSeqOf(middle);
  const uint64_t third_first = firstSeqOf(files_[2]);
  // The first record read (from the first segment, after the listing) deletes the middle one.
  bool evicted = false;
  auto ro = ReadOnlyJournal::open(opts_.dir, [&](int fd, void* buf, size_t len, off_t off) {
    if (!evicted) evicted = std::filesystem::remove(middle);
    return ::pread(fd, buf, len, off);
  });
  ASSERT_TRUE(ro.ok());
  auto expected = range(1, middle_first - 1);
  const auto after = range(third_first, last_);
  expected.insert(expected.end(), after.begin(), after.end());
  EXPECT_EQ(seqs((*ro)->read(0, 100000)), expected);
  EXPECT_TRUE(evicted);
  EXPECT_EQ((*ro)->readFailures(), 0u);
  // Between reads: the oldest segment goes as well.
  std::filesystem::remove(files_[0]);
  EXPECT_EQ(seqs((*ro)->read(0, 100000)), after);
  EXPECT_EQ(seqs((*ro)->read(5, 100000)), after);
  EXPECT_EQ((*ro)->readFailures(), 0u);
}

// Bytes appended to a segment that cannot be read while indexing them (an I/O error) end
// the batch after the records indexed before: the read does not go on into the writer's next
// segment, which would skip the unread records for a reader paging on the last seq it got.
TEST_F(ReadOnlyJournalTest, AnUnreadableTailEndsTheBatchBeforeTheNextSegment) {
  JournalOptions o = opts_;
  o.segment_bytes = 16 * 1024;
  auto w = writer(o);
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->append(rec(1)).ok());
  // Fails the index scans of a segment's appended tail (offset > 0); the first scan of a
  // segment and every record read pass.
  bool fail_tail_scans = false;
  auto ro = ReadOnlyJournal::open(o.dir, nullptr, [&](int fd, void* buf, size_t len, off_t off) {
    if (fail_tail_scans && off > 0) {
      errno = EIO;
      return ssize_t{-1};
    }
    return ::pread(fd, buf, len, off);
  });
  ASSERT_TRUE(ro.ok());
  EXPECT_EQ(seqs((*ro)->read(0, 100000)), range(1, 1));  // its segment indexed up to seq 1
  // The writer fills that segment and goes on in a new one.
  const size_t segments = segmentFiles(o.dir).size();
  for (int n = 2; n < 2000 && segmentFiles(o.dir).size() == segments; ++n)
    ASSERT_TRUE(w->append(rec(n)).ok());
  ASSERT_GT(segmentFiles(o.dir).size(), segments);
  ASSERT_TRUE(w->append(rec(0)).ok());
  const uint64_t last = w->lastSeq();
  fail_tail_scans = true;
  EXPECT_TRUE((*ro)->read(1, 100000).empty());
  EXPECT_EQ((*ro)->readFailures(), 1u);
  EXPECT_TRUE((*ro)->read(1, 100000).empty());
  EXPECT_EQ((*ro)->readFailures(), 1u);  // the retry is not counted again
  fail_tail_scans = false;
  EXPECT_EQ(seqs((*ro)->read(1, 100000)), range(2, last));
}

// lastSeq() over a newest segment whose appended bytes cannot be read: not the last seq it
// could read, which would tell a reader paging up to lastSeq() that it has everything, but
// the first one it could not (a seq the writer assigned), so the reader goes on to read(),
// which ends the batch there and counts it; the whole journal once the bytes read again.
TEST_F(ReadOnlyJournalTest, AnUnreadableNewestTailIsNotTheEndOfTheJournal) {
  auto w = writer(opts_);
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->append(rec(1)).ok());
  bool fail_tail_scans = false;  // as in AnUnreadableTailEndsTheBatchBeforeTheNextSegment
  auto ro =
      ReadOnlyJournal::open(opts_.dir, nullptr, [&](int fd, void* buf, size_t len, off_t off) {
        if (fail_tail_scans && off > 0) {
          errno = EIO;
          return ssize_t{-1};
        }
        return ::pread(fd, buf, len, off);
      });
  ASSERT_TRUE(ro.ok());
  EXPECT_EQ((*ro)->lastSeq(), 1u);  // its one segment indexed up to seq 1
  for (int n = 2; n <= 5; ++n) ASSERT_TRUE(w->append(rec(n)).ok());
  ASSERT_EQ(segmentFiles(opts_.dir).size(), 1u);
  fail_tail_scans = true;
  EXPECT_EQ((*ro)->lastSeq(), 2u);
  // A reader paging up to lastSeq() has not got there: it reads, and the batch ends at seq 2.
  EXPECT_TRUE((*ro)->read(1, 100000).empty());
  EXPECT_EQ((*ro)->readFailures(), 1u);
  EXPECT_EQ((*ro)->lastSeq(), 2u);
  fail_tail_scans = false;
  EXPECT_EQ((*ro)->lastSeq(), w->lastSeq());
  EXPECT_EQ(seqs((*ro)->read(1, 100000)), range(2, 5));
}

// The same for a newest segment that is there but cannot be opened (a symlink planted in its
// place): lastSeq() is its first seq, not the older segment's last; the old behaviour would
// end a reader's paging before the whole newest segment.
TEST_F(ReadOnlySegmentFailureTest, AnUnopenableNewestSegmentIsNotTheEndOfTheJournal) {
  const std::string newest = files_.back();
  const uint64_t newest_first = firstSeqOf(newest);
  const std::string copy = dir_.path() + "/newest-copy";
  replaceBySymlinkToCopy(newest, copy);
  auto ro = reader();
  ASSERT_NE(ro, nullptr);
  EXPECT_EQ(ro->lastSeq(), newest_first);
  EXPECT_EQ(seqs(ro->read(0, 100000)), range(1, newest_first - 1));
  EXPECT_EQ(ro->readFailures(), 1u);
  std::filesystem::rename(copy, newest);  // the real file back
  EXPECT_EQ(ro->lastSeq(), last_);
  EXPECT_EQ(seqs(ro->read(newest_first - 1, 100000)), range(newest_first, last_));
}

}  // namespace
}  // namespace uplinkprobe::journal
