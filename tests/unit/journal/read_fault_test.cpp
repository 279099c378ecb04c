// The journal never skips (issue 9 point 6): a record whose bytes cannot be read ends the
// batch, the reader retries it later, the failure is logged and counted once per record.
// Faults come through JournalOptions::read_at (the read path's one system call), no sleeps.
#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <set>

#include "agent/journal/journal.h"
#include "agent/journal/segment_files.h"
#include "tests/unit/journal/journal_test_util.h"

namespace uplinkprobe::journal {
namespace {

using testing::ReadFault;
using testing::replaceBySymlinkToCopy;
using testing::segmentFiles;
using testing::TempDir;

nlohmann::json rec(const std::string& kind, int n) {
  return {{"schema", "uplinkprobe/1"}, {"kind", kind}, {"n", n}, {"pad", std::string(40, 'x')}};
}

std::vector<uint64_t> seqs(const std::vector<StoredRecord>& v) {
  std::vector<uint64_t> out;
  for (const auto& r : v) out.push_back(r.seq);
  return out;
}

class ReadFaultTest : public ::testing::Test {
 protected:
  JournalOptions opts() {
    JournalOptions o;
    o.dir = dir_.path() + "/j";
    o.device_id = "dev1";
    o.read_at = fault_.hook();
    return o;
  }
  std::unique_ptr<Journal> openWith(JournalOptions o) {
    auto j = openFileJournal(o, clock_);
    EXPECT_TRUE(j.ok()) << (j.ok() ? "" : j.error().message);
    return j.ok() ? std::move(j.value()) : nullptr;
  }
  void fill(Journal& j, int n, const std::string& kind = "throughput") {
    for (int i = 1; i <= n; ++i) ASSERT_TRUE(j.append(rec(kind, i)).ok());
  }

