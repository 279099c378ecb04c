// Ingestor: batching, acknowledgement only after the commit returned ok, retry and abandon
// on database errors, rejections in the same commit; then with the real RecordStore on
// SQLite and PostgreSQL and the embedded schemas: records stored once, duplicates counted,
// hostile messages in `rejected`. Real threads and timers (the worker, the 50 ms batch
// window), no broker: messages are injected as the MQTT client would hand them over.
#include "collector/ingest/ingestor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "collector/store/schema.h"
#include "tests/support/collector_db.h"

namespace uplinkprobe::collector {
namespace {

using namespace std::chrono_literals;

const std::string kPrefix = "uplinkprobe/v1";

// An agent-shaped event record (envelope + event), valid against docs/schema/event.json.
std::string eventPayload(const std::string& school, const std::string& device, int seq,
                         const std::string& journal = "0123456789abcdef") {
  nlohmann::json r = {{"schema", "uplinkprobe/1"},
                      {"kind", "event"},
                      {"id", device + ":" + journal + ":" + std::to_string(seq)},
                      {"journal_id", journal},
                      {"seq", seq},
                      {"device_id", device},
                      {"school_id", school},
                      {"ts", "2026-12-01T08:00:00.000Z"},
                      {"clock_synced", true},
                      {"boot_id", "b0"},
                      {"agent_version", "0.1.0"},
                      {"event", "agent_started"}};
  return r.dump();
}

mqtt::InboundMessage msg(std::uint16_t id, std::string topic, std::string payload,
                         std::uint64_t conn = 1) {
  mqtt::InboundMessage m;
  m.connection = conn;
  m.packet_id = id;
  m.qos = 1;
  m.topic = std::move(topic);
  m.payload = std::move(payload);
  return m;
}

// Runs an io_context on its own thread; the test posts onto it.
class Loop {
 public:
  Loop() : guard_(asio::make_work_guard(io)), thread_([this] { io.run(); }) {}
  ~Loop() {
    guard_.reset();
    io.stop();
    thread_.join();
  }
  void post(std::function<void()> f) { asio::post(io, std::move(f)); }
  asio::io_context io;

