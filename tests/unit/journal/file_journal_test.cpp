#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "agent/journal/journal.h"
#include "agent/journal/state_file.h"
#include "tests/unit/journal/journal_test_util.h"

namespace uplinkprobe::journal {
namespace {

using testing::readFile;
using testing::segmentFiles;
using testing::TempDir;
using testing::writeFile;

nlohmann::json rec(const std::string& kind, int n) {
  return {{"schema", "uplinkprobe/1"}, {"kind", kind}, {"n", n}, {"pad", std::string(40, 'x')}};
}

class FileJournalTest : public ::testing::Test {
 protected:
  JournalOptions opts() const {
    JournalOptions o;
    o.dir = dir_.path() + "/j";
    o.device_id = "dev1";
    o.school_id = "sch1";
    return o;
  }
  std::unique_ptr<Journal> open(JournalOptions o) {
    auto j = openFileJournal(o, clock_);
    EXPECT_TRUE(j.ok()) << (j.ok() ? "" : j.error().message);
    return j.ok() ? std::move(j.value()) : nullptr;
  }
  std::unique_ptr<Journal> open() { return open(opts()); }
  std::vector<StoredRecord> all(const Journal& j) const { return j.read(0, 1000000); }
  std::vector<nlohmann::json> ofKind(const Journal& j, const std::string& kind) const {
    std::vector<nlohmann::json> out;
    for (auto& r : j.read(0, 1000000, kind)) out.push_back(nlohmann::json::parse(r.json));
    return out;
  }

  TempDir dir_;
  ManualClock clock_;
};

TEST_F(FileJournalTest, AssignsSeqAndIdAndReadsBackByteIdentical) {
  auto j = open();
  auto a = j->append(rec("throughput", 1));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->seq, 1u);
  EXPECT_TRUE(a->durable);
  auto parsed = nlohmann::json::parse(a->json);
  EXPECT_EQ(parsed["seq"], 1);
  const std::string jid = j->journalId();
  EXPECT_TRUE(std::regex_match(jid, std::regex("^[0-9a-f]{16}$"))) << jid;
  EXPECT_EQ(parsed["journal_id"], jid);
  EXPECT_EQ(parsed["id"], "dev1:" + jid + ":1");
  EXPECT_EQ(parsed["n"], 1);
  auto b = j->append(rec("outage", 2));
  ASSERT_TRUE(b.ok());
  j.reset();
  auto ro = openFileJournalReadOnly(opts().dir);
  ASSERT_TRUE(ro.ok());
  auto back = all(**ro);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].json, a->json);
  EXPECT_EQ(back[1].json, b->json);
  EXPECT_EQ(back[1].kind, "outage");
  auto j2 = open();
  auto back2 = all(*j2);
  ASSERT_EQ(back2.size(), 2u);
  EXPECT_EQ(back2[0].json, a->json);
}

TEST_F(FileJournalTest, RejectsNonObjectAndReadOnlyAppend) {
  auto j = open();
  EXPECT_FALSE(j->append(nlohmann::json::array()).ok());
  EXPECT_EQ(j->lastSeq(), 0u);
  auto ro = openFileJournalReadOnly(opts().dir);
  ASSERT_TRUE(ro.ok());
  EXPECT_FALSE((*ro)->append(rec("x", 1)).ok());
}

TEST_F(FileJournalTest, SeqMonotonicAcrossReopen) {
  std::set<uint64_t> seen;
  uint64_t last = 0;
  for (int round = 0; round < 5; ++round) {
    auto j = open();
    EXPECT_EQ(j->lastSeq(), last);
    for (int i = 0; i < 7; ++i) {
      auto r = j->append(rec("availability", i));
      ASSERT_TRUE(r.ok());
      EXPECT_GT(r->seq, last);
      EXPECT_TRUE(seen.insert(r->seq).second);
      last = r->seq;
    }
  }
  EXPECT_EQ(last, 35u);
}

