// Ledger cases shared by the SQLite unit test and the PostgreSQL integration test.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "collector/ledger/ledger.h"
#include "collector/store/record_store.h"
#include "collector/store/schema.h"
#include "collector/store/test_days.h"
#include "tests/support/collector_db.h"
#include "tests/support/collector_records.h"

namespace uplinkprobe::collector::ledger_cases {

using namespace uplinkprobe::testing;

class LedgerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = openTestDatabase(GetParam());
    ASSERT_TRUE(db_);
    ASSERT_TRUE(migrateStore(*db_));
    StoreOptions so;
    so.local_clock = fixedOffsetClock(480);
    so.school_hours = hours_;
    so.now_ms = [this] { return now_; };
    store_ = std::make_unique<RecordStore>(*db_, so);
    addSchool("S1", "一小", "长春市", "南关区", "电信", 200);
    addSchool("S2", "二小", "长春市", "朝阳区", "联通", 100);
    addSchool("S3", "三小", "吉林市", "船营区", "电信", 0);  // never reports
  }
  void addSchool(const std::string& id, const std::string& name, const std::string& city,
                 const std::string& county, const std::string& carrier, double contract) {
    auto r = db_->execute(
        "INSERT INTO schools (school_id, name, province, city, county, carrier, "
        "contracted_down_mbps, updated_ms) VALUES (?, ?, '吉林省', ?, ?, ?, ?, 0)",
        {id, name, city, county, carrier, contract > 0 ? db::Value(contract) : db::Value()});
    ASSERT_TRUE(r) << r.error().message;
  }
  LedgerOptions options() {
    LedgerOptions o;
    o.days = 30;
    o.now_ms = now_;
    o.local_clock = fixedOffsetClock(480);
    o.school_hours = hours_;
    o.stale_after_ms = 24LL * 3600 * 1000;
    return o;
  }
  const SchoolLedgerRow& row(const Ledger& l, const std::string& id) {
    for (const auto& r : l.schools)
      if (r.school_id == id) return r;
    ADD_FAILURE() << "no row " << id;
    return l.schools.at(0);
  }

  SchoolHours hours_ = *SchoolHours::parse({"Mon-Fri 08:00-17:00"});
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<RecordStore> store_;
  int64_t now_ = utcMs(2026, 12, 2, 4, 0);  // Wed 12:00 Beijing
};

