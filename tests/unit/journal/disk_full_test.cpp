// Disk full, for real: a tiny tmpfs (root only; skipped otherwise) is filled up while the
// journal appends. Records must go to the bounded memory queue (durable=false), overflow
// must be counted, and everything must reach the disk, with a gap record for the overflow,
// once space returns.
#include <sys/mount.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "agent/journal/journal.h"
#include "tests/unit/journal/journal_test_util.h"

namespace uplinkprobe::journal {
namespace {

class TmpfsMount {
 public:
  explicit TmpfsMount(const std::string& dir) : dir_(dir) {
    std::filesystem::create_directories(dir);
    mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=256k") == 0;
  }
  ~TmpfsMount() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

// Writes until ENOSPC; returns the filler path.
std::string fillUp(const std::string& dir) {
  std::string path = dir + "/filler";
  FILE* f = std::fopen(path.c_str(), "wb");
  std::string block(4096, 'f');
  while (std::fwrite(block.data(), 1, block.size(), f) == block.size() && std::fflush(f) == 0) {
  }
  std::fclose(f);
  return path;
}

TEST(JournalDiskFull, MemoryQueueThenWrittenWhenSpaceReturns) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs";
  testing::TempDir tmp;
  TmpfsMount mnt(tmp.path() + "/mnt");
  if (!mnt.mounted()) GTEST_SKIP() << "cannot mount tmpfs here";
  ManualClock clock;
  JournalOptions o;
  o.dir = tmp.path() + "/mnt/j";
  o.device_id = "full";
  o.memory_queue_max = 5;
  auto opened = openFileJournal(o, clock);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto& j = *opened;
  ASSERT_TRUE(j->append({{"kind", "x"}, {"n", 0}}).ok());
  const std::string filler = fillUp(tmp.path() + "/mnt");

  const std::string pad(1500, 'p');
  int durable_while_full = 0, queued = 0, dropped = 0;
  for (int n = 1; n <= 40; ++n) {
    auto r = j->append({{"kind", "x"}, {"n", n}, {"pad", pad}});
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find("memory queue full"), std::string::npos);
      ++dropped;
    } else if (r->durable) {
      EXPECT_EQ(queued, 0) << "order: nothing durable after the first queued record";
      ++durable_while_full;  // the last partly filled page can still take a record
    } else {
      ++queued;
    }
  }
  EXPECT_EQ(queued, 5);
  EXPECT_GT(dropped, 0);
  EXPECT_FALSE(j->flush().ok()) << "flush reports records held only in memory";
  auto mem = j->read(0, 1000, "x");
  EXPECT_EQ(mem.size(), static_cast<size_t>(1 + durable_while_full + queued))
      << "queued records are readable (publishable) while the disk is full";

  std::filesystem::remove(filler);
  auto after = j->append({{"kind", "x"}, {"n", 99}});
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->durable);
  EXPECT_TRUE(j->flush().ok());
  const uint64_t last = j->lastSeq();
  opened = makeError(ErrorKind::kInternal, "closed");  // closes the journal

  auto ro = openFileJournalReadOnly(o.dir);
  ASSERT_TRUE(ro.ok());
  auto all = (*ro)->read(0, 1000);
  std::set<uint64_t> seqs;
  for (auto& r : all) EXPECT_TRUE(seqs.insert(r.seq).second);
  EXPECT_EQ((*ro)->read(0, 1000, "x").size(), mem.size() + 1);
  auto gaps = (*ro)->read(0, 1000, "gap");
  ASSERT_EQ(gaps.size(), 1u);
  auto g = nlohmann::json::parse(gaps[0].json);
  EXPECT_EQ(g["reason"], "memory_queue_full");
  EXPECT_EQ(g["count"], dropped);
  // Every seq ever assigned is on disk or inside the gap.
  EXPECT_EQ(all.size() + static_cast<size_t>(dropped), last);
}

}  // namespace
}  // namespace uplinkprobe::journal