TEST_F(FileJournalTest, ReadSinceMaxCountAndKindFilter) {
  auto j = open();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(j->append(rec(i % 2 ? "odd" : "even", i)).ok());
  auto r = j->read(3, 4);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].seq, 4u);
  EXPECT_EQ(r[3].seq, 7u);
  auto odd = j->read(0, 100, "odd");
  ASSERT_EQ(odd.size(), 5u);
  for (auto& x : odd) EXPECT_EQ(x.kind, "odd");
  EXPECT_TRUE(j->read(10, 100).empty());
}

TEST_F(FileJournalTest, SecondWriterRefused) {
  auto j = open();
  auto second = openFileJournal(opts(), clock_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().kind, ErrorKind::kJournalLocked);
  EXPECT_NE(second.error().message.find("in use"), std::string::npos);
  j.reset();
  EXPECT_TRUE(openFileJournal(opts(), clock_).ok());
}

TEST_F(FileJournalTest, DeliveredPointerPersistedBatchedAndReloaded) {
  auto o = opts();
  o.delivered_persist_every_records = 5;
  o.delivered_persist_every = std::chrono::seconds(60);
  {
    auto j = open(o);
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(j->append(rec("x", i)).ok());
    j->markDelivered(1);  // first mark persists (no earlier persist)
    j->markDelivered(3);  // batched
    EXPECT_EQ(j->deliveredSeq(), 3u);
    auto ro = openFileJournalReadOnly(o.dir);
    EXPECT_EQ((*ro)->deliveredSeq(), 1u) << "persisted at most once per 5 records / 60 s";
    j->markDelivered(6);  // 5 records after the persisted 1
    EXPECT_EQ((*ro)->deliveredSeq(), 6u);
    j->markDelivered(7);
    clock_.advance(std::chrono::seconds(61));
    j->markDelivered(8);  // time-based
    EXPECT_EQ((*ro)->deliveredSeq(), 8u);
    j->markDelivered(9);
    j->markDelivered(4);   // never backwards
    j->markDelivered(99);  // never beyond what exists
    EXPECT_EQ(j->deliveredSeq(), 9u);
  }  // close persists
  auto j = open(o);
  EXPECT_EQ(j->deliveredSeq(), 9u);
}

TEST_F(FileJournalTest, MissingDirCreatedAndUnreadableFileNamed) {
  auto o = opts();
  o.dir = dir_.path() + "/a/b/c";
  ASSERT_NE(open(o), nullptr);
  auto o2 = opts();
  std::filesystem::create_directories(o2.dir + "/seg-00000000000000000001.ujr");
  auto j = openFileJournal(o2, clock_);
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.error().message.find("seg-00000000000000000001.ujr"), std::string::npos)
      << j.error().message;
}

TEST_F(FileJournalTest, ZeroLengthAndGarbageSegmentsStillOpen) {
  auto o = opts();
  std::filesystem::create_directories(o.dir);
  writeFile(o.dir + "/seg-00000000000000000001.ujr", "");
  {
    auto j = open(o);
    ASSERT_NE(j, nullptr);
    EXPECT_TRUE(ofKind(*j, "event").empty()) << "an empty segment is not damage";
    ASSERT_TRUE(j->append(rec("x", 1)).ok());
  }
  writeFile(o.dir + "/seg-00000000000000000500.ujr", std::string(3000, 'G') + "garbage");
  auto j = open(o);
  ASSERT_NE(j, nullptr);
  auto events = ofKind(*j, "event");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["event"], "journal_damage");
  EXPECT_EQ(events[0]["bytes_skipped"], 3007);
  auto r = j->append(rec("x", 2));
  ASSERT_TRUE(r.ok());
  EXPECT_GE(r->seq, 500u) << "a segment name's seq was assigned once: never reuse it";
  EXPECT_EQ(ofKind(*j, "x").size(), 2u);
}

