// The ingest contract end to end, with a real mosquitto, the real `uplinkprobe-collector run`
// and a real database (SQLite file; PostgreSQL started by the test):
//  (a) a message is acknowledged only after its row is committed: kill -9 the collector ten
//      times during a burst of 3000 records, restart it each time; afterwards the database
//      holds every record exactly once;
//  (b) hostile messages (oversize, bad UTF-8, bad JSON, schema failure, topic/payload
//      mismatch, unknown kind) land in `rejected` with their reason and ingest goes on;
//  (c) re-sent copies are not stored twice.
// Bounded: every wait has a deadline; counts are asserted, never rates.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "collector/db/database.h"
#include "tests/integration/publish/mosquitto_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/collector_db.h"
#include "tests/support/temp_dir.h"

namespace uplinkprobe::testing {
namespace {

using namespace std::chrono_literals;
using publish::testing::Mosquitto;

const std::string kBin = UPLINKPROBE_COLLECTOR_BIN;
const std::string kPrefix = "e2e/v1";

std::string recordLine(const std::string& school, const std::string& device, int seq,
                       const std::string& journal = "00000000000000aa") {
  return nlohmann::json{{"schema", "uplinkprobe/1"},
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
                        {"event", "agent_started"}}
      .dump();
}

int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

class CollectorIngest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(broker_.start()) << broker_.log();
    if (GetParam() == "sqlite") {
      url_ = "sqlite://" + dir_ + "/ledger.db";
    } else {
      auto& pg = sharedPostgres();
      ASSERT_TRUE(pg.ok()) << pg.error();
      static int n = 0;
      const std::string name = "e2e" + std::to_string(getpid()) + "_" + std::to_string(++n);
      ASSERT_TRUE(pg.createDatabase(name)) << pg.error();
      url_ = pg.url(name);
    }
    writeFile(dir_ + "/collector.toml",
              "[mqtt]\nuri = \"" + broker_.uri() + "\"\nclient_id = \"e2e-collector\"\n" +
                  "topic_prefix = \"" + kPrefix + "\"\n[database]\nurl = \"" + url_ +
                  "\"\n[http]\nlisten = \"127.0.0.1:0\"\n");
  }
  void TearDown() override {
    collector_.reset();
    if (HasFailure())
      std::fprintf(stderr, "collector stderr:\n%s\n", readFile(dir_ + "/c.err").c_str());
  }

