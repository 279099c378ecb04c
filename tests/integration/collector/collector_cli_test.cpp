// uplinkprobe-collector as a process: exit codes (64 usage, 78 bad config naming file, line
// and key), example-config round trip, ledger output from a real SQLite file, run + SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "collector/db/database.h"
#include "collector/store/record_store.h"
#include "collector/store/schema.h"
#include "tests/support/child_process.h"
#include "tests/support/collector_records.h"
#include "tests/support/temp_dir.h"

namespace uplinkprobe::testing {
namespace {

const std::string kBin = UPLINKPROBE_COLLECTOR_BIN;

class CollectorCli : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = dir_ + "/collector.toml";
    writeConfig("");
  }
  void writeConfig(const std::string& ledger_extra) {
    writeFile(config_, "[database]\nurl = \"sqlite://" + dir_ +
                           "/ledger.db\"\n[http]\nlisten = \"127.0.0.1:0\"\n"
                           "[ledger]\ntimezone = \"Asia/Shanghai\"\n" +
                           ledger_extra);
  }
  std::pair<int, std::string> run(std::vector<std::string> args) {
    args.insert(args.begin(), kBin);
    return runToEnd(args, dir_ + "/cmd");
  }
  std::string err() { return readFile(dir_ + "/cmd.err"); }

  TempDir tmp_{"up-collector-cli-"};
  const std::string dir_ = tmp_.path();
  std::string config_;
};

TEST_F(CollectorCli, UsageErrorsExit64) {
  EXPECT_EQ(run({}).first, 64);
  EXPECT_EQ(run({"frobnicate"}).first, 64);
  EXPECT_EQ(run({"check-config"}).first, 64);  // --config missing
  EXPECT_EQ(run({"ledger", "--config", config_, "--by", "town"}).first, 64);
  EXPECT_EQ(run({"ledger", "--config", config_, "--days", "0"}).first, 64);
  EXPECT_EQ(run({"ledger", "--config", config_, "--format", "xlsx"}).first, 64);  // no --out
  EXPECT_EQ(run({"import-schools", "--config", config_}).first, 64);              // no FILE
  EXPECT_EQ(run({"example-config", "--bogus"}).first, 64);
  auto v = run({"--version"});
  EXPECT_EQ(v.first, 0);
  EXPECT_NE(v.second.find("uplinkprobe-collector "), std::string::npos);
}

TEST_F(CollectorCli, BadConfigExit78NamesFileLineAndKey) {
  const std::string bad = dir_ + "/bad.toml";
  writeFile(bad, "[mqtt]\nuri = \"tcp://127.0.0.1:1883\"\n\n[ledger]\nstale_after = 24\n");
  EXPECT_EQ(run({"check-config", "--config", bad}).first, 78);
  EXPECT_NE(err().find(bad + " line 5: [ledger]: unknown key \"stale_after\""), std::string::npos)
      << err();
  writeFile(bad, "[ledger]\ntarget_mbps = \"fast\"\n");
  EXPECT_EQ(run({"ledger", "--config", bad}).first, 78);
  EXPECT_NE(err().find(bad + " line 2: [ledger] target_mbps: expected a number"), std::string::npos)
      << err();
  EXPECT_EQ(run({"check-config", "--config", dir_ + "/missing.toml"}).first, 78);
  EXPECT_NE(err().find("missing.toml: cannot open"), std::string::npos);
  // Beyond loopback without allow_remote: refused by run (78); allowed with the flag + warning.
  writeFile(
      bad, "[http]\nlisten = \"0.0.0.0:8088\"\n[database]\nurl = \"sqlite://" + dir_ + "/x.db\"\n");
  EXPECT_EQ(run({"run", "--config", bad}).first, 78);
  EXPECT_NE(err().find("allow_remote"), std::string::npos) << err();
}

TEST_F(CollectorCli, ExampleConfigPassesCheckConfig) {
  auto ex = run({"example-config"});
  ASSERT_EQ(ex.first, 0);
  EXPECT_NE(ex.second.find("[[notify]]"), std::string::npos);
  writeFile(dir_ + "/example.toml", ex.second);
  EXPECT_EQ(run({"check-config", "--config", dir_ + "/example.toml"}).first, 0) << err();
}

TEST_F(CollectorCli, LedgerFromTheDatabase) {
  {
    auto db = collector::db::openDatabase("sqlite://" + dir_ + "/ledger.db");
    ASSERT_TRUE(db);
    ASSERT_TRUE(collector::migrateStore(**db));
    ASSERT_TRUE((*db)->execute(
        "INSERT INTO schools (school_id, name, city, county, carrier, updated_ms) VALUES "
        "('S1', '一小', '长春市', '南关区', '电信', 0), ('S2', '二小', '长春市', '朝阳区', "
        "'联通', 0)"));
    collector::RecordStore store(**db);
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    std::vector<collector::ValidRecord> batch;
    for (int i = 1; i <= 5; ++i)
      batch.push_back(valid(throughputRecord("S1", "D1", "0123456789abcdef", i,
                                             now - i * 3600 * 1000, 150.0 + i, 40)));
    ASSERT_TRUE(store.commitBatch(batch, {}));
  }
  // School hours "always" so that the test does not depend on the time of day it runs.
  writeConfig("school_hours = \"Mon-Sun 00:00-24:00\"\n");
  auto r = run({"ledger", "--config", config_, "--by", "school", "--format", "json"});
  ASSERT_EQ(r.first, 0) << err();
  auto j = nlohmann::json::parse(r.second);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["学校代码"], "S1");
  EXPECT_EQ(j[0]["上报状态"], "正常上报");
  EXPECT_EQ(j[0]["计入测试次数"], 5);
  EXPECT_DOUBLE_EQ(j[0]["下行中位数(Mbps)"].get<double>(), 153.0);
  EXPECT_EQ(j[1]["上报状态"], "从未上报");

  auto byCity = run({"ledger", "--config", config_, "--by", "city", "--format", "json"});
  ASSERT_EQ(byCity.first, 0) << err();
  auto c = nlohmann::json::parse(byCity.second);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0]["学校数"], 2);
  EXPECT_DOUBLE_EQ(c[0]["上报率(%)"].get<double>(), 50.0);
}

TEST_F(CollectorCli, RunMigratesThenStopsOnSigterm) {
  ChildProcess p({kBin, "run", "--config", config_}, dir_ + "/run.out", dir_ + "/run.err");
  ASSERT_TRUE(waitFor([&] { return p.err().find(" ready (") != std::string::npos; },
                      std::chrono::seconds(20)))
      << p.err();
  p.signal(SIGTERM);
  auto code = p.wait(std::chrono::seconds(20));
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0) << p.err();
  auto db = collector::db::openDatabase("sqlite://" + dir_ + "/ledger.db");
  ASSERT_TRUE(db);
  auto v = (*db)->query("SELECT MAX(version) FROM schema_migrations");
  ASSERT_TRUE(v);
  EXPECT_EQ(collector::db::asInt(v->rows[0][0]), collector::storeMigrations().back().version);
}

}  // namespace
}  // namespace uplinkprobe::testing