  TempDir dir_;
  ManualClock clock_;
  ReadFault fault_;
};

TEST_F(ReadFaultTest, ShortReadStopsTheBatchAtThatRecordAndRetriesLater) {
  auto j = openWith(opts());
  fill(*j, 5);
  EXPECT_EQ(seqs(j->read(0, 100)), (std::vector<uint64_t>{1, 2}));
  // Paging on the last seq got: the unreadable record is never stepped over.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(j->read(2, 100).empty());
  EXPECT_EQ(j->readFailures(), 1u) << "counted once per record, not per attempt";
  EXPECT_GE(fault_.hits, 6);
  fault_.armed = false;
  EXPECT_EQ(seqs(j->read(2, 100)), (std::vector<uint64_t>{3, 4, 5}));
}

TEST_F(ReadFaultTest, IoErrorStopsTheBatchToo) {
  fault_.eio = true;
  auto j = openWith(opts());
  fill(*j, 5);
  EXPECT_EQ(seqs(j->read(0, 100)), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(j->readFailures(), 1u);
}

TEST_F(ReadFaultTest, KindFilteredReadStopsAtTheUnreadableRecordOfThatKind) {
  auto j = openWith(opts());
  ASSERT_TRUE(j->append(rec("outage", 1)).ok());
  ASSERT_TRUE(j->append(rec("throughput", 2)).ok());
  ASSERT_TRUE(j->append(rec("throughput", 3)).ok());
  ASSERT_TRUE(j->append(rec("throughput", 4)).ok());
  EXPECT_EQ(seqs(j->read(0, 100, "throughput")), (std::vector<uint64_t>{2}));
  EXPECT_EQ(seqs(j->read(0, 100, "outage")), (std::vector<uint64_t>{1}));
}

TEST_F(ReadFaultTest, ReadOnlyJournalNeverSkipsEither) {
  {
    auto j = openWith(opts());
    fill(*j, 5);
  }
  auto ro = openFileJournalReadOnly(opts().dir, fault_.hook());
  ASSERT_TRUE(ro.ok());
  EXPECT_EQ(seqs((*ro)->read(0, 100)), (std::vector<uint64_t>{1, 2}));
  EXPECT_TRUE((*ro)->read(2, 100).empty());
  EXPECT_EQ((*ro)->readFailures(), 1u);
  fault_.armed = false;
  EXPECT_EQ(seqs((*ro)->read(2, 100)), (std::vector<uint64_t>{3, 4, 5}));
}

// The writer's own read stops at a segment it cannot open (a symlink planted in its place
// is never followed) and goes on once the file is back.
TEST_F(ReadFaultTest, UnopenableSegmentStopsTheWritersReadToo) {
  fault_.armed = false;
  JournalOptions o = opts();
  o.segment_bytes = 16 * 1024;
  auto j = openWith(o);
  fill(*j, 400);
  const auto files = segmentFiles(o.dir);
  ASSERT_GE(files.size(), 3u);
  const auto all = seqs(j->read(0, 100000));
  const std::string copy = dir_.path() + "/copy";
  replaceBySymlinkToCopy(files[1], copy);
  const auto before = seqs(j->read(0, 100000));
  ASSERT_FALSE(before.empty());
  ASSERT_LT(before.size(), all.size());
  EXPECT_EQ(before, std::vector<uint64_t>(all.begin(), all.begin() + before.size()));
  EXPECT_NE(segmentFiles(o.dir)[1].find(segmentName(before.back() + 1)), std::string::npos)
      << "stopped where the planted segment starts";
  EXPECT_TRUE(j->read(before.back(), 100000).empty());
  EXPECT_EQ(j->readFailures(), 1u);
  std::filesystem::rename(copy, files[1]);
  EXPECT_EQ(seqs(j->read(0, 100000)), all);
  EXPECT_EQ(j->readFailures(), 1u);
}

// Read-only paging seeks by segment name and extends its index with appended bytes only.
TEST_F(ReadFaultTest, ReadOnlySeeksAcrossSegmentsAndSeesAppendsAndEvictions) {
  fault_.armed = false;
  JournalOptions o = opts();
  o.max_bytes = 64 * 1024;
  o.segment_bytes = 16 * 1024;
  auto j = openWith(o);
  fill(*j, 300);  // ~100 B per frame: several segments, the oldest evicted
  auto ro = openFileJournalReadOnly(o.dir);
  ASSERT_TRUE(ro.ok());
  auto all = (*ro)->read(0, 100000);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back().seq, j->lastSeq());
  EXPECT_EQ((*ro)->lastSeq(), j->lastSeq());
  for (size_t i = 1; i < all.size(); ++i) EXPECT_EQ(all[i].seq, all[i - 1].seq + 1);
  // Pages of 7 from anywhere give exactly the records after `since`.
  for (uint64_t since : {all.front().seq - 1, all.front().seq + 50, all.back().seq - 3}) {
    auto page = (*ro)->read(since, 7);
    ASSERT_FALSE(page.empty());
    EXPECT_EQ(page.front().seq, since + 1);
    EXPECT_EQ(page.front().json, all[since + 1 - all.front().seq].json);
  }
  // The writer appends (and evicts) while the reader holds its index.
  const uint64_t before = j->lastSeq();
  fill(*j, 200);
  auto tail = (*ro)->read(before, 1000);
  EXPECT_EQ(seqs(tail), seqs(j->read(before, 1000)));  // 200 records and eviction gap records
  EXPECT_EQ(tail.front().seq, before + 1);
  EXPECT_EQ((*ro)->lastSeq(), j->lastSeq());
  auto fresh = (*ro)->read(0, 100000);
  auto j_all = j->read(0, 100000);
  ASSERT_EQ(seqs(fresh), seqs(j_all));
  for (size_t i = 0; i < fresh.size(); ++i) EXPECT_EQ(fresh[i].json, j_all[i].json);
}

}  // namespace
}  // namespace uplinkprobe::journal
