#include "agent/publish/delivery_pump.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/unit/journal/journal_test_util.h"
#include "tests/unit/publish/fake_publisher.h"

namespace uplinkprobe::publish {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakePublisher;

class DeliveryPumpTest : public ::testing::Test {
 protected:
  DeliveryOptions options(size_t window = 20, double rate = 1000) {
    DeliveryOptions o;
    o.topic_prefix = "up/v1";
    o.status.identity.device_id = "dev1";
    o.status.identity.school_id = "sch1";
    o.status.agent_version = "0.1.0";
    o.max_in_flight = window;
    o.replay_per_second = rate;
    o.reconnect_initial = milliseconds(1000);
    o.reconnect_max = milliseconds(8000);
    o.jitter_seed = 42;
    return o;
  }
  void append(int n, const std::string& kind = "throughput") {
    for (int i = 0; i < n; ++i) {
      auto r = journal->append({{"kind", kind}, {"n", i}});
      ASSERT_TRUE(r.ok());
    }
  }
  uint64_t seqOf(const FakePublisher::Sent& s) {
    return nlohmann::json::parse(s.payload).at("seq").get<uint64_t>();
  }
  // Index in fake.sent of the record message with this seq, searching from `from`.
  size_t idx(uint64_t seq, size_t from = 0) {
    for (size_t i = from; i < fake.sent.size(); ++i) {
      if (fake.sent[i].topic.find("/status") == std::string::npos && seqOf(fake.sent[i]) == seq) {
        return i;
      }
    }
    ADD_FAILURE() << "seq " << seq << " not sent";
    return 0;
  }

  ManualClock clock;
  std::unique_ptr<journal::Journal> journal = journal::makeMemoryJournal("dev1");
  FakePublisher fake;
};

TEST_F(DeliveryPumpTest, ConnectsOnFirstTickPublishesStatusThenRecordsInOrder) {
  append(3);
  append(1, "outage");
  DeliveryPump pump(*journal, fake, clock, options());
  EXPECT_EQ(fake.connect_calls, 0);
  pump.tick();
  EXPECT_EQ(fake.connect_calls, 1);
  EXPECT_TRUE(fake.sent.empty()) << "nothing may be sent before the session is up";
  fake.accept();
  ASSERT_EQ(fake.sent.size(), 5u);
  EXPECT_EQ(fake.sent[0].topic, "up/v1/sch1/dev1/status");
  EXPECT_TRUE(fake.sent[0].retain);
  EXPECT_EQ(nlohmann::json::parse(fake.sent[0].payload).at("state"), "online");
  auto recs = fake.records();
  ASSERT_EQ(recs.size(), 4u);
  auto stored = journal->read(0, 10);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(recs[i].payload, stored[i].json) << "payload must be the journaled bytes";
    EXPECT_EQ(recs[i].qos, 1);
    EXPECT_FALSE(recs[i].retain);
    EXPECT_EQ(seqOf(recs[i]), i + 1);
  }
  EXPECT_EQ(recs[0].topic, "up/v1/sch1/dev1/throughput");
  EXPECT_EQ(recs[3].topic, "up/v1/sch1/dev1/outage");
}

TEST_F(DeliveryPumpTest, LiveRecordGoesOutOnAppend) {
  DeliveryPump pump(*journal, fake, clock, options());
  pump.tick();
  fake.accept();
  EXPECT_TRUE(fake.records().empty());
  auto r = journal->append({{"kind", "throughput"}});
  ASSERT_TRUE(r.ok());
  pump.onRecordAppended(*r);
  ASSERT_EQ(fake.records().size(), 1u);
  EXPECT_EQ(fake.records()[0].payload, r->json);
}

// Counts read-backs: a caught-up pump publishes the bytes it was handed at append.
class CountingJournal final : public journal::Journal {
 public:
  explicit CountingJournal(journal::Journal& j) : j_(j) {}
  Result<journal::StoredRecord> append(nlohmann::json r) override {
    return j_.append(std::move(r));
  }
  std::vector<journal::StoredRecord> read(uint64_t since, size_t max,
                                          const std::string& kind = "") const override {
    ++reads;
    return j_.read(since, max, kind);
  }
  uint64_t lastSeq() const override { return j_.lastSeq(); }
  uint64_t deliveredSeq() const override { return j_.deliveredSeq(); }
  void markDelivered(uint64_t seq) override { j_.markDelivered(seq); }
  Status flush() override { return j_.flush(); }
  mutable int reads = 0;