  std::size_t subacks() {
    const std::string log = broker_.log(), needle = "Sending SUBACK to e2e-collector";
    std::size_t n = 0;
    for (auto p = log.find(needle); p != std::string::npos; p = log.find(needle, p + 1)) ++n;
    return n;
  }
  // Starts the collector and waits until its subscription is acknowledged.
  void startCollector() {
    const std::size_t before = subacks();
    collector_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kBin, "run", "--config", dir_ + "/collector.toml"},
        dir_ + "/c.out", dir_ + "/c.err");
    ASSERT_TRUE(waitFor([&] { return subacks() > before || !collector_->running(); }, 20s));
    ASSERT_TRUE(collector_->running()) << readFile(dir_ + "/c.err");
  }
  // PUBLISH packets the broker has sent to the collector (first deliveries and resends).
  std::size_t sentToCollector() {
    const std::string log = broker_.log(), needle = "Sending PUBLISH to e2e-collector";
    std::size_t n = 0;
    for (auto p = log.find(needle); p != std::string::npos; p = log.find(needle, p + 1)) ++n;
    return n;
  }
  // A second connection holding a write lock on `records`: the collector's inserts wait
  // (reads go on) until the returned connection rolls back.
  std::unique_ptr<collector::db::Database> lockRecords() {
    auto d = collector::db::openDatabase(url_);
    EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
    if (!d.ok()) return nullptr;
    std::unique_ptr<collector::db::Database> locker = std::move(*d);
    EXPECT_TRUE(locker->begin().ok());
    if (locker->dialect() == collector::db::Dialect::kPostgres) {
      EXPECT_TRUE(locker->exec("LOCK TABLE records IN EXCLUSIVE MODE").ok());
    }
    return locker;
  }
  void kill9() {
    collector_->signal(SIGKILL);
    collector_->wait(5s);
    collector_.reset();
  }

  collector::db::Database& db() {
    if (!db_) {
      auto d = collector::db::openDatabase(url_);
      EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
      if (d.ok()) db_ = std::move(*d);
    }
    return *db_;
  }
  std::int64_t count(const std::string& sql) {
    auto r = db().query(sql);
    if (!r.ok() || r->empty()) return -1;  // table not created yet
    return collector::db::asInt(r->rows[0][0]).value_or(-1);
  }
  std::int64_t records() { return count("SELECT COUNT(*) FROM records"); }
  std::multiset<std::string> rejectedReasons() {
    std::multiset<std::string> out;
    auto r = db().query("SELECT reason FROM rejected");
    if (r.ok()) {
      for (auto& row : r->rows) out.insert(collector::db::asText(row[0]).value_or("?"));
    }
    return out;
  }

  // Publishes lines (one message each) with QoS 1 via mosquitto_pub.
  void publishLines(const std::string& topic, const std::vector<std::string>& lines) {
    static int n = 0;
    const std::string file = dir_ + "/lines" + std::to_string(++n);
    {
      std::ofstream f(file);
      for (const auto& l : lines) f << l << "\n";
    }
    EXPECT_EQ(sh("mosquitto_pub -h 127.0.0.1 -p " + std::to_string(broker_.port()) + " -q 1 -t '" +
                 topic + "' -l < " + file),
              0);
  }
  void publishFile(const std::string& topic, const std::string& payload) {
    const std::string file = dir_ + "/payload";
    std::ofstream(file, std::ios::binary) << payload;
    EXPECT_EQ(sh("mosquitto_pub -h 127.0.0.1 -p " + std::to_string(broker_.port()) + " -q 1 -t '" +
                 topic + "' -f " + file),
              0);
  }

  Mosquitto broker_;
  TempDir tmp_{"up-ingest-e2e-"};
  const std::string dir_ = tmp_.path();
  std::string url_;
  std::unique_ptr<ChildProcess> collector_;
  std::unique_ptr<collector::db::Database> db_;
};

TEST_P(CollectorIngest, KillNineTenTimesDuringABurstLosesNothingStoresOnce) {
  constexpr int kDevices = 3, kPerDevice = 1000, kRounds = 10;
  constexpr int kChunk = kPerDevice / kRounds;
  startCollector();
  for (int round = 0; round < kRounds; ++round) {
    // Even rounds hold the collector's commit with a lock from another connection, so the
    // kill surely lands while it holds delivered, un-acknowledged messages (a fast machine
    // stores a whole round before a timed kill). Odd rounds kill just after a commit, while
    // the rest of the round is in flight.
    const bool hold_commit = round % 2 == 0;
    std::unique_ptr<collector::db::Database> locker;
    if (hold_commit) locker = lockRecords();
    // Counted after the lock: until then the restarted collector may still be storing the
    // previous round's re-deliveries.
    const std::int64_t before = std::max<std::int64_t>(0, records());
    const std::size_t sent_before = sentToCollector();
    std::vector<std::thread> publishers;
    for (int d = 0; d < kDevices; ++d) {
      std::vector<std::string> lines;
      for (int i = 1; i <= kChunk; ++i) {
        lines.push_back(
            recordLine("s" + std::to_string(d), "d" + std::to_string(d), round * kChunk + i));
      }
      publishers.emplace_back([this, d, lines] {
        publishLines(kPrefix + "/s" + std::to_string(d) + "/d" + std::to_string(d) + "/event",
                     lines);
      });
    }
    if (hold_commit) {
      ASSERT_TRUE(waitFor([&] { return sentToCollector() > sent_before; }, 20s))
          << "round " << round << ": the broker never delivered to the collector";
      kill9();
      EXPECT_EQ(records(), before) << "round " << round << ": a commit got past the lock";
      ASSERT_TRUE(locker->rollback().ok());
    } else {
      ASSERT_TRUE(waitFor([&] { return records() > before; }, 20s)) << "round " << round;
      kill9();
    }
    for (auto& t : publishers) t.join();
    startCollector();
  }
  const std::int64_t expected = kDevices * kPerDevice;
  ASSERT_TRUE(waitFor([&] { return records() >= expected; }, 60s))
      << records() << " of " << expected;
  std::this_thread::sleep_for(500ms);  // anything stored twice would show now
  EXPECT_EQ(records(), expected);
  EXPECT_EQ(count("SELECT COUNT(*) FROM (SELECT device_id, journal_id, seq FROM records "
                  "GROUP BY device_id, journal_id, seq) k"),
            expected)
      << "each (device_id, journal_id, seq) exactly once";
  EXPECT_EQ(rejectedReasons().size(), 0u);
  const std::string log = broker_.log();
  std::size_t redelivered = 0;
  for (auto p = log.find("to e2e-collector (d1"); p != std::string::npos;
       p = log.find("to e2e-collector (d1", p + 1)) {
    ++redelivered;
  }
  std::fprintf(stderr, "messages redelivered by the broker: %zu\n", redelivered);
  EXPECT_GT(redelivered, 0u) << "the broker redelivered nothing after the held-commit kills";
}