TEST_P(LedgerTest, PerSchoolFiguresInSchoolHours) {
  std::vector<ValidRecord> b;
  // S1: ten weekday school-hour tests 10:00 Beijing, 110..200 Mbps down; one evening test of
  // 5 Mbps (outside school hours, ignored); one uncounted test of 1 Mbps (ignored).
  int64_t seq = 0;
  for (int i = 0; i < 10; ++i)
    b.push_back(valid(throughputRecord("S1", "D1", "j1", ++seq,
                                       utcMs(2026, 11, 16 + i % 5, 2, 0) + i * 60000, 110 + 10 * i,
                                       20 + i)));
  b.push_back(valid(throughputRecord("S1", "D1", "j1", ++seq, utcMs(2026, 11, 16, 13, 0), 5, 1)));
  b.push_back(
      valid(throughputRecord("S1", "D1", "j1", ++seq, utcMs(2026, 11, 17, 2, 0), 1, 1, false)));
  // Availability: 1 h at 10:00 Beijing with 45 min up; 1 h at 22:00 fully down (not school).
  b.push_back(
      valid(availabilityRecord("S1", "D1", "j1", ++seq, utcMs(2026, 12, 1, 3, 0), 3600, 2700)));
  b.push_back(
      valid(availabilityRecord("S1", "D1", "j1", ++seq, utcMs(2026, 12, 1, 15, 0), 3600, 0)));
  // S2: old evidence only (stale), 50 Mbps.
  b.push_back(valid(throughputRecord("S2", "D2", "k1", 1, utcMs(2026, 11, 20, 2, 0), 50, 10)));
  // A device of a school the registry does not know.
  b.push_back(valid(throughputRecord("X9", "D9", "m1", 1, utcMs(2026, 12, 1, 2, 0), 50, 10)));
  // S1 missing seq: skip one.
  seq += 1;
  b.push_back(
      valid(availabilityRecord("S1", "D1", "j1", ++seq, utcMs(2026, 12, 1, 4, 0), 3600, 3600)));
  auto s2_then = now_;
  now_ = utcMs(2026, 11, 20, 2, 0);
  ASSERT_TRUE(store_->commitBatch({b[b.size() - 3]}, {}));  // S2 heard 12 days ago
  now_ = s2_then;
  b.erase(b.end() - 3);
  auto r = store_->commitBatch(b, {});
  ASSERT_TRUE(r) << r.error().message;

  auto l = computeLedger(*db_, LedgerGrouping::kSchool, options());
  ASSERT_TRUE(l) << l.error().message;
  ASSERT_EQ(l->schools.size(), 3u);
  const auto& s1 = row(*l, "S1");
  EXPECT_EQ(s1.state, SchoolState::kLive);
  EXPECT_EQ(s1.tests, 10);
  ASSERT_TRUE(s1.median_down_mbps);
  EXPECT_DOUBLE_EQ(*s1.median_down_mbps, 155);  // (150 + 160) / 2
  EXPECT_DOUBLE_EQ(*s1.p10_down_mbps, 110);
  EXPECT_DOUBLE_EQ(*s1.median_up_mbps, 24.5);
  EXPECT_DOUBLE_EQ(*s1.share_at_target, 1.0);
  ASSERT_TRUE(s1.uptime_school_hours);
  EXPECT_DOUBLE_EQ(*s1.uptime_school_hours, (2700.0 + 3600) / 7200);
  EXPECT_EQ(s1.below_contract, std::optional<bool>(true));  // 155 < 200
  EXPECT_EQ(s1.meets_target, std::optional<bool>(true));
  EXPECT_EQ(s1.missing_seq, 1);
  EXPECT_TRUE(s1.last_counted_test_ms);
  const auto& s2 = row(*l, "S2");
  EXPECT_EQ(s2.state, SchoolState::kStale);
  EXPECT_EQ(s2.meets_target, std::optional<bool>(false));
  EXPECT_EQ(s2.below_contract, std::optional<bool>(true));
  const auto& s3 = row(*l, "S3");
  EXPECT_EQ(s3.state, SchoolState::kNever);
  EXPECT_FALSE(s3.median_down_mbps);
  ASSERT_EQ(l->unknown_school_devices.size(), 1u);
  EXPECT_EQ(l->unknown_school_devices[0].school_id, "X9");

  auto byCity = computeLedger(*db_, LedgerGrouping::kCity, options());
  ASSERT_TRUE(byCity);
  ASSERT_EQ(byCity->groups.size(), 2u);
  const auto& cc = byCity->groups[0].group == "长春市" ? byCity->groups[0] : byCity->groups[1];
  EXPECT_EQ(cc.schools, 2);
  EXPECT_EQ(cc.reporting, 1);
  EXPECT_DOUBLE_EQ(cc.reporting_pct, 50);
  EXPECT_EQ(cc.meeting_target, 1);
  EXPECT_EQ(cc.below_contract, 2);

  auto o = options();
  o.school_id = "S1";
  auto single = computeLedger(*db_, LedgerGrouping::kSchool, o);
  ASSERT_TRUE(single);
  ASSERT_EQ(single->schools.size(), 1u);
  EXPECT_EQ(single->schools[0].tests, 10);
}

TEST_P(LedgerTest, OpenAlertsRollUp) {
  auto as = envelope("alert_state", "S1", "D1", "j1", 1, now_ - 1000);
  as["breaches"] = nlohmann::json::array({{{"type", "throughput"}}, {{"type", "availability"}}});
  ASSERT_TRUE(store_->commitBatch({valid(as)}, {}));
  auto l = computeLedger(*db_, LedgerGrouping::kCarrier, options());
  ASSERT_TRUE(l);
  EXPECT_EQ(row(*l, "S1").open_alerts, 2);
  for (const auto& g : l->groups)
    if (g.group == "电信") {
      EXPECT_EQ(g.open_alerts, 2);
    }
}

// The ledger reads counted tests from the test_days roll-up; its answer must be what a scan
// of every stored test gives (the definition in ledger.h). Random tests over 40 days (before,
// across and inside the window's first day), values that are not short decimals, NULL
// upload, uncounted tests, re-sent copies, several batches per day (the roll-up's append
// path), and school hours that differ per query.
struct ScanFigures {
  int64_t tests = 0;
  std::optional<double> median_down, p10_down, median_up, share;
};

