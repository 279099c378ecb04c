#include <gtest/gtest.h>

#include "collector/auth/password.h"
#include "collector/auth/scope.h"
#include "collector/auth/sessions.h"
#include "collector/auth/user_store.h"
#include "collector/store/schema.h"
#include "tests/support/collector_db.h"

namespace uplinkprobe::collector::auth {
namespace {

TEST(Scope, ParsesProvinceCityAndCounty) {
  EXPECT_TRUE(parseScope("吉林省", "吉林省")->province());
  EXPECT_TRUE(parseScope("*", "")->province());
  auto city = parseScope("长春市", "吉林省");
  ASSERT_TRUE(city);
  EXPECT_EQ(city->city, "长春市");
  EXPECT_EQ(city->county, "");
  auto county = parseScope("长春市/南关区", "吉林省");
  ASSERT_TRUE(county);
  EXPECT_EQ(county->city, "长春市");
  EXPECT_EQ(county->county, "南关区");
  EXPECT_EQ(scopeText(*county), "长春市/南关区");
  EXPECT_FALSE(parseScope("", "吉林省"));
  EXPECT_FALSE(parseScope("长春市/", "吉林省"));
  EXPECT_FALSE(parseScope("a/b/c", "吉林省"));
}

TEST(Scope, InScopeIsTheOneRule) {
  Scope province, city{"长春市", ""}, county{"长春市", "南关区"};
  EXPECT_TRUE(inScope(province, "吉林市", "船营区"));
  EXPECT_TRUE(inScope(province, "", ""));  // a school only devices know
  EXPECT_TRUE(inScope(city, "长春市", "朝阳区"));
  EXPECT_FALSE(inScope(city, "吉林市", "船营区"));
  EXPECT_FALSE(inScope(city, "", ""));
  EXPECT_TRUE(inScope(county, "长春市", "南关区"));
  EXPECT_FALSE(inScope(county, "长春市", "朝阳区"));
  // Same county name in another city is another county.
  EXPECT_FALSE(inScope(county, "吉林市", "南关区"));
}

TEST(Role, Names) {
  EXPECT_EQ(*parseRole("viewer"), Role::kViewer);
  EXPECT_EQ(*parseRole("operator"), Role::kOperator);
  EXPECT_EQ(*parseRole("admin"), Role::kAdmin);
  EXPECT_FALSE(parseRole("root"));
}

TEST(Password, Argon2idHashVerifies) {
  auto h = hashPassword("正确的密码-123");
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(h->rfind("$argon2id$", 0), 0u) << *h;
  EXPECT_TRUE(verifyPassword(*h, "正确的密码-123"));
  EXPECT_FALSE(verifyPassword(*h, "正确的密码-124"));
  EXPECT_FALSE(verifyPassword("not a hash", "x"));
  auto again = hashPassword("正确的密码-123");
  EXPECT_NE(*h, *again);  // salted
  EXPECT_FALSE(hashPassword("short"));
  EXPECT_FALSE(hashPassword(std::string(kMaxPasswordBytes + 1, 'x')));
}

TEST(Password, TokensAreRandomHexAndDigestsStable) {
  auto a = randomToken(32), b = randomToken(32);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(tokenDigest(a), tokenDigest(a));
  EXPECT_NE(tokenDigest(a), tokenDigest(b));
  EXPECT_TRUE(equalSecret(a, a));
  EXPECT_FALSE(equalSecret(a, b));
  EXPECT_FALSE(equalSecret("", ""));
}

TEST(Sessions, ExpireAndAreBounded) {
  SessionStore store(1000, 2);
  Scope county{"长春市", "南关区"};
  auto s1 = store.create("a", Role::kViewer, county, 7, 0);
  EXPECT_EQ(s1.id.size(), 64u);
  EXPECT_NE(s1.id, s1.csrf);
  auto found = store.find(s1.id, 999);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->scope.county, "南关区");
  EXPECT_EQ(found->user_updated_ms, 7);
  EXPECT_FALSE(store.find(s1.id, 1000));  // expired
  auto s2 = store.create("b", Role::kViewer, county, 0, 10);
  auto s3 = store.create("c", Role::kViewer, county, 0, 20);
  auto s4 = store.create("d", Role::kViewer, county, 0, 30);  // evicts the oldest
  EXPECT_FALSE(store.find(s2.id, 40));
  EXPECT_TRUE(store.find(s3.id, 40));
  EXPECT_TRUE(store.find(s4.id, 40));
  store.removeUser("c");
  EXPECT_FALSE(store.find(s3.id, 40));
  EXPECT_FALSE(store.find("short", 40));
}

TEST(LoginLimiter, CountsFailuresInTheWindowPerClient) {
  LoginLimiter l(3, 1000, 100);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(l.allowed("10.0.0.1", i));
    l.failed("10.0.0.1", i);
  }
  EXPECT_FALSE(l.allowed("10.0.0.1", 10));
  EXPECT_TRUE(l.allowed("10.0.0.2", 10));    // another client
  EXPECT_TRUE(l.allowed("10.0.0.1", 1000));  // the first failure left the window
  l.succeeded("10.0.0.1");
  EXPECT_TRUE(l.allowed("10.0.0.1", 11));
}

TEST(LoginLimiter, TracksABoundedNumberOfClients) {
  LoginLimiter l(1, 1000000, 2);
  l.failed("a", 0);
  l.failed("b", 0);
  l.failed("c", 0);  // forgets a
  EXPECT_TRUE(l.allowed("a", 1));
  EXPECT_FALSE(l.allowed("b", 1));
  EXPECT_FALSE(l.allowed("c", 1));
}

TEST(UserStore, AddFindListDelete) {
  auto db = testing::openTestDatabase("sqlite");
  ASSERT_TRUE(db);
  ASSERT_TRUE(migrateStore(*db));
  UserStore users(*db);
  User u;
  u.name = "nanguan";
  u.role = Role::kViewer;
  u.scope = {"长春市", "南关区"};
  u.password_hash = "$argon2id$x";
  ASSERT_TRUE(users.add(u, 100));
  auto dup = users.add(u, 100);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().kind, ErrorKind::kExists);
  u.name = "bad name";
  EXPECT_FALSE(users.add(u, 100));
  auto f = users.find("nanguan");
  ASSERT_TRUE(f && *f);
  EXPECT_EQ((*f)->scope.county, "南关区");
  EXPECT_FALSE((*f)->has_api_token);
  ASSERT_TRUE(*users.setApiTokenDigest("nanguan", "d1", 200));
  auto byToken = users.findByApiTokenDigest("d1");
  ASSERT_TRUE(byToken && *byToken);
  EXPECT_EQ((*byToken)->name, "nanguan");
  EXPECT_EQ((*byToken)->updated_ms, 200);
  EXPECT_TRUE(*users.setPassword("nanguan", "$argon2id$y", 300));
  EXPECT_FALSE(*users.setPassword("nobody", "$argon2id$y", 300));
  EXPECT_EQ(users.list()->size(), 1u);
  EXPECT_TRUE(*users.remove("nanguan"));
  EXPECT_FALSE(*users.remove("nanguan"));
  EXPECT_FALSE(*users.find("nanguan"));
}

}  // namespace
}  // namespace uplinkprobe::collector::auth