TEST_P(CollectorIngest, HostileMessagesAreRejectedWithTheirReasonAndIngestGoesOn) {
  startCollector();
  const std::string t = kPrefix + "/s1/d1/event";
  publishFile(t, std::string(70000, 'x'));                                // above max_payload_bytes
  publishFile(t, std::string("{\"a\":\"\xFF\xFE\"}"));                    // not UTF-8
  publishLines(t, {"{oops"});                                             // not JSON
  publishLines(t, {R"({"schema":"uplinkprobe/1","kind":"event"})"});      // schema
  publishLines(kPrefix + "/s2/d1/event", {recordLine("s1", "d1", 1)});    // topic mismatch
  publishLines(kPrefix + "/s1/d1/weather", {recordLine("s1", "d1", 2)});  // unknown kind
  publishLines(t, {recordLine("s1", "d1", 3)});  // a good one after all that
  ASSERT_TRUE(waitFor([&] { return rejectedReasons().size() >= 6 && records() >= 1; }, 20s))
      << rejectedReasons().size() << " rejected, " << records() << " stored";
  EXPECT_EQ(rejectedReasons(), (std::multiset<std::string>{"too_large", "utf8", "json", "schema",
                                                           "topic_mismatch", "unknown_kind"}));
  EXPECT_EQ(records(), 1);
  EXPECT_TRUE(collector_->running());
  auto heads = db().query("SELECT head FROM rejected WHERE reason = 'utf8'");
  ASSERT_TRUE(heads.ok());
  ASSERT_EQ(heads->size(), 1u);
  EXPECT_EQ(collector::db::asText(heads->rows[0][0]), "{\"a\":\"\\xFF\\xFE\"}");
}

TEST_P(CollectorIngest, ResentCopiesAreNotStoredTwice) {
  startCollector();
  const std::string t = kPrefix + "/s1/d1/event";
  publishLines(t, {recordLine("s1", "d1", 1), recordLine("s1", "d1", 2), recordLine("s1", "d1", 1),
                   recordLine("s1", "d1", 1), recordLine("s1", "d1", 2)});
  ASSERT_TRUE(waitFor([&] { return records() >= 2; }, 20s));
  // All five were acknowledged (the broker got a PUBACK for each), two stored.
  ASSERT_TRUE(waitFor(
      [&] {
        const std::string log = broker_.log();
        std::size_t n = 0;
        for (auto p = log.find("Received PUBACK from e2e-collector"); p != std::string::npos;
             p = log.find("Received PUBACK from e2e-collector", p + 1)) {
          ++n;
        }
        return n >= 5;
      },
      20s));
  EXPECT_EQ(records(), 2);
  EXPECT_EQ(rejectedReasons().size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, CollectorIngest, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace uplinkprobe::testing
