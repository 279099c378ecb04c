// Verb arguments and config edits of remote commands: typed, bounded, names not URLs, and
// an invalid change leaves the config file untouched.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "agent/config/config_loader.h"
#include "agent/control/config_change.h"
#include "agent/control/verbs.h"
#include "tests/support/server_config.h"
#include "tests/support/temp_dir.h"

namespace uplinkprobe::control {
namespace {

using uplinkprobe::testing::librespeedServer;
using uplinkprobe::testing::TempDir;

config::Config cfgWithServers() {
  config::Config c;
  c.servers.push_back(librespeedServer("local", "http://127.0.0.1:8080/"));
  c.servers.push_back(librespeedServer("city", "http://10.0.0.1/"));
  return c;
}

TEST(ParseVerb, RunTestDirectionAndNamedServerOnly) {
  auto cfg = cfgWithServers();
  auto r = parseVerb("run_test", {{"direction", "upload"}, {"server", "city"}}, cfg);
  ASSERT_TRUE(r);
  const auto& t = std::get<RunTest>(*r);
  EXPECT_FALSE(t.download);
  EXPECT_TRUE(t.upload);
  EXPECT_EQ(t.server, "city");
  EXPECT_FALSE(parseVerb("run_test", {{"server", "http://127.0.0.1:8080/"}}, cfg));
  EXPECT_FALSE(parseVerb("run_test", {{"direction", "sideways"}}, cfg));
  EXPECT_FALSE(parseVerb("run_test", {{"streams", 64}}, cfg));
  EXPECT_FALSE(parseVerb("run_test", nlohmann::json::object(), config::Config{}));
}

// The method follows what was asked, else the named server's kind, else [target] method;
// a server of the other method, or a method without a server of its kind, is refused.
TEST(ParseVerb, RunTestFollowsTheMethod) {
  auto cfg = cfgWithServers();
  config::ServerConfig udpst;
  udpst.name = "lab";
  udpst.kind = "udpst";
  udpst.url = "udpst://10.0.0.2:25000";
  EXPECT_FALSE(std::get<RunTest>(*parseVerb("run_test", nlohmann::json::object(), cfg)).udp);
  auto no_udp = parseVerb("run_test", {{"method", "udp"}}, cfg);
  ASSERT_FALSE(no_udp);
  EXPECT_NE(no_udp.error().message.find("kind = \"udpst\""), std::string::npos);
  cfg.servers.push_back(udpst);
  EXPECT_TRUE(std::get<RunTest>(*parseVerb("run_test", {{"method", "udp"}}, cfg)).udp);
  EXPECT_TRUE(std::get<RunTest>(*parseVerb("run_test", {{"server", "lab"}}, cfg)).udp);
  EXPECT_FALSE(std::get<RunTest>(*parseVerb("run_test", {{"method", "tcp"}}, cfg)).udp);
  cfg.target.method = "udp";
  EXPECT_TRUE(std::get<RunTest>(*parseVerb("run_test", nlohmann::json::object(), cfg)).udp);
  EXPECT_FALSE(std::get<RunTest>(*parseVerb("run_test", {{"server", "city"}}, cfg)).udp);
  cfg.target.method = "both";
  EXPECT_FALSE(std::get<RunTest>(*parseVerb("run_test", nlohmann::json::object(), cfg)).udp);
  EXPECT_FALSE(parseVerb("run_test", {{"method", "udp"}, {"server", "city"}}, cfg));
  EXPECT_FALSE(parseVerb("run_test", {{"method", "tcp"}, {"server", "lab"}}, cfg));
  EXPECT_FALSE(parseVerb("run_test", {{"method", "both"}}, cfg));
  EXPECT_FALSE(parseVerb("run_test", {{"method", 1}}, cfg));
  config::Config only_udp;
  only_udp.servers.push_back(udpst);
  EXPECT_FALSE(parseVerb("run_test", {{"method", "tcp"}}, only_udp));
}

TEST(ParseVerb, ScheduleTargetAndArgumentFreeVerbs) {
  auto cfg = cfgWithServers();
  EXPECT_TRUE(parseVerb("set_schedule", {{"tests_per_day", 0}}, cfg));
  EXPECT_FALSE(parseVerb("set_schedule", nlohmann::json::object(), cfg));
  EXPECT_FALSE(parseVerb("set_schedule", {{"windows", {"8-17"}}}, cfg));
  EXPECT_FALSE(parseVerb("set_schedule", {{"windows", nlohmann::json::array()}}, cfg));
  EXPECT_TRUE(parseVerb("set_target", {{"contracted_down_mbps", 200}}, cfg));
  EXPECT_FALSE(parseVerb("set_target", {{"floor_down_mbps", 0}}, cfg));
  EXPECT_FALSE(parseVerb("set_target", {{"tolerance_pct", 51}}, cfg));
  EXPECT_TRUE(parseVerb("reload", nlohmann::json::object(), cfg));
  EXPECT_TRUE(parseVerb("report_config", nlohmann::json::object(), cfg));
  auto unknown = parseVerb("shell", {{"cmd", "reboot"}}, cfg);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::kUnknownVerb);
}

TEST(ReportableConfig, LeavesSecretsOut) {
  auto cfg = cfgWithServers();
  cfg.mqtt.username = "dev-user";
  cfg.mqtt.password_file = "/etc/uplinkprobe/mqtt.password";
  cfg.mqtt.key_file = "/etc/uplinkprobe/client.key";
  cfg.throughput.proxy = "http://user:secret@proxy:3128";
  cfg.control.trusted_keys = {"/etc/uplinkprobe/ops.pub"};
  config::ServerConfig udpst;
  udpst.name = "lab";
  udpst.kind = "udpst";
  udpst.url = "udpst://10.0.0.2:25000";
  udpst.key_file = "/etc/uplinkprobe/udpst.keys";
  udpst.key_id = 7;
  cfg.servers.push_back(udpst);
  cfg.target.method = "both";
  const nlohmann::json reported = reportableConfig(cfg);
  const std::string dump = reported.dump();
  for (const char* secret :
       {"dev-user", "mqtt.password", "client.key", "secret", "ops.pub", "udpst.keys"})
    EXPECT_EQ(dump.find(secret), std::string::npos) << secret;
  EXPECT_NE(dump.find("http://10.0.0.1/"), std::string::npos);
  // What an operator needs to read a UDP verdict: the method and whether the server is keyed.
  EXPECT_EQ(reported["target"]["method"], "both");
  EXPECT_EQ(reported["servers"][2]["authenticated"], true);
  EXPECT_EQ(reported["servers"][2]["key_id"], 7);
}

class ConfigEditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "state");
    path_ = (dir_ / "uplinkprobe.toml").string();
    remote_ = (dir_ / "state" / "remote.toml").string();
    text_ =
        "# technician's note: school closes at 16:00\n"
        "[identity]\ndevice_id = \"dev-1\"\nschool_id = \"sch-1\"\n"
        "[[servers]]\nname = \"local\"\nurl = \"http://127.0.0.1:8080/\"\n"
        "[schedule]\ntests_per_day = 4  # four a day\nwindows = [\"08:00-16:00\"]\n"
        "[target]\nfloor_down_mbps = 100\n"
        "[storage]\ndir = \"" +
        (dir_ / "state").string() + "\"\n";
    std::ofstream(path_) << text_;
  }
  std::string read(const std::string& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  TempDir dir_{"up-control-edit-"};
  std::string path_, remote_, text_;
};

