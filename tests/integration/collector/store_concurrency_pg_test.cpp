// Two collectors (two connections, two threads) write overlapping batches into one
// PostgreSQL database at the same time: every key is stored exactly once, the stored counts
// add up, the daily roll-ups are exact, and the monthly partitions they race to create exist.
#include <gtest/gtest.h>

#include <thread>

#include "collector/store/record_store.h"
#include "collector/store/schema.h"
#include "tests/support/collector_db.h"
#include "tests/support/collector_records.h"

namespace uplinkprobe::collector {
namespace {

using namespace uplinkprobe::testing;

TEST(StoreConcurrencyPg, TwoWritersSameKeysStoredOnce) {
  auto& pg = sharedPostgres();
  ASSERT_TRUE(pg.ok()) << pg.error();
  ASSERT_TRUE(pg.createDatabase("concurrency"));
  auto setup = db::openDatabase(pg.url("concurrency"));
  ASSERT_TRUE(setup) << setup.error().message;
  ASSERT_TRUE(migrateStore(**setup));

  // 2 schools × 1000 records spread over two months (Nov/Dec 2026).
  std::vector<ValidRecord> all;
  for (int s = 0; s < 2; ++s)
    for (int64_t seq = 1; seq <= 1000; ++seq) {
      const std::string school = "S" + std::to_string(s), device = "D" + std::to_string(s);
      const int64_t ts = utcMs(2026, 11, 25, 2, 0) + seq * 600 * 1000;  // 10 min apart
      all.push_back(seq % 4 == 0
                        ? valid(throughputRecord(school, device, "j", seq, ts, 120, 30))
                        : valid(availabilityRecord(school, device, "j", seq, ts, 600, 600)));
    }
  BatchOutcome totals[2];
  std::string errors[2];
  auto writer = [&](int w) {
    auto db = db::openDatabase(pg.url("concurrency"));
    if (!db) {
      errors[w] = db.error().message;
      return;
    }
    StoreOptions o;
    o.local_clock = fixedOffsetClock(480);
    RecordStore store(**db, o);
    // Writer 0 goes forward, writer 1 backward, in batches of 50: every key is contended.
    for (size_t i = 0; i < all.size(); i += 50) {
      std::vector<ValidRecord> batch;
      for (size_t k = i; k < i + 50; ++k) batch.push_back(all[w == 0 ? k : all.size() - 1 - k]);
      auto r = store.commitBatch(batch, {});
      if (!r) {
        errors[w] = r.error().message;
        return;
      }
      totals[w].stored += r->stored;
      totals[w].duplicates += r->duplicates;
    }
  };
  std::thread a(writer, 0), b(writer, 1);
  a.join();
  b.join();
  ASSERT_EQ(errors[0], "");
  ASSERT_EQ(errors[1], "");
  EXPECT_EQ(totals[0].stored + totals[1].stored, all.size());
  EXPECT_EQ(totals[0].duplicates + totals[1].duplicates, all.size());

  auto& db = **setup;
  auto one = [&](const std::string& sql) {
    auto r = db.query(sql);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? db::asInt(r->rows.at(0).at(0)).value_or(-1) : -1;
  };
  EXPECT_EQ(one("SELECT COUNT(*) FROM records"), 2000);
  EXPECT_EQ(one("SELECT COUNT(*) FROM (SELECT device_id, journal_id, seq FROM records GROUP BY "
                "device_id, journal_id, seq HAVING COUNT(*) > 1) d"),
            0);
  EXPECT_EQ(one("SELECT COUNT(*) FROM tests"), 500);
  EXPECT_EQ(one("SELECT SUM(records) FROM school_days"), 2000);
  EXPECT_EQ(one("SELECT SUM(stored) FROM journals"), 2000);
  EXPECT_EQ(one("SELECT SUM(max_seq - min_seq + 1 - stored) FROM journals"), 0);
  EXPECT_EQ(one("SELECT COUNT(*) FROM pg_class WHERE relname IN ('records_p202611', "
                "'records_p202612')"),
            2);
  EXPECT_EQ(one("SELECT COUNT(*) FROM records_p202612"), one("SELECT COUNT(*) FROM records "
                                                             "WHERE ts_ms >= 1796083200000"));
}

}  // namespace
}  // namespace uplinkprobe::collector
