// The issuing side of remote commands: key files and their modes, the durable issuer
// counter, command-line arguments, and which devices a target reaches (SQLite registry).
#include "collector/control/command_issuer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "collector/store/schema.h"
#include "tests/support/collector_db.h"
#include "tests/support/temp_dir.h"

namespace uplinkprobe::collector::control {
namespace {

using uplinkprobe::testing::TempDir;

class IssuerFiles : public ::testing::Test {
 protected:
  TempDir tmp_{"up-issuer-"};
  const std::filesystem::path dir_ = tmp_ / "keys";  // not there until a test makes it
};

TEST_F(IssuerFiles, KeygenWritesAPrivate0600KeyAndNeverOverwrites) {
  auto f = generateKeyFiles(dir_.string());
  ASSERT_TRUE(f) << f.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(f->private_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto key = loadSigningKey(f->private_path);
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->publicKey().keyId(), f->key_id);
  auto pub = record::PublicKey::fromPem(*record::readSmallFile(f->public_path));
  ASSERT_TRUE(pub);
  EXPECT_EQ(pub->keyId(), f->key_id);
  EXPECT_FALSE(generateKeyFiles(dir_.string()));
  ::chmod(f->private_path.c_str(), 0644);
  EXPECT_FALSE(loadSigningKey(f->private_path)) << "a readable private key is refused";
}

TEST_F(IssuerFiles, IssuerSeqIsDurableAndIncreasing) {
  std::filesystem::create_directories(dir_);
  const std::string key = (dir_ / "k.pem").string();
  const WallTime t{std::chrono::milliseconds(1'800'000'000'000)};
  auto a = nextIssuerSeq(key, t);
  auto b = nextIssuerSeq(key, t);                          // same millisecond: still increases
  auto c = nextIssuerSeq(key, t - std::chrono::hours(1));  // clock stepped back: still increases
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, 1'800'000'000'000u);
  EXPECT_EQ(*b, *a + 1);
  EXPECT_EQ(*c, *b + 1);
  std::filesystem::remove(key + ".seq");  // counter lost: time keeps it increasing
  auto d = nextIssuerSeq(key, t + std::chrono::seconds(1));
  ASSERT_TRUE(d);
  EXPECT_GT(*d, *c);
}

TEST(ParseVerbArgs, TypesFromTheCommandLine) {
  auto a = parseVerbArgs(
      {"tests_per_day=6", "windows=08:00-12:00,13:00-17:00", "server=city", "flag=true"});
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)["tests_per_day"], 6);
  EXPECT_EQ((*a)["windows"], nlohmann::json({"08:00-12:00", "13:00-17:00"}));
  EXPECT_EQ((*a)["server"], "city");
  EXPECT_EQ((*a)["flag"], true);
  EXPECT_FALSE(parseVerbArgs({"novalue"}));
  EXPECT_FALSE(parseVerbArgs({"a=1", "a=2"}));
}

TEST(ResolveTarget, DevicesSeenInTheScope) {
  auto db = testing::openTestDatabase("sqlite");
  ASSERT_TRUE(db);
  ASSERT_TRUE(migrateStore(*db));
  ASSERT_TRUE(db->exec(
      "INSERT INTO schools (school_id, name, county, updated_ms) VALUES "
      "('s1', 'One', 'Nanguan', 0), ('s2', 'Two', 'Nanguan', 0), ('s3', 'Three', 'Other', 0);"
      "INSERT INTO devices (device_id, school_id, first_seen_ms, last_seen_ms) VALUES "
      "('d1', 's1', 0, 0), ('d2', 's1', 0, 0), ('d3', 's2', 0, 0), ('d4', 's3', 0, 0);"));
  auto ids = [&](record::TargetKind k, const std::string& v) {
    std::vector<std::string> out;
    auto r = resolveTarget(*db, {k, v});
    EXPECT_TRUE(r);
    if (r)
      for (auto& d : *r) out.push_back(d.device_id + "@" + d.school_id);
    return out;
  };
  using K = record::TargetKind;
  EXPECT_EQ(ids(K::kDevice, "d3"), std::vector<std::string>{"d3@s2"});
  EXPECT_EQ(ids(K::kSchool, "s1"), (std::vector<std::string>{"d1@s1", "d2@s1"}));
  EXPECT_EQ(ids(K::kCounty, "Nanguan"), (std::vector<std::string>{"d1@s1", "d2@s1", "d3@s2"}));
  EXPECT_TRUE(ids(K::kDevice, "unknown").empty());
  EXPECT_EQ(*commandTopic("uplinkprobe/v1", {"d1", "s1"}), "uplinkprobe/v1/s1/d1/cmd");
  EXPECT_FALSE(commandTopic("uplinkprobe/v1", {"d/1", "s1"}));
}

}  // namespace
}  // namespace uplinkprobe::collector::control