// The config file is root's and is never written by the service: the change goes to
// remote.toml in the state directory, which every load lays over the file.
TEST_F(ConfigEditTest, ScheduleChangeGoesToRemoteTomlAndTheConfigFileIsOnlyRead) {
  SetSchedule s;
  s.tests_per_day = 8;
  s.windows = std::vector<std::string>{"08:00-12:00", "13:00-16:00"};
  auto cfg = applyRemoteEdit(path_, [&](const std::string& t) { return editConfigText(t, s); });
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->schedule.tests_per_day, 8);
  EXPECT_EQ(cfg->schedule.windows.size(), 2u);
  EXPECT_EQ(read(path_), text_);
  EXPECT_FALSE(std::filesystem::exists(path_ + ".bak"));
  const std::string overrides = read(remote_);
  EXPECT_NE(overrides.find("tests_per_day = 8\nwindows = [\"08:00-12:00\", \"13:00-16:00\"]\n"),
            std::string::npos)
      << overrides;
  EXPECT_EQ(std::filesystem::status(remote_).permissions() & std::filesystem::perms::all,
            std::filesystem::perms(0640));
  auto reloaded = config::loadConfigFile(path_, config::Purpose::kRun);
  ASSERT_TRUE(reloaded) << reloaded.error().message;
  EXPECT_EQ(reloaded->schedule.tests_per_day, 8);
  EXPECT_EQ(reloaded->remote_overrides_path, remote_);
  EXPECT_EQ(reloaded->source_path, path_);
  // A second change keeps the first overrides as remote.toml.bak.
  SetSchedule again;
  again.tests_per_day = 2;
  ASSERT_TRUE(
      applyRemoteEdit(path_, [&](const std::string& t) { return editConfigText(t, again); }));
  EXPECT_EQ(read(remote_ + ".bak"), overrides);
  EXPECT_EQ(config::loadConfigFile(path_, config::Purpose::kRun)->schedule.tests_per_day, 2);
}

