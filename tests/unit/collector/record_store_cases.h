// Store cases shared by the SQLite unit test and the PostgreSQL integration test.
#pragma once

#include <gtest/gtest.h>

#include "collector/store/record_store.h"

#include "collector/db/database.h"
#include "collector/store/schema.h"
#include "tests/support/collector_db.h"
#include "tests/support/collector_records.h"

namespace uplinkprobe::collector {
namespace store_cases {

using namespace uplinkprobe::testing;

class RecordStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = openTestDatabase(GetParam());
    ASSERT_TRUE(db_);
    auto v = migrateStore(*db_);
    ASSERT_TRUE(v) << v.error().message;
    StoreOptions o;
    o.local_clock = fixedOffsetClock(480);
    o.school_hours = *SchoolHours::parse({"Mon-Fri 08:00-17:00"});
    o.now_ms = [this] { return now_; };
    store_ = std::make_unique<RecordStore>(*db_, o);
  }
  int64_t count(const std::string& sql) {
    auto r = db_->query(sql);
    EXPECT_TRUE(r) << r.error().message;
    return r ? db::asInt(r->rows.at(0).at(0)).value_or(-1) : -1;
  }
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<RecordStore> store_;
  int64_t now_ = utcMs(2026, 12, 2, 2, 0);
};

TEST_P(RecordStoreTest, StoresOnceAndCountsResentCopies) {
  const int64_t t = utcMs(2026, 12, 1, 2, 0);  // Tue 10:00 Beijing
  std::vector<ValidRecord> batch = {valid(throughputRecord("S1", "D1", "j1", 1, t, 180, 40)),
                                    valid(throughputRecord("S1", "D1", "j1", 2, t + 1000, 90, 30)),
                                    valid(throughputRecord("S1", "D1", "j1", 2, t + 1000, 90, 30))};
  auto a = store_->commitBatch(batch, {});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->stored, 2u);
  EXPECT_EQ(a->duplicates, 1u);
  auto b = store_->commitBatch(batch, {});
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->stored, 0u);
  EXPECT_EQ(b->duplicates, 3u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM records"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM tests WHERE counted = 1 AND meets_target = 1"), 1);
  EXPECT_EQ(count("SELECT tests FROM school_days WHERE school_id = 'S1' AND day = '2026-12-01'"),
            2);
  EXPECT_EQ(count("SELECT local_mow FROM records WHERE seq = 1"), 1 * 1440 + 600);
  // The same seq in another journal is another record.
  auto c = store_->commitBatch({valid(throughputRecord("S1", "D1", "j2", 1, t, 100, 40))}, {});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->stored, 1u);
}

// Method "udp" records (issue 17) keep TCP's download/upload null and their IP capacity in
// udp.download / udp.upload: the tests row and the ledger's daily roll-up read it there.
TEST_P(RecordStoreTest, UdpRecordsCountWithTheirUdpIpCapacity) {
  const int64_t t = utcMs(2026, 12, 1, 2, 0);  // Tue 10:00 Beijing
  auto udp = throughputRecord("S1", "D1", "j1", 1, t, 0, 0);
  udp["method"] = "udp";
  udp["download"] = nullptr;
  udp["upload"] = nullptr;
  udp["udp"] = {{"download", {{"ip_capacity_mbps", 48.5}, {"error", nullptr}}},
                {"upload", {{"ip_capacity_mbps", 9.5}, {"error", nullptr}}}};
  udp["verdict"] = {{"target_mbps", 50}, {"meets_target", true}, {"counted", true}};
  auto a = store_->commitBatch(
      {valid(udp), valid(throughputRecord("S1", "D1", "j1", 2, t + 1000, 90, 30))}, {});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(count("SELECT CAST(down_ip_mbps * 10 AS INTEGER) FROM tests WHERE seq = 1"), 485);
  EXPECT_EQ(count("SELECT CAST(up_ip_mbps * 10 AS INTEGER) FROM tests WHERE seq = 1"), 95);
  EXPECT_EQ(count("SELECT COUNT(*) FROM tests WHERE seq = 1 AND down_goodput_mbps IS NULL"), 1);
  // The TCP record beside it is read from download/upload as before.
  EXPECT_EQ(count("SELECT CAST(down_ip_mbps AS INTEGER) FROM tests WHERE seq = 2"), 90);
  // The day's roll-up of counted tests carries the UDP figure too.
  auto packed = db_->query("SELECT packed FROM test_days WHERE school_id = 'S1'");
  ASSERT_TRUE(packed) << packed.error().message;
  ASSERT_EQ(packed->rows.size(), 1u);
  EXPECT_NE(db::asText(packed->rows[0][0]).value_or("").find(",48.5,9.5,"), std::string::npos)
      << db::asText(packed->rows[0][0]).value_or("");
}