 private:
  journal::Journal& j_;
};

TEST_F(DeliveryPumpTest, ACaughtUpPumpPublishesTheHandedBytesWithoutReadingTheJournalBack) {
  CountingJournal counting(*journal);
  DeliveryPump pump(counting, fake, clock, options(4));
  pump.tick();
  fake.accept();
  const int reads_after_connect = counting.reads;
  for (int i = 1; i <= 10; ++i) {
    auto r = counting.append({{"kind", "event"}, {"n", i}});
    ASSERT_TRUE(r.ok());
    pump.onRecordAppended(*r);
    ASSERT_EQ(fake.records().size(), static_cast<size_t>(i));
    EXPECT_EQ(fake.records().back().payload, r->json);
    fake.complete(idx(r->seq));
  }
  EXPECT_EQ(counting.reads, reads_after_connect);
  EXPECT_EQ(pump.stats().handed_over, 10u);
  EXPECT_EQ(journal->deliveredSeq(), 10u);
}

TEST_F(DeliveryPumpTest, ARecordHandedOverOutOfTurnIsReplayedFromTheJournalInOrder) {
  DeliveryPump pump(*journal, fake, clock, options(2));
  pump.tick();
  fake.accept();
  // Three appends with a window of 2: the third waits for an acknowledgement, and a record
  // handed over again late must never be sent out of order or twice.
  std::vector<journal::StoredRecord> recs;
  for (int i = 0; i < 3; ++i) {
    auto r = journal->append({{"kind", "event"}, {"n", i}});
    ASSERT_TRUE(r.ok());
    recs.push_back(*r);
    pump.onRecordAppended(*r);
  }
  pump.onRecordAppended(recs[0]);  // a stale hand-over
  ASSERT_EQ(fake.records().size(), 2u);
  fake.complete(idx(1));
  fake.complete(idx(2));
  ASSERT_EQ(fake.records().size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(seqOf(fake.records()[i]), i + 1);
  fake.complete(idx(3));
  EXPECT_EQ(journal->deliveredSeq(), 3u);
}

TEST_F(DeliveryPumpTest, RecordsHandedOverWhileDisconnectedAreReplayedAfterConnect) {
  DeliveryPump pump(*journal, fake, clock, options());
  for (int i = 0; i < 3; ++i) {
    auto r = journal->append({{"kind", "event"}, {"n", i}});
    ASSERT_TRUE(r.ok());
    pump.onRecordAppended(*r);
  }
  EXPECT_TRUE(fake.records().empty());
  EXPECT_EQ(pump.stats().handed_over, 0u);
  pump.tick();
  fake.accept();
  ASSERT_EQ(fake.records().size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(seqOf(fake.records()[i]), i + 1);
}

TEST_F(DeliveryPumpTest, InFlightWindowIsBounded) {
  append(10);
  DeliveryPump pump(*journal, fake, clock, options(3));
  pump.tick();
  fake.accept();
  EXPECT_EQ(fake.records().size(), 3u);
  EXPECT_EQ(pump.stats().in_flight, 3u);
  fake.complete(idx(1));
  EXPECT_EQ(fake.records().size(), 4u);
  EXPECT_EQ(seqOf(fake.records().back()), 4u);
}

TEST_F(DeliveryPumpTest, DeliveredOnlyOnAckAndOnlyContiguous) {
  append(4);
  DeliveryPump pump(*journal, fake, clock, options());
  pump.tick();
  fake.accept();
  EXPECT_EQ(journal->deliveredSeq(), 0u);
  fake.complete(idx(2));
  fake.complete(idx(3));
  EXPECT_EQ(journal->deliveredSeq(), 0u) << "seq 1 not acked yet";
  fake.complete(idx(1));
  EXPECT_EQ(journal->deliveredSeq(), 3u);
  EXPECT_EQ(pump.stats().delivered_seq, 3u);
  fake.complete(idx(4));
  EXPECT_EQ(journal->deliveredSeq(), 4u);
}

TEST_F(DeliveryPumpTest, StartsAfterThePersistedDeliveredPosition) {
  append(5);
  journal->markDelivered(3);
  DeliveryPump pump(*journal, fake, clock, options());
  pump.tick();
  fake.accept();
  auto recs = fake.records();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(seqOf(recs[0]), 4u);
}

TEST_F(DeliveryPumpTest, BacklogReplayIsRateLimited) {
  append(50);
  DeliveryPump pump(*journal, fake, clock, options(100, 5));
  pump.tick();
  fake.accept();
  EXPECT_EQ(fake.records().size(), 5u) << "burst = one second of tokens";
  pump.tick();
  EXPECT_EQ(fake.records().size(), 5u);
  clock.advance(milliseconds(400));
  pump.tick();
  EXPECT_EQ(fake.records().size(), 7u);
  clock.advance(seconds(10));
  pump.tick();
  EXPECT_EQ(fake.records().size(), 12u) << "bucket holds at most one second of tokens";
  for (int i = 0; i < 20; ++i) {
    clock.advance(seconds(1));
    pump.tick();
  }
  EXPECT_EQ(fake.records().size(), 50u);
}

TEST_F(DeliveryPumpTest, ResendAfterReconnectIsByteIdenticalAndSkipsAckedOnes) {
  append(5);
  DeliveryPump pump(*journal, fake, clock, options());
  pump.tick();
  fake.accept();
  const auto first = fake.records();
  fake.complete(idx(1));
  fake.complete(idx(3));  // acked but not contiguous
  EXPECT_EQ(journal->deliveredSeq(), 1u);
  fake.drop();
  EXPECT_FALSE(pump.stats().connected);
  const size_t before = fake.sent.size();
  pump.tick();
  EXPECT_EQ(fake.connect_calls, 1) << "reconnect waits for the backoff delay";
  clock.advance(milliseconds(1000));
  pump.tick();
  EXPECT_EQ(fake.connect_calls, 2);
  fake.accept();
  std::vector<uint64_t> resent;
  for (size_t i = before; i < fake.sent.size(); ++i) {
    if (fake.sent[i].topic.find("/status") != std::string::npos) continue;
    resent.push_back(seqOf(fake.sent[i]));
    EXPECT_EQ(fake.sent[i].payload, first[resent.back() - 1].payload);
  }
  EXPECT_EQ(resent, (std::vector<uint64_t>{2, 4, 5}));
  EXPECT_EQ(pump.stats().resent, 3u);
  fake.complete(idx(2, before));
  EXPECT_EQ(journal->deliveredSeq(), 3u) << "seq 3 was acked in the earlier session";
}

TEST_F(DeliveryPumpTest, LateAckFromALostSessionIsIgnored) {
  append(2);
  DeliveryPump pump(*journal, fake, clock, options());
  pump.tick();
  fake.accept();
  const size_t old1 = idx(1);
  fake.drop();
  fake.complete(old1);  // completion arriving after the loss
  EXPECT_EQ(journal->deliveredSeq(), 0u);
}

TEST_F(DeliveryPumpTest, ConnectFailuresBackOffExponentiallyCappedWithJitter) {
  DeliveryPump pump(*journal, fake, clock, options());
  pump.tick();
  ASSERT_EQ(fake.connect_calls, 1);
  std::vector<milliseconds> gaps;
  for (int attempt = 0; attempt < 7; ++attempt) {
    fake.refuse();
    const auto start = clock.steadyNow();
    while (fake.connect_calls == attempt + 1) {
      clock.advance(milliseconds(50));
      pump.tick();
      ASSERT_LT(clock.steadyNow() - start, seconds(20)) << "no retry scheduled";
    }
    gaps.push_back(std::chrono::duration_cast<milliseconds>(clock.steadyNow() - start));
  }
  // base 1,2,4,8,8,8,8 s with jitter in [base/2, base]
  const int bases[] = {1000, 2000, 4000, 8000, 8000, 8000, 8000};
  for (size_t i = 0; i < gaps.size(); ++i) {
    EXPECT_GE(gaps[i].count(), bases[i] / 2 - 50) << i;
    EXPECT_LE(gaps[i].count(), bases[i] + 50) << i;
  }
  EXPECT_EQ(pump.stats().connect_failures, 7u);
  EXPECT_NE(pump.stats().last_error.find("auth"), std::string::npos);
  fake.accept();
  EXPECT_TRUE(pump.stats().connected);
}

TEST_F(DeliveryPumpTest, PublishFailurePausesThenResendsFromFirstUnacked) {
  append(3);
  DeliveryPump pump(*journal, fake, clock, options());
  pump.tick();
  fake.accept();
  fake.complete(idx(1));
  const size_t before = fake.sent.size();
  fake.complete(idx(2), false);
  EXPECT_EQ(fake.sent.size(), before) << "pause after a refused publish";
  fake.complete(idx(3));  // old window: ignored
  EXPECT_EQ(journal->deliveredSeq(), 1u);
  clock.advance(seconds(2));
  pump.tick();
  ASSERT_GT(fake.sent.size(), before);
  EXPECT_EQ(seqOf(fake.sent[before]), 2u);
  EXPECT_EQ(pump.stats().failed, 1u);
}

TEST_F(DeliveryPumpTest, RecordsWithSeqGapsStillAdvanceDelivered) {
  // A journal may skip seqs (lost in a crash, announced by a gap record); contiguity is over
  // the records that exist, not over seq+1.
  class GappyJournal final : public journal::Journal {
   public:
    Result<journal::StoredRecord> append(nlohmann::json) override {
      return makeError(ErrorKind::kInternal, "unused");
    }
    std::vector<journal::StoredRecord> read(uint64_t since, size_t max,
                                            const std::string&) const override {
      std::vector<journal::StoredRecord> out;
      for (uint64_t s : {1, 2, 5, 6}) {
        if (s > since && out.size() < max) out.push_back({s, "gap", std::to_string(s), true});
      }
      return out;
    }
    uint64_t lastSeq() const override { return 6; }
    uint64_t deliveredSeq() const override { return delivered; }
    void markDelivered(uint64_t s) override { delivered = s; }
    Status flush() override { return Status::Ok(); }
    uint64_t delivered = 0;
  } gappy;
  DeliveryPump pump(gappy, fake, clock, options());
  pump.tick();
  fake.accept();
  auto recs = fake.records();
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[2].topic, "up/v1/sch1/dev1/gap");
  for (size_t i = 1; i < fake.sent.size(); ++i) fake.complete(i);
  EXPECT_EQ(gappy.delivered, 6u);
}

// Issue 9 point 6: a record the journal cannot read (injected short read) is never stepped
// over: the pump sends what comes before it, retries on later ticks, and the delivered
// position never passes it.
TEST_F(DeliveryPumpTest, UnreadableRecordIsRetriedNeverSkipped) {
  journal::testing::TempDir dir;
  journal::testing::ReadFault fault;
  fault.victim = 2;  // append() numbers "n" from 0: seq 3
  journal::JournalOptions o;
  o.dir = dir.path() + "/j";
  o.device_id = "dev1";
  o.read_at = fault.hook();
  auto fj = journal::openFileJournal(o, clock);
  ASSERT_TRUE(fj.ok());
  journal = std::move(*fj);
  append(5);  // "n" 0..4 = seq 1..5; seq 3 is unreadable
  DeliveryPump pump(*journal, fake, clock, options());
  pump.tick();
  fake.accept();
  ASSERT_EQ(fake.records().size(), 2u);
  for (size_t i = 1; i < fake.sent.size(); ++i) fake.complete(i);
  EXPECT_EQ(journal->deliveredSeq(), 2u);
  for (int i = 0; i < 10; ++i) {
    clock.advance(milliseconds(200));
    pump.tick();
  }
  EXPECT_EQ(fake.records().size(), 2u) << "nothing after the unreadable record may go out";
  EXPECT_EQ(journal->deliveredSeq(), 2u);
  EXPECT_EQ(journal->readFailures(), 1u);
  fault.armed = false;  // the disk recovers
  pump.tick();
  auto recs = fake.records();
  ASSERT_EQ(recs.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(seqOf(recs[i]), i + 1);
  for (size_t i = 0; i < fake.sent.size(); ++i)
    if (fake.sent[i].on_done) fake.complete(i);
  EXPECT_EQ(journal->deliveredSeq(), 5u);
}

TEST_F(DeliveryPumpTest, AlertStateIsRetainedUnderAlertSlashState) {
  append(1, "alert_state");
  DeliveryPump pump(*journal, fake, clock, options());
  pump.tick();
  fake.accept();
  ASSERT_EQ(fake.records().size(), 1u);
  EXPECT_EQ(fake.records()[0].topic, "up/v1/sch1/dev1/alert/state");
  EXPECT_TRUE(fake.records()[0].retain);
}

}  // namespace
}  // namespace uplinkprobe::publish