// Cutting the last frame at every byte offset must lose exactly that (never acknowledged)
// record, keep the others, report no damage, and continue appending after the cut.
TEST_F(FileJournalTest, TornTailTruncatedAtEveryOffset) {
  auto o = opts();
  std::string full;
  size_t last_frame_start = 0;
  std::vector<std::string> kept;
  {
    auto j = open(o);
    for (int i = 0; i < 3; ++i) kept.push_back(j->append(rec("x", i))->json);
    last_frame_start = readFile(segmentFiles(o.dir).back()).size();
    ASSERT_TRUE(j->append(rec("x", 3)).ok());
  }
  const std::string seg = segmentFiles(o.dir).back();
  full = readFile(seg);
  const std::string state = readFile(o.dir + "/journal.state");
  for (size_t cut = last_frame_start; cut < full.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    writeFile(seg, full.substr(0, cut));
    writeFile(o.dir + "/journal.state", state);
    {
      auto j = open(o);
      ASSERT_NE(j, nullptr);
      auto recs = ofKind(*j, "x");
      ASSERT_EQ(recs.size(), 3u);
      EXPECT_TRUE(ofKind(*j, "event").empty());
      auto r = j->append(rec("x", 9));
      ASSERT_TRUE(r.ok());
      EXPECT_GE(r->seq, 4u);
      auto back = j->read(0, 100);
      EXPECT_EQ(back[0].json, kept[0]);
      EXPECT_EQ(back.back().json, r->json);
    }
    auto ro = openFileJournalReadOnly(o.dir);
    EXPECT_EQ((*ro)->read(0, 100, "x").size(), 4u);
    // Seq 4 was assigned (its header or the state file's high-water mark says so): it is
    // announced by a gap record, never reused.
    auto gaps = ofKind(**ro, "gap");
    ASSERT_EQ(gaps.size(), 1u);
    EXPECT_EQ(gaps[0]["first_seq"], 4);
    EXPECT_EQ(gaps[0]["last_seq"], 4);
    EXPECT_EQ(gaps[0]["reason"], cut - last_frame_start >= 28 ? "torn_tail" : "not_found_on_open");
  }
}

TEST_F(FileJournalTest, FlippedBitsInTheMiddleSkipOnlyThatRecord) {
  auto o = opts();
  std::vector<StoredRecord> written;
  {
    auto j = open(o);
    for (int i = 0; i < 5; ++i) written.push_back(*j->append(rec("x", i)));
  }
  const std::string seg = segmentFiles(o.dir).back();
  const std::string full = readFile(seg);
  const std::string state = readFile(o.dir + "/journal.state");
  // Frame 3 (seq 3) starts after two frames; flip a bit in its payload and, separately, in
  // its header.
  const size_t frame_len = full.size() / 5;
  for (size_t where : {2 * frame_len + 40, 2 * frame_len + 5}) {
    SCOPED_TRACE(where);
    std::string bad = full;
    bad[where] ^= 0x10;
    for (auto& f : segmentFiles(o.dir)) std::filesystem::remove(f);
    writeFile(seg, bad);
    writeFile(o.dir + "/journal.state", state);
    std::filesystem::remove(o.dir + "/journal.damage");
    auto j = open(o);
    auto recs = j->read(0, 100, "x");
    ASSERT_EQ(recs.size(), 4u);
    EXPECT_EQ(recs[0].json, written[0].json);
    EXPECT_EQ(recs[2].json, written[3].json);
    EXPECT_EQ(recs[3].json, written[4].json);
    auto ev = ofKind(*j, "event");
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0]["event"], "journal_damage");
    EXPECT_EQ(ev[0]["bytes_skipped"], frame_len);
    EXPECT_EQ(ev[0]["files"][0], seg);
    if (where == 2 * frame_len + 40) {
      EXPECT_EQ(ev[0]["seq_first"], 3);  // header intact: the lost seq is known
      EXPECT_EQ(ev[0]["seq_last"], 3);
    }
    EXPECT_EQ(nlohmann::json::parse(ev[0].dump())["seq"], 6) << "appended after the others";
    j.reset();
    auto again = open(o);
    EXPECT_EQ(ofKind(*again, "event").size(), 1u) << "the same damage is reported once";
  }
}

TEST_F(FileJournalTest, SeqSurvivesWipeOfAllSegments) {
  auto o = opts();
  o.delivered_persist_every_records = 1;
  {
    auto j = open(o);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(j->append(rec("x", i)).ok());
    j->markDelivered(5);
  }
  for (auto& f : segmentFiles(o.dir)) std::filesystem::remove(f);
  auto j = open(o);
  auto r = j->append(rec("x", 6));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->seq, 6u);
}