 private:
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

bool waitUntil(const std::function<bool()>& pred, std::chrono::milliseconds t = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + t;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

struct Recorder {
  std::mutex mu;
  std::vector<std::pair<std::uint64_t, std::uint16_t>> acks;
  std::vector<std::size_t> batch_sizes;
  std::vector<Rejection> rejections;
  std::size_t ackCount() {
    std::lock_guard<std::mutex> g(mu);
    return acks.size();
  }
};

// Holds commits until the test opens it (a database that is slow to commit).
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  void wait() {
    std::unique_lock<std::mutex> lk(mu);
    cv.wait(lk, [&] { return open; });
  }
  void release() {
    {
      std::lock_guard<std::mutex> g(mu);
      open = true;
    }
    cv.notify_all();
  }
};

TEST(Ingestor, AcksOnlyAfterTheCommitReturnsAndInOrder) {
  Loop loop;
  Recorder rec;
  IngestMetrics metrics;
  Gate gate;
  std::atomic<int> commits_started{0};
  IngestOptions o;
  o.topic_prefix = kPrefix;
  o.max_batch = 10;
  Ingestor ing(
      loop.io, o, nullptr,
      [&](const std::vector<ValidRecord>& v,
          const std::vector<Rejection>& r) -> Result<BatchOutcome> {
        commits_started++;
        gate.wait();
        return BatchOutcome{v.size(), 0, r.size()};
      },
      [&](std::uint64_t c, std::uint16_t id) {
        std::lock_guard<std::mutex> g(rec.mu);
        rec.acks.push_back({c, id});
      },
      metrics);
  loop.post([&] {
    for (int i = 1; i <= 10; ++i) {
      ing.onMessage(msg(static_cast<std::uint16_t>(100 + i), kPrefix + "/s1/d1/event",
                        eventPayload("s1", "d1", i)));
    }
  });
  ASSERT_TRUE(waitUntil([&] { return commits_started == 1; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(rec.ackCount(), 0u) << "nothing acknowledged while the commit runs";
  EXPECT_EQ(metrics.pending, 10u);
  gate.release();
  ASSERT_TRUE(waitUntil([&] { return rec.ackCount() == 10; }));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(rec.acks[i].second, 101 + i) << "reception order";
  EXPECT_EQ(metrics.stored, 10u);
  EXPECT_EQ(metrics.pending, 0u);
  EXPECT_EQ(metrics.batches, 1u);
  EXPECT_EQ(metrics.commit_latency.count, 1u);
}

TEST(Ingestor, BatchesCloseBySizeOrByTime) {
  Loop loop;
  Recorder rec;
  IngestMetrics metrics;
  IngestOptions o;
  o.topic_prefix = kPrefix;
  o.max_batch = 500;
  o.max_commit = 500;  // no merging here (see BatchesQueuedBehindACommitAreMerged)
  o.batch_delay = 50ms;
  Ingestor ing(
      loop.io, o, nullptr,
      [&](const std::vector<ValidRecord>& v,
          const std::vector<Rejection>& r) -> Result<BatchOutcome> {
        std::lock_guard<std::mutex> g(rec.mu);
        rec.batch_sizes.push_back(v.size() + r.size());
        return BatchOutcome{v.size(), 0, r.size()};
      },
      [&](std::uint64_t c, std::uint16_t id) {
        std::lock_guard<std::mutex> g(rec.mu);
        rec.acks.push_back({c, id});
      },
      metrics);
  loop.post([&] {
    for (int i = 1; i <= 1200; ++i) {
      ing.onMessage(msg(static_cast<std::uint16_t>(i), kPrefix + "/s1/d1/event",
                        eventPayload("s1", "d1", i)));
    }
  });
  ASSERT_TRUE(waitUntil([&] { return rec.ackCount() == 1200; }));
  std::lock_guard<std::mutex> g(rec.mu);
  EXPECT_EQ(rec.batch_sizes, (std::vector<std::size_t>{500, 500, 200}));
}

TEST(Ingestor, BatchesQueuedBehindACommitAreMerged) {
  Loop loop;
  Recorder rec;
  IngestMetrics metrics;
  Gate gate;
  std::atomic<int> schema_calls{0};
  IngestOptions o;
  o.topic_prefix = kPrefix;
  o.max_batch = 100;
  o.max_commit = 250;
  Ingestor ing(
      loop.io, o,
      [&](std::string_view, const nlohmann::json&) -> std::optional<std::string> {
        ++schema_calls;
        return std::nullopt;
      },
      [&](const std::vector<ValidRecord>& v,
          const std::vector<Rejection>& r) -> Result<BatchOutcome> {
        {
          std::lock_guard<std::mutex> g(rec.mu);
          rec.batch_sizes.push_back(v.size());
        }
        gate.wait();
        return BatchOutcome{v.size(), 0, r.size()};
      },
      [&](std::uint64_t c, std::uint16_t id) {
        std::lock_guard<std::mutex> g(rec.mu);
        rec.acks.push_back({c, id});
      },
      metrics);
  auto post = [&](int from, int to) {
    loop.post([&, from, to] {
      for (int i = from; i <= to; ++i) {
        ing.onMessage(msg(static_cast<std::uint16_t>(i), kPrefix + "/s1/d1/event",
                          eventPayload("s1", "d1", i)));
      }
    });
  };
  post(1, 100);  // first commit starts and blocks
  ASSERT_TRUE(waitUntil([&] {
    std::lock_guard<std::mutex> g(rec.mu);
    return rec.batch_sizes.size() == 1;
  }));
  post(101, 500);  // four batches of 100 queue behind it
  // Every batch checked (the checker keeps up to 2 × max_commit ready) before the commit
  // returns.
  ASSERT_TRUE(waitUntil([&] { return schema_calls == 500; }));
  gate.release();
  ASSERT_TRUE(waitUntil([&] { return rec.ackCount() == 500; }));
  std::lock_guard<std::mutex> g(rec.mu);
  EXPECT_EQ(rec.batch_sizes, (std::vector<std::size_t>{100, 200, 200}))
      << "merged up to max_commit (250): 2 + 2 batches of 100";
  for (int i = 0; i < 500; ++i) ASSERT_EQ(rec.acks[i].second, i + 1) << "reception order";
}

TEST(Ingestor, TheNextBatchIsCheckedWhileACommitRuns) {
  // The pipeline: parsing and validating batch 2 must not wait for batch 1's commit (the
  // database's round trips and fsync), or the two costs add up per record.
  Loop loop;
  Recorder rec;
  IngestMetrics metrics;
  Gate gate;
  std::atomic<int> commits_started{0}, schema_calls{0};
  IngestOptions o;
  o.topic_prefix = kPrefix;
  o.max_batch = 10;
  Ingestor ing(
      loop.io, o,
      [&](std::string_view, const nlohmann::json&) -> std::optional<std::string> {
        ++schema_calls;
        return std::nullopt;
      },
      [&](const std::vector<ValidRecord>& v,
          const std::vector<Rejection>& r) -> Result<BatchOutcome> {
        commits_started++;
        gate.wait();
        return BatchOutcome{v.size(), 0, r.size()};
      },
      [&](std::uint64_t c, std::uint16_t id) {
        std::lock_guard<std::mutex> g(rec.mu);
        rec.acks.push_back({c, id});
      },
      metrics);
  auto post = [&](int from, int to) {
    loop.post([&, from, to] {
      for (int i = from; i <= to; ++i)
        ing.onMessage(msg(static_cast<std::uint16_t>(i), kPrefix + "/s1/d1/event",
                          eventPayload("s1", "d1", i)));
    });
  };
  post(1, 10);
  ASSERT_TRUE(waitUntil([&] { return commits_started == 1; }));
  post(11, 20);
  EXPECT_TRUE(waitUntil([&] { return schema_calls == 20; }))
      << "batch 2 was not checked while batch 1's commit ran (" << schema_calls << " checks)";
  EXPECT_EQ(commits_started, 1);
  EXPECT_EQ(rec.ackCount(), 0u);
  gate.release();
  ASSERT_TRUE(waitUntil([&] { return rec.ackCount() == 20; }));
  std::lock_guard<std::mutex> g(rec.mu);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(rec.acks[i].second, i + 1) << "reception order";
  EXPECT_EQ(metrics.stored, 20u);
}

TEST(Ingestor, DatabaseErrorIsRetriedThenAcked) {
  Loop loop;
  Recorder rec;
  IngestMetrics metrics;
  IngestOptions o;
  o.topic_prefix = kPrefix;
  o.retry_initial = 10ms;
  std::atomic<int> calls{0};
  std::vector<std::size_t> seen;
  Ingestor ing(
      loop.io, o, nullptr,
      [&](const std::vector<ValidRecord>& v,
          const std::vector<Rejection>& r) -> Result<BatchOutcome> {
        seen.push_back(v.size());
        if (++calls <= 2) return makeError(ErrorKind::kDb, "database is locked");
        EXPECT_EQ(rec.ackCount(), 0u);
        return BatchOutcome{v.size(), 0, r.size()};
      },
      [&](std::uint64_t c, std::uint16_t id) {
        std::lock_guard<std::mutex> g(rec.mu);
        rec.acks.push_back({c, id});
      },
      metrics);
  loop.post([&] {
    for (int i = 1; i <= 3; ++i) {
      ing.onMessage(msg(static_cast<std::uint16_t>(i), kPrefix + "/s1/d1/event",
                        eventPayload("s1", "d1", i)));
    }
  });
  ASSERT_TRUE(waitUntil([&] { return rec.ackCount() == 3; }));
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(seen, (std::vector<std::size_t>{3, 3, 3})) << "the same batch, whole";
  EXPECT_EQ(metrics.commit_failures, 2u);
  EXPECT_EQ(metrics.stored, 3u);
}

TEST(Ingestor, PersistentDatabaseErrorAbandonsTheBatchUnacked) {
  Loop loop;
  Recorder rec;
  IngestMetrics metrics;
  IngestOptions o;
  o.topic_prefix = kPrefix;
  o.retry_initial = 5ms;
  o.max_attempts = 3;
  std::atomic<int> calls{0};
  std::atomic<bool> dropped{false};
  Ingestor ing(
      loop.io, o, nullptr,
      [&](const std::vector<ValidRecord>&, const std::vector<Rejection>&) -> Result<BatchOutcome> {
        ++calls;
        return makeError(ErrorKind::kDb, "disk full");
      },
      [&](std::uint64_t c, std::uint16_t id) {
        std::lock_guard<std::mutex> g(rec.mu);
        rec.acks.push_back({c, id});
      },
      metrics);
  ing.setStoreFailureHandler([&] { dropped = true; });
  loop.post([&] { ing.onMessage(msg(1, kPrefix + "/s1/d1/event", eventPayload("s1", "d1", 1))); });
  ASSERT_TRUE(waitUntil([&] { return dropped.load(); }));
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(rec.ackCount(), 0u);
  EXPECT_EQ(metrics.batches_abandoned, 1u);
  EXPECT_EQ(metrics.stored, 0u);
  // Later messages of the same (now dropped) connection are skipped: they come again.
  loop.post([&] { ing.onMessage(msg(2, kPrefix + "/s1/d1/event", eventPayload("s1", "d1", 2))); });
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(calls, 3);
}

TEST(Ingestor, RejectionsGoIntoTheSameCommit) {
  Loop loop;
  Recorder rec;
  IngestMetrics metrics;
  IngestOptions o;
  o.topic_prefix = kPrefix;
  o.limits.max_payload_bytes = 1024;
  Ingestor ing(
      loop.io, o, embeddedSchemaCheck(),
      [&](const std::vector<ValidRecord>& v,
          const std::vector<Rejection>& r) -> Result<BatchOutcome> {
        std::lock_guard<std::mutex> g(rec.mu);
        rec.batch_sizes.push_back(v.size());
        rec.rejections = r;
        return BatchOutcome{v.size(), 0, r.size()};
      },
      [&](std::uint64_t c, std::uint16_t id) {
        std::lock_guard<std::mutex> g(rec.mu);
        rec.acks.push_back({c, id});
      },
      metrics);
  loop.post([&] {
    ing.onMessage(msg(1, kPrefix + "/s1/d1/event", eventPayload("s1", "d1", 1)));
    ing.onMessage(msg(2, kPrefix + "/s1/d1/event", std::string(2000, 'x')));
    ing.onMessage(msg(3, kPrefix + "/s1/d1/event", "\xFF{}"));
    ing.onMessage(msg(4, kPrefix + "/s1/d1/event", "{oops"));
    ing.onMessage(msg(5, kPrefix + "/s1/d1/event", R"({"kind":"event"})"));
    ing.onMessage(msg(6, kPrefix + "/s9/d1/event", eventPayload("s1", "d1", 2)));
    ing.onMessage(msg(7, kPrefix + "/s1/d1/weather", eventPayload("s1", "d1", 3)));
    ing.onMessage(msg(8, kPrefix + "/s1/d1/cmd", "{}"));
  });
  ASSERT_TRUE(waitUntil([&] { return rec.ackCount() == 8; }));
  std::lock_guard<std::mutex> g(rec.mu);
  ASSERT_EQ(rec.batch_sizes, std::vector<std::size_t>{1});
  std::vector<std::string> reasons;
  for (const auto& r : rec.rejections) reasons.push_back(r.reason);
  EXPECT_EQ(reasons, (std::vector<std::string>{"too_large", "utf8", "json", "schema",
                                               "topic_mismatch", "unknown_kind"}));
  EXPECT_EQ(rec.rejections[0].head.size(), 512u);
  EXPECT_EQ(rec.rejections[1].head, "\\xFF{}");
  EXPECT_EQ(metrics.rejectedTotal(), 6u);
  EXPECT_EQ(metrics.rejectedFor(RejectReason::kSchema), 1u);
  EXPECT_EQ(metrics.ignored, 1u);
}

class IngestorStore : public ::testing::TestWithParam<std::string> {};

TEST_P(IngestorStore, StoresOnceCountsDuplicatesKeepsRejected) {
  auto db = uplinkprobe::testing::openTestDatabase(GetParam());
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(migrateStore(*db).ok());
  RecordStore store(*db);
  Loop loop;
  Recorder rec;
  IngestMetrics metrics;
  IngestOptions o;
  o.topic_prefix = kPrefix;
  o.max_batch = 100;
  Ingestor ing(
      loop.io, o, embeddedSchemaCheck(),
      [&](const std::vector<ValidRecord>& v, const std::vector<Rejection>& r) {
        return store.commitBatch(v, r);
      },
      [&](std::uint64_t c, std::uint16_t id) {
        std::lock_guard<std::mutex> g(rec.mu);
        rec.acks.push_back({c, id});
      },
      metrics);
  loop.post([&] {
    std::uint16_t id = 0;
    for (int seq = 1; seq <= 250; ++seq) {
      ing.onMessage(msg(++id, kPrefix + "/s1/d1/event", eventPayload("s1", "d1", seq)));
    }
    for (int seq = 1; seq <= 50; ++seq) {  // re-sent copies
      ing.onMessage(msg(++id, kPrefix + "/s1/d1/event", eventPayload("s1", "d1", seq)));
    }
    ing.onMessage(msg(++id, kPrefix + "/s1/d1/event", "not json"));
  });
  ASSERT_TRUE(waitUntil([&] { return rec.ackCount() == 301; }));
  EXPECT_EQ(metrics.stored, 250u);
  EXPECT_EQ(metrics.duplicates, 50u);
  EXPECT_EQ(metrics.rejectedFor(RejectReason::kJson), 1u);
  auto n = db->query("SELECT COUNT(*) FROM records");
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(db::asInt(n->rows.at(0).at(0)), 250);
  auto rj = db->query("SELECT reason FROM rejected");
  ASSERT_TRUE(rj.ok()) << rj.error().message;
  ASSERT_EQ(rj->size(), 1u);
  EXPECT_EQ(db::asText(rj->rows.at(0).at(0)), "json");
}

INSTANTIATE_TEST_SUITE_P(Backends, IngestorStore, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace uplinkprobe::collector
