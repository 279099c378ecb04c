#include "collector/store/school_registry.h"

#include <gtest/gtest.h>

#include "collector/store/schema.h"
#include "tests/support/collector_db.h"

namespace uplinkprobe::collector {
namespace {

TEST(SchoolRegistry, ImportIsOneTransactionAndReimportUpdates) {
  auto db = testing::openTestDatabase("sqlite");
  ASSERT_TRUE(db);
  ASSERT_TRUE(migrateStore(*db));
  std::vector<RegistrySchool> sheet = {
      {2, "S1", "一小", "吉林省", "长春市", "南关区", "小学", "电信", "光纤", 200.0, 50.0},
      {3, "S2", "二小", "吉林省", "长春市", "朝阳区", "初中", "联通", "光纤", std::nullopt,
       std::nullopt}};
  auto a = importSchools(*db, sheet, 1000);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->inserted, 2u);

  sheet[1].contracted_down_mbps = 100;
  sheet.pop_back();
  sheet.push_back(
      {3, "S2", "二小", "吉林省", "长春市", "朝阳区", "初中", "联通", "光纤", 100.0, std::nullopt});
  auto b = importSchools(*db, sheet, 2000);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->updated, 1u);
  EXPECT_EQ(b->unchanged, 1u);

  // A duplicate id: nothing of this import is written.
  std::vector<RegistrySchool> bad = {
      {2, "S3", "三小", "", "吉林市", "船营区", "", "", "", std::nullopt, std::nullopt},
      {3, "S3", "三小", "", "吉林市", "船营区", "", "", "", std::nullopt, std::nullopt}};
  auto c = importSchools(*db, bad, 3000);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("row 3"), std::string::npos);
  auto n = db->query("SELECT COUNT(*) FROM schools");
  ASSERT_TRUE(n);
  EXPECT_EQ(db::asInt(n->rows[0][0]), 2);
  auto contract = db->query("SELECT contracted_down_mbps FROM schools WHERE school_id = 'S2'");
  EXPECT_EQ(db::asDouble(contract->rows[0][0]), 100.0);

  // A failure inside the transaction (the table is gone) leaves nothing half-imported.
  ASSERT_TRUE(
      db->exec("CREATE TRIGGER no_s4 BEFORE INSERT ON schools WHEN NEW.school_id = 'S4' "
               "BEGIN SELECT RAISE(ABORT, 'refused'); END"));
  std::vector<RegistrySchool> partial = {
      {2, "S0", "零小", "", "c", "d", "", "", "", std::nullopt, std::nullopt},
      {3, "S4", "四小", "", "c", "d", "", "", "", std::nullopt, std::nullopt}};
  ASSERT_FALSE(importSchools(*db, partial, 4000));
  n = db->query("SELECT COUNT(*) FROM schools");
  EXPECT_EQ(db::asInt(n->rows[0][0]), 2);
}

}  // namespace
}  // namespace uplinkprobe::collector
