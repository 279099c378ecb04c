// StoreApiData cases shared by the SQLite unit test and the PostgreSQL integration test:
// real tables written by RecordStore, read through the API's data layer and routes.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "collector/api/api_handler.h"
#include "collector/api/store_api_data.h"
#include "collector/store/record_store.h"
#include "collector/store/schema.h"
#include "http/request_head_parser.h"
#include "tests/support/collector_db.h"
#include "tests/support/collector_records.h"

namespace uplinkprobe::collector::api::store_cases {

using namespace uplinkprobe::testing;
using nlohmann::json;

class StoreApiDataTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto db = openTestDatabase(GetParam());
    ASSERT_TRUE(db);
    ASSERT_TRUE(migrateStore(*db));
    for (auto [id, name, county] : {std::tuple{"S1", "一小", "南关区"}, {"S2", "二小", "朝阳区"}}) {
      ASSERT_TRUE(
          db->execute("INSERT INTO schools (school_id, name, province, city, county, "
                      "carrier, contracted_down_mbps, updated_ms) "
                      "VALUES (?, ?, '吉林省', '长春市', ?, '电信', 200, 0)",
                      {id, name, county}));
    }
    StoreOptions so;
    so.local_clock = fixedOffsetClock(480);
    so.now_ms = [this] { return now_; };
    RecordStore store(*db, so);
    std::vector<ValidRecord> b;
    // S1: five tests a day apart (seq 1..5), then a hole (seq 6 missing), then seq 7.
    for (int i = 0; i < 5; ++i) {
      b.push_back(valid(
          throughputRecord("S1", "D1", "j1", i + 1, utcMs(2026, 11, 25 + i, 2, 0), 150 + i, 30)));
    }
    b.push_back(
        valid(availabilityRecord("S1", "D1", "j1", 7, utcMs(2026, 12, 1, 3, 0), 3600, 3600)));
    b.push_back(valid(throughputRecord("X9", "D9", "m1", 1, utcMs(2026, 12, 1, 2, 0), 50, 10)));
    auto r = store.commitBatch(b, {});
    ASSERT_TRUE(r) << r.error().message;

    StoreApiDataOptions o;
    o.ledger.local_clock = fixedOffsetClock(480);
    o.now_ms = [this] { return now_; };
    data_ = std::make_unique<StoreApiData>(std::move(db), o);
  }

  std::string get(const std::string& target, int want_status = 200) {
    ApiHandler h(*data_);
    http::RequestHeadParser p;
    auto parsed = p.parse("GET " + target + " HTTP/1.1\r\n\r\n");
    EXPECT_EQ(parsed.state, http::HeadParseResult::State::kComplete);
    auto resp = h.respond(parsed.request, {});
    EXPECT_EQ(resp.status, want_status) << target << ": " << resp.body;
    return resp.body;
  }

  std::int64_t now_ = utcMs(2026, 12, 2, 4, 0);
  std::unique_ptr<StoreApiData> data_;
};

TEST_P(StoreApiDataTest, HealthAndLedgerByCounty) {
  EXPECT_TRUE(data_->health().ok());
  auto j = json::parse(get("/api/v1/ledger?by=county"));
  EXPECT_EQ(j["by"], "county");
  EXPECT_EQ(j["days"], 30);
  ASSERT_TRUE(j["groups"].is_array());
  bool nanguan = false;
  for (const auto& g : j["groups"]) {
    if (g["group"] == "南关区") {
      nanguan = true;
      EXPECT_EQ(g["schools"], 1);
      EXPECT_EQ(g["reporting"], 1);
    }
  }
  EXPECT_TRUE(nanguan) << j.dump();
  ASSERT_EQ(j["unknown_school_devices"].size(), 1u);
  EXPECT_EQ(j["unknown_school_devices"][0]["school_id"], "X9");
  auto s = json::parse(get("/api/v1/ledger?by=school&days=7"));
  EXPECT_EQ(s["schools"].size(), 2u);  // registry schools; X9 is in unknown_school_devices
}

TEST_P(StoreApiDataTest, SchoolWithDevicesAndMissingEvidence) {
  auto j = json::parse(get("/api/v1/schools/S1"));
  EXPECT_EQ(j["school_id"], "S1");
  EXPECT_EQ(j["name"], "一小");
  EXPECT_EQ(j["state"], "live");
  EXPECT_EQ(j["last_seen"].get<std::string>().back(), 'Z');
  ASSERT_EQ(j["device_list"].size(), 1u);
  EXPECT_EQ(j["device_list"][0]["device_id"], "D1");
  ASSERT_EQ(j["journals"].size(), 1u);
  EXPECT_EQ(j["journals"][0]["missing"], 1);  // seq 6
  EXPECT_EQ(j["missing_seq"], 1);
  EXPECT_EQ(json::parse(get("/api/v1/schools/S2"))["state"], "never");
  auto x9 = json::parse(get("/api/v1/schools/X9"));
  EXPECT_EQ(x9["in_registry"], false);
  EXPECT_EQ(x9["device_list"].size(), 1u);
  EXPECT_EQ(j["in_registry"], true);
  get("/api/v1/schools/nope", 404);
}

TEST_P(StoreApiDataTest, RecordsOldestFirstFilteredAndBounded) {
  auto all = json::parse(get("/api/v1/schools/S1/records"));
  ASSERT_EQ(all.size(), 6u);
  for (std::size_t i = 1; i < all.size(); ++i) {
    EXPECT_LE(all[i - 1]["ts"].get<std::string>(), all[i]["ts"].get<std::string>());
  }
  auto tp = json::parse(get("/api/v1/schools/S1/records?kind=throughput&limit=2"));
  ASSERT_EQ(tp.size(), 2u);
  EXPECT_EQ(tp[0]["seq"], 1);
  EXPECT_EQ(tp[1]["seq"], 2);
  auto since =
      json::parse(get("/api/v1/schools/S1/records?since=2026-11-28T00:00:00Z&kind=throughput"));
  ASSERT_EQ(since.size(), 2u);  // Nov 28 and 29
  EXPECT_EQ(since[0]["seq"], 4);
  auto avail = json::parse(get("/api/v1/schools/S1/records?kind=availability"));
  ASSERT_EQ(avail.size(), 1u);
  EXPECT_EQ(avail[0]["seq"], 7);
  EXPECT_EQ(json::parse(get("/api/v1/schools/S2/records")).size(), 0u);  // known, no records
  get("/api/v1/schools/nope/records", 404);
}

TEST_P(StoreApiDataTest, RegionGaugesAreCachedAndExportsNeedAnExporter) {
  MetricsText m;
  data_->writeMetrics(m);
  const std::string& t = m.text();
  EXPECT_NE(t.find("uplinkprobe_collector_region_schools{level=\"county\",region=\"南关区\"} 1\n"),
            std::string::npos)
      << t;
  EXPECT_NE(
      t.find(
          "uplinkprobe_collector_region_reporting_ratio{level=\"city\",region=\"长春市\"} 0.5\n"),
      std::string::npos)
      << t;
  EXPECT_NE(t.find("uplinkprobe_collector_ledger_compute_seconds "), std::string::npos);
  EXPECT_EQ(m.skipped(), 0u);
  get("/export/ledger.csv?by=county", 503);
}

}  // namespace uplinkprobe::collector::api::store_cases