TEST_P(RecordStoreTest, HolesAndGapsShowPerJournal) {
  const int64_t t = utcMs(2026, 12, 1, 2, 0);
  std::vector<ValidRecord> batch;
  for (int64_t seq : {1, 2, 5, 6})
    batch.push_back(valid(availabilityRecord("S1", "D1", "j1", seq, t + seq * 300000, 300, 300)));
  auto gap = envelope("gap", "S1", "D1", "j1", 7, t + 7 * 300000);
  gap["first_seq"] = 3;
  gap["last_seq"] = 3;
  gap["count"] = 1;
  gap["reason"] = "evicted";
  batch.push_back(valid(gap));
  ASSERT_TRUE(store_->commitBatch(batch, {}));
  EXPECT_EQ(count("SELECT max_seq - min_seq + 1 - stored FROM journals"), 2);  // 3 and 4
  EXPECT_EQ(count("SELECT gap_announced FROM journals"), 1);
  EXPECT_EQ(count("SELECT CAST(school_up_s AS INTEGER) FROM school_days"), 1200);
}

TEST_P(RecordStoreTest, RejectionsStatusAndAlertStateInOneTransaction) {
  nlohmann::json status = {{"schema", "uplinkprobe/1"},  {"kind", "status"},
                           {"state", "online"},          {"device_id", "D9"},
                           {"school_id", "UNKNOWN-1"},   {"agent_version", "0.1.0"},
                           {"ts", utcStamp(now_ - 1000)}};
  auto as = envelope("alert_state", "UNKNOWN-1", "D9", "j9", 1, now_ - 500);
  as["open"] = true;
  as["breaches"] = nlohmann::json::array({{{"type", "throughput"}}});
  std::string bad = "{\"kind\":\"throughput\"\xff\xfe";
  auto r = store_->commitBatch({valid(status), valid(as)},
                               {{"uplinkprobe/v1/x/y/throughput", "json", bad}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->stored, 1u);
  EXPECT_EQ(r->rejected, 1u);
  EXPECT_EQ(count("SELECT open_alerts FROM devices WHERE device_id = 'D9'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM devices WHERE status_state = 'online'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM rejected WHERE reason = 'json'"), 1);
  // An older retained status does not overwrite a newer one.
  status["state"] = "offline";
  status["ts"] = utcStamp(now_ - 5000);
  ASSERT_TRUE(store_->commitBatch({valid(status)}, {}));
  EXPECT_EQ(count("SELECT COUNT(*) FROM devices WHERE status_state = 'online'"), 1);
}

TEST_P(RecordStoreTest, FailedBatchStoresNothing) {
  const int64_t t = utcMs(2026, 12, 1, 2, 0);
  ASSERT_TRUE(db_->exec("DROP TABLE outages"));
  auto o = envelope("outage", "S1", "D1", "j1", 2, t);
  o["start"] = utcStamp(t - 60000);
  o["end"] = utcStamp(t);
  o["duration_s"] = 60.0;
  o["class"] = "upstream";
  auto r = store_->commitBatch({valid(throughputRecord("S1", "D1", "j1", 1, t, 100, 40)), valid(o)},
                               {{"t", "json", "x"}});
  EXPECT_FALSE(r);
  EXPECT_EQ(count("SELECT COUNT(*) FROM records"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM record_keys"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM rejected"), 0);
}

}  // namespace store_cases
}  // namespace uplinkprobe::collector
