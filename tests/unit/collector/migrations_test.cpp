#include "collector/db/migrations.h"

#include <gtest/gtest.h>

#include "collector/db/backends.h"
#include "collector/store/schema.h"
#include "tests/support/collector_db.h"

namespace uplinkprobe::collector::db {
namespace {

TEST(Migrations, RunOnceInOrderAndRefuseANewerDatabase) {
  auto db = testing::openTestDatabase("sqlite");
  ASSERT_TRUE(db);
  std::vector<Migration> m = {{2, "second", "CREATE TABLE b (x INTEGER)", ""},
                              {1, "first", "CREATE TABLE a (x INTEGER)", ""}};
  auto v = migrate(*db, m);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, 2);
  EXPECT_EQ(*migrate(*db, m), 2);  // idempotent: CREATE TABLE a would fail if run again
  auto newer = migrate(*db, {{1, "first", "CREATE TABLE a (x INTEGER)", ""}});
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().message.find("newer"), std::string::npos);
  // A failing migration leaves nothing behind (its own transaction).
  m.push_back({3, "bad", "CREATE TABLE c (x INTEGER); CREATE TABLE a (x INTEGER)", ""});
  ASSERT_FALSE(migrate(*db, m));
  EXPECT_FALSE(db->query("SELECT * FROM c"));
}

TEST(Migrations, AVersionThatLandedLateIsAppliedBelowTheNewest) {
  auto db = testing::openTestDatabase("sqlite");
  ASSERT_TRUE(db);
  ASSERT_TRUE(migrate(*db, {{1, "first", "CREATE TABLE a (x INTEGER)", ""},
                            {3, "third", "CREATE TABLE c (x INTEGER)", ""}}));
  auto v = migrate(*db, {{1, "first", "CREATE TABLE a (x INTEGER)", ""},
                         {2, "second", "CREATE TABLE b (x INTEGER)", ""},
                         {3, "third", "CREATE TABLE c (x INTEGER)", ""}});
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, 3);
  EXPECT_TRUE(db->query("SELECT * FROM b"));
}

TEST(Migrations, StoreSchemaMigratesAnEmptyDatabase) {
  auto db = testing::openTestDatabase("sqlite");
  ASSERT_TRUE(db);
  auto v = collector::migrateStore(*db);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, collector::storeMigrations().back().version);
}

TEST(Placeholders, RewrittenOutsideQuotesOnly) {
  EXPECT_EQ(toDollarPlaceholders("SELECT ? , '?' , \"a?\" , ?"), "SELECT $1 , '?' , \"a?\" , $2");
}

}  // namespace
}  // namespace uplinkprobe::collector::db