TEST_F(ConfigEditTest, AnInvalidChangeIsRefusedWholeAndNothingIsWritten) {
  SetSchedule s;
  s.tests_per_day = 6;                                  // valid on its own
  s.windows = std::vector<std::string>{"17:00-08:00"};  // start after end: invalid
  auto cfg = applyRemoteEdit(path_, [&](const std::string& t) { return editConfigText(t, s); });
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().kind, ErrorKind::kInvalidArguments);
  EXPECT_EQ(read(path_), text_);
  EXPECT_FALSE(std::filesystem::exists(remote_));
}

TEST_F(ConfigEditTest, TargetChange) {
  SetTarget t;
  t.contracted_down_mbps = 200;
  t.tolerance_pct = 3;
  auto cfg = applyRemoteEdit(path_, [&](const std::string& x) { return editConfigText(x, t); });
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->target.contracted_down_mbps, 200);
  EXPECT_EQ(cfg->target.tolerance_pct, 3);
  EXPECT_EQ(cfg->target.floor_down_mbps, 100);
}

// Whoever runs code as the service account can write remote.toml; it must not reach
// anything but the schedule and the target.
TEST_F(ConfigEditTest, RemoteTomlCannotSetAnythingElse) {
  for (const std::string bad :
       {"[control]\ntrusted_keys = [\"/tmp/evil.pub\"]\n", "[mqtt]\nuri = \"tcp://evil:1883\"\n",
        "[storage]\ndir = \"/etc\"\n", "[[servers]]\nname = \"x\"\n",
        "[schedule]\nmonthly_budget_gb = 900\n", "tests_per_day = 3\n",
        "[schedule]\ntests_per_day = \"3\"\n", "[schedule]\nwindows = [1]\n", "[schedule\n"}) {
    std::ofstream(remote_, std::ios::trunc) << bad;
    auto cfg = config::loadConfigFile(path_, config::Purpose::kRun);
    ASSERT_FALSE(cfg) << bad;
    EXPECT_NE(cfg.error().message.find(remote_), std::string::npos) << cfg.error().message;
  }
  std::ofstream(remote_, std::ios::trunc) << "[control]\ntrusted_keys = []\n";
  auto cfg = config::loadConfigFile(path_, config::Purpose::kRun);
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().message.find("line 2: [control] trusted_keys may not be set remotely"),
            std::string::npos)
      << cfg.error().message;
}

TEST_F(ConfigEditTest, ASymlinkOrAFifoAsRemoteTomlIsRefusedNotFollowed) {
  const std::string target = (dir_ / "elsewhere.toml").string();
  std::ofstream(target) << "[schedule]\ntests_per_day = 9\n";
  std::filesystem::create_symlink(target, remote_);
  auto cfg = config::loadConfigFile(path_, config::Purpose::kRun);
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().message.find("symbolic link"), std::string::npos) << cfg.error().message;
  std::filesystem::remove(remote_);
  ASSERT_EQ(::mkfifo(remote_.c_str(), 0600), 0);
  cfg = config::loadConfigFile(path_, config::Purpose::kRun);  // must not hang
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().message.find("not a regular file"), std::string::npos)
      << cfg.error().message;
}

}  // namespace
}  // namespace uplinkprobe::control