TEST_F(FileJournalTest, EvictsDeliveredFirstThenReportsGap) {
  auto o = opts();
  o.max_bytes = 64 * 1024;
  o.segment_bytes = 8 * 1024;
  o.delivered_persist_every_records = 1;
  auto j = open(o);
  const std::string big(900, 'p');
  auto append = [&](int n) {
    auto r = j->append({{"kind", "x"}, {"n", n}, {"big", big}});
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->seq : 0;
  };
  uint64_t last = 0;
  for (int i = 0; i < 60; ++i) last = append(i);  // ~58 KB: fits
  EXPECT_TRUE(ofKind(*j, "gap").empty());
  j->markDelivered(20);
  for (int i = 0; i < 10; ++i) last = append(100 + i);
  // Only delivered records went so far: no gap, and everything undelivered is still there.
  EXPECT_TRUE(ofKind(*j, "gap").empty());
  auto recs = j->read(20, 1000, "x");
  EXPECT_EQ(recs.size(), last - 20);
  EXPECT_EQ(recs.front().seq, 21u);
  // Now overflow with nothing more delivered: undelivered records must go, with a gap.
  for (int i = 0; i < 40; ++i) append(200 + i);
  auto gaps = ofKind(*j, "gap");
  ASSERT_GE(gaps.size(), 1u);
  EXPECT_EQ(gaps[0]["reason"], "storage_full");
  EXPECT_EQ(gaps[0]["first_seq"], 21);
  // The journal's own record carries the whole envelope every record has (RecordFactory):
  // the collector validates it against the same envelope schema.
  for (const char* field : {"schema", "kind", "id", "journal_id", "seq", "device_id", "school_id",
                            "ts", "clock_synced", "boot_id", "mono_s", "agent_version"})
    EXPECT_TRUE(gaps[0].contains(field)) << field;
  EXPECT_EQ(gaps[0]["school_id"], "sch1");
  uint64_t gap_total = 0;
  for (auto& g : gaps) gap_total += g["count"].get<uint64_t>();
  // Every seq is either still readable or inside a gap.
  std::set<uint64_t> present;
  for (auto& r : j->read(0, 100000)) present.insert(r.seq);
  for (auto& g : gaps)
    for (uint64_t s = g["first_seq"]; s <= g["last_seq"]; ++s) EXPECT_EQ(present.count(s), 0u);
  uint64_t undelivered_records = 0;
  for (uint64_t s = 21; s <= j->lastSeq(); ++s) undelivered_records += present.count(s);
  EXPECT_EQ(undelivered_records + gap_total, j->lastSeq() - 20);
  uint64_t bytes = 0;
  for (auto& f : segmentFiles(o.dir)) bytes += std::filesystem::file_size(f);
  EXPECT_LE(bytes, o.max_bytes);
  // After reopen seq continues past everything, evicted or not.
  auto lastSeq = j->lastSeq();
  j.reset();
  auto j2 = open(o);
  EXPECT_EQ(j2->lastSeq(), lastSeq);
}

TEST_F(FileJournalTest, ReadOnlyReaderWhileWriterAppends) {
  auto o = opts();
  auto w = open(o);
  ASSERT_TRUE(w->append(rec("x", 0)).ok());
  auto ro = openFileJournalReadOnly(o.dir);
  ASSERT_TRUE(ro.ok());
  for (int i = 1; i < 20; ++i) {
    auto r = w->append(rec("x", i));
    ASSERT_TRUE(r.ok());
    auto seen = (*ro)->read(0, 1000);
    ASSERT_EQ(seen.size(), static_cast<size_t>(i + 1));
    EXPECT_EQ(seen.back().json, r->json);
    EXPECT_EQ((*ro)->lastSeq(), r->seq);
  }
  // A half-written frame at the tail (writer mid-append) is invisible and left alone.
  const std::string seg = segmentFiles(o.dir).back();
  std::string data = readFile(seg);
  std::string partial = data.substr(data.size() - 50);
  std::ofstream(seg, std::ios::binary | std::ios::app) << partial.substr(0, 10);
  EXPECT_EQ((*ro)->read(0, 1000).size(), 20u);
  EXPECT_EQ(readFile(seg).size(), data.size() + 10);
  EXPECT_FALSE(openFileJournalReadOnly(dir_.path() + "/nope").ok());
}