ScanFigures scanTests(db::Database& db, const std::string& school, int64_t since_ms,
                      const SchoolHours& hours) {
  auto rows = db.query(
      "SELECT ts_ms, local_mow, down_ip_mbps, up_ip_mbps, meets_target FROM tests WHERE "
      "school_id = ? AND counted = 1",
      {school});
  EXPECT_TRUE(rows) << rows.error().message;
  std::vector<double> down, up;
  int64_t n = 0, at = 0;
  for (auto& r : rows->rows) {
    if (db::asInt(r[0]).value_or(0) < since_ms) continue;
    if (!hours.contains(static_cast<int>(db::asInt(r[1]).value_or(0)))) continue;
    ++n;
    if (auto d = db::asDouble(r[2])) down.push_back(*d);
    if (auto u = db::asDouble(r[3])) up.push_back(*u);
    if (db::asInt(r[4]).value_or(0) == 1) ++at;
  }
  ScanFigures f;
  f.tests = n;
  auto pct = [](std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    return v[std::max<size_t>(rank, 1) - 1];
  };
  auto med = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const size_t k = v.size();
    return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
  };
  if (!down.empty()) {
    f.median_down = med(down);
    f.p10_down = pct(down, 10);
  }
  if (!up.empty()) f.median_up = med(up);
  if (n) f.share = static_cast<double>(at) / static_cast<double>(n);
  return f;
}

TEST_P(LedgerTest, TheTestRollUpGivesWhatAScanOfEveryTestGives) {
  std::mt19937_64 rng(20261202);
  std::uniform_real_distribution<double> mbps(3.0, 980.0);
  std::vector<ValidRecord> all;
  int64_t seq = 0;
  for (const char* school : {"S1", "S2"}) {
    for (int i = 0; i < 300; ++i) {
      // Up to 40 days back, any minute of the day: across the window's edge and school hours.
      const int64_t ts = now_ - static_cast<int64_t>(rng() % (40ULL * 86400)) * 1000;
      auto r = throughputRecord(school, std::string("D") + school, "j", ++seq, ts, mbps(rng),
                                mbps(rng) / 3.0, rng() % 7 != 0);
      if (rng() % 11 == 0) r["upload"]["ip_capacity_mbps"] = nullptr;
      all.push_back(valid(r));
    }
  }
  // In batches of 37, each batch followed by a re-sent copy of its first half: duplicates
  // must not reach the roll-up.
  for (size_t i = 0; i < all.size(); i += 37) {
    std::vector<ValidRecord> batch(
        all.begin() + static_cast<std::ptrdiff_t>(i),
        all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), i + 37)));
    ASSERT_TRUE(store_->commitBatch(batch, {}));
    batch.resize(batch.size() / 2);
    ASSERT_TRUE(store_->commitBatch(batch, {}));
  }
  auto compare = [&](const char* what) {
    for (const char* hours :
         {"Mon-Fri 08:00-17:00", "Mon-Sun 00:00-24:00", "Sat-Sun 10:00-12:00"}) {
      auto o = options();
      o.school_hours = *SchoolHours::parse({hours});
      auto l = computeLedger(*db_, LedgerGrouping::kSchool, o);
      ASSERT_TRUE(l) << l.error().message;
      for (const char* school : {"S1", "S2"}) {
        SCOPED_TRACE(std::string(what) + " " + hours + " " + school);
        const auto want = scanTests(*db_, school, now_ - 30LL * 86400 * 1000, o.school_hours);
        const auto& got = row(*l, school);
        EXPECT_GT(want.tests, 0);
        EXPECT_EQ(got.tests, want.tests);
        EXPECT_EQ(got.median_down_mbps, want.median_down);  // exact: no digits lost
        EXPECT_EQ(got.p10_down_mbps, want.p10_down);
        EXPECT_EQ(got.median_up_mbps, want.median_up);
        EXPECT_EQ(got.share_at_target, want.share);
      }
    }
  };
  compare("written by the store");
  // The migration's backfill (SQL on each backend) must build the same roll-up.
  ASSERT_TRUE(db_->exec("DELETE FROM test_days"));
  auto st = db_->exec(testDaysBackfillSql(db_->dialect()));
  ASSERT_TRUE(st) << st.error().message;
  compare("rebuilt by the migration's SQL");
}

TEST_P(LedgerTest, ACorruptRollUpIsAnErrorThatSaysHowToRebuildIt) {
  ASSERT_TRUE(store_->commitBatch(
      {valid(throughputRecord("S1", "D1", "j1", 1, now_ - 3600 * 1000, 120, 30))}, {}));
  ASSERT_TRUE(db_->exec("UPDATE test_days SET packed = packed || ';garbage'"));
  auto l = computeLedger(*db_, LedgerGrouping::kSchool, options());
  ASSERT_FALSE(l);
  EXPECT_NE(l.error().message.find("DELETE FROM test_days"), std::string::npos)
      << l.error().message;
}

}  // namespace uplinkprobe::collector::ledger_cases
