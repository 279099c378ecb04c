// A child process appends records in a loop and reports each seq on a pipe only after
// append() returned durable; it is SIGKILLed at random moments, 25 times. After each
// restart every reported record must be present, byte-for-byte as acknowledged, and seqs
// must be strictly increasing without duplicates.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "agent/journal/journal.h"
#include "tests/unit/journal/journal_test_util.h"

namespace uplinkprobe::journal {
namespace {

struct Ack {
  uint64_t seq;
  uint32_t json_crc_len;  // json length, enough to catch a different record under the seq
};

[[noreturn]] void childLoop(const JournalOptions& o, int fd, int round) {
  auto j = openFileJournal(o, SystemClock::instance());
  if (!j.ok()) _exit(3);
  for (int n = 0;; ++n) {
    nlohmann::json r = {{"kind", "availability"},
                        {"round", round},
                        {"n", n},
                        {"pad", std::string(static_cast<size_t>(n % 300), 'z')}};
    auto s = (*j)->append(std::move(r));
    if (!s.ok() || !s->durable) _exit(4);
    Ack a{s->seq, static_cast<uint32_t>(s->json.size())};
    if (::write(fd, &a, sizeof a) != sizeof a) _exit(5);
  }
}

TEST(JournalKill9, EveryAcknowledgedRecordSurvivesAndSeqNeverRepeats) {
  testing::TempDir dir;
  JournalOptions o;
  o.dir = dir.path() + "/journal";
  o.device_id = "kill9";
  o.max_bytes = 8ull << 20;
  std::mt19937 rng(12345);
  std::map<uint64_t, uint32_t> acked;  // seq -> json size
  for (int round = 0; round < 25; ++round) {
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(p[0]);
      childLoop(o, p[1], round);
    }
    ::close(p[1]);
    // Wait for the first acknowledgement so that every kill lands while appending.
    Ack a;
    ASSERT_EQ(::read(p[0], &a, sizeof a), static_cast<ssize_t>(sizeof a));
    EXPECT_EQ(acked.count(a.seq), 0u);
    acked[a.seq] = a.json_crc_len;
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 60));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);
    while (::read(p[0], &a, sizeof a) == sizeof a) {
      EXPECT_EQ(acked.count(a.seq), 0u) << "seq " << a.seq << " acknowledged twice";
      acked[a.seq] = a.json_crc_len;
    }
    ::close(p[0]);

    auto ro = openFileJournalReadOnly(o.dir);
    ASSERT_TRUE(ro.ok());
    auto recs = (*ro)->read(0, 10000000);
    std::set<uint64_t> present;
    uint64_t prev = 0;
    for (auto& r : recs) {
      EXPECT_GT(r.seq, prev);
      prev = r.seq;
      present.insert(r.seq);
      auto it = acked.find(r.seq);
      if (it != acked.end()) {
        EXPECT_EQ(r.json.size(), it->second);
      }
      auto j = nlohmann::json::parse(r.json);
      EXPECT_EQ(j["id"], "kill9:" + (*ro)->journalId() + ":" + std::to_string(r.seq));
    }
    for (auto& [seq, len] : acked) EXPECT_EQ(present.count(seq), 1u) << "lost seq " << seq;
    EXPECT_TRUE((*ro)->read(0, 1000, "event").empty()) << "kill -9 is not damage";
  }
  EXPECT_GE(acked.size(), 25u);
  // A final writer opens cleanly and continues after everything acknowledged.
  auto j = openFileJournal(o, SystemClock::instance());
  ASSERT_TRUE(j.ok());
  auto r = (*j)->append({{"kind", "x"}});
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r->seq, acked.rbegin()->first);
}

}  // namespace
}  // namespace uplinkprobe::journal