TEST_F(FileJournalTest, MemoryJournalFakeBehavesLikeFile) {
  auto m = makeMemoryJournal("dev9", "00000000000000ab");
  auto a = m->append(rec("x", 1));
  auto b = m->append(rec("y", 2));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(nlohmann::json::parse(b->json)["id"], "dev9:00000000000000ab:2");
  EXPECT_NE(makeMemoryJournal("dev9")->journalId(), makeMemoryJournal("dev9")->journalId());
  EXPECT_EQ(m->read(1, 10).size(), 1u);
  EXPECT_EQ(m->read(0, 10, "x").size(), 1u);
  m->markDelivered(2);
  EXPECT_EQ(m->deliveredSeq(), 2u);
  EXPECT_EQ(m->lastSeq(), 2u);
}

}  // namespace
}  // namespace uplinkprobe::journal

namespace uplinkprobe::journal {
namespace {

// Issue 9: a purge or reinstall starts a new journal whose seqs start at 1 again; its
// records must never share an id with the old journal's (collectors de-duplicate on it).
TEST_F(FileJournalTest, JournalIdSurvivesRestartsAndANewJournalGetsANewOne) {
  std::string first_id, first_record_id;
  {
    auto j = open();
    first_id = j->journalId();
    auto a = j->append(rec("throughput", 1));
    ASSERT_TRUE(a.ok());
    first_record_id = nlohmann::json::parse(a->json)["id"];
  }
  {
    auto j = open();  // restart: same journal, same id, seq continues
    EXPECT_EQ(j->journalId(), first_id);
    auto b = j->append(rec("event", 2));
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->seq, 2u);
    EXPECT_EQ(nlohmann::json::parse(b->json)["journal_id"], first_id);
  }
  auto ro = openFileJournalReadOnly(opts().dir);
  ASSERT_TRUE(ro.ok());
  EXPECT_EQ((*ro)->journalId(), first_id);

  // Purge: the directory is wiped and a new journal starts at seq 1.
  std::filesystem::remove_all(opts().dir);
  auto j = open();
  auto c = j->append(rec("throughput", 3));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->seq, 1u);
  EXPECT_NE(j->journalId(), first_id);
  EXPECT_NE(nlohmann::json::parse(c->json)["id"], first_record_id);
}

// A journal.state written before journal ids (bytes 40..63 of both slots zero) gets an id
// on its first read-write open and keeps it; seq and delivered are untouched.
TEST_F(FileJournalTest, JournalFromBeforeJournalIdsGetsOneOnFirstOpenAndKeepsIt) {
  {
    auto j = open();
    ASSERT_TRUE(j->append(rec("a", 1)).ok());
    ASSERT_TRUE(j->append(rec("b", 2)).ok());
    j->markDelivered(1);
    ASSERT_TRUE(j->flush().ok());
  }
  const std::string state = opts().dir + "/journal.state";
  {
    std::fstream f(state, std::ios::in | std::ios::out | std::ios::binary);
    const char zeros[24] = {0};
    for (int slot = 0; slot < 2; ++slot) {
      f.seekp(slot * 64 + 40);
      f.write(zeros, sizeof zeros);
    }
  }
  auto dir = platform::StateDir::open(opts().dir);
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(StateFile::readOnly(*dir, "journal.state").journal_id, 0u);
  EXPECT_EQ(StateFile::readOnly(*dir, "journal.state").seq_hwm, 2u);
  std::string made;
  {
    auto j = open();
    made = j->journalId();
    EXPECT_TRUE(std::regex_match(made, std::regex("^[0-9a-f]{16}$"))) << made;
    EXPECT_EQ(j->deliveredSeq(), 1u);
    auto c = j->append(rec("c", 3));
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->seq, 3u);
    EXPECT_EQ(nlohmann::json::parse(c->json)["id"], "dev1:" + made + ":3");
  }
  EXPECT_EQ(journalIdHex(StateFile::readOnly(*dir, "journal.state").journal_id), made);
  EXPECT_EQ(open()->journalId(), made);
}

}  // namespace
}  // namespace uplinkprobe::journal
