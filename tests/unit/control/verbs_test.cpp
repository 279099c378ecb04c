// Verb arguments and config edits of remote commands: typed, bounded, names not URLs, and
// an invalid change leaves the config file untouched.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "agent/config/config_loader.h"
#include "agent/control/config_change.h"
#include "agent/control/verbs.h"

namespace uplinkprobe::control {
namespace {

config::Config cfgWithServers() {
  config::Config c;
  c.servers.push_back({"local", "librespeed", "http://127.0.0.1:8080/", "", ""});
  c.servers.push_back({"city", "librespeed", "http://10.0.0.1/", "", ""});
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
  EXPECT_EQ(unknown.error().kind, "unknown_verb");
}

TEST(ReportableConfig, LeavesSecretsOut) {
  auto cfg = cfgWithServers();
  cfg.mqtt.username = "dev-user";
  cfg.mqtt.password_file = "/etc/uplinkprobe/mqtt.password";
  cfg.mqtt.key_file = "/etc/uplinkprobe/client.key";
  cfg.throughput.proxy = "http://user:secret@proxy:3128";
  cfg.control.trusted_keys = {"/etc/uplinkprobe/ops.pub"};
  const std::string dump = reportableConfig(cfg).dump();
  for (const char* secret : {"dev-user", "mqtt.password", "client.key", "secret", "ops.pub"})
    EXPECT_EQ(dump.find(secret), std::string::npos) << secret;
  EXPECT_NE(dump.find("http://10.0.0.1/"), std::string::npos);
}

class ConfigEditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("up-control-edit-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "uplinkprobe.toml").string();
    std::ofstream(path_) << kText;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string read(const std::string& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static constexpr const char* kText =
      "# technician's note: school closes at 16:00\n"
      "[identity]\ndevice_id = \"dev-1\"\nschool_id = \"sch-1\"\n"
      "[[servers]]\nname = \"local\"\nurl = \"http://127.0.0.1:8080/\"\n"
      "[schedule]\ntests_per_day = 4  # four a day\nwindows = [\"08:00-16:00\"]\n"
      "[target]\nfloor_down_mbps = 100\n";
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(ConfigEditTest, ScheduleChangeKeepsCommentsAndABackup) {
  SetSchedule s;
  s.tests_per_day = 8;
  s.windows = std::vector<std::string>{"08:00-12:00", "13:00-16:00"};
  auto cfg = applyConfigEdit(path_, [&](const std::string& t) { return editConfigText(t, s); });
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->schedule.tests_per_day, 8);
  EXPECT_EQ(cfg->schedule.windows.size(), 2u);
  EXPECT_EQ(read(path_ + ".bak"), kText);
  const std::string now = read(path_);
  EXPECT_NE(now.find("# technician's note"), std::string::npos);
  EXPECT_NE(now.find("tests_per_day = 8\nwindows = [\"08:00-12:00\", \"13:00-16:00\"]\n"),
            std::string::npos)
      << now;
  auto reloaded = config::loadConfigFile(path_, config::Purpose::kRun);
  ASSERT_TRUE(reloaded);
  EXPECT_EQ(reloaded->schedule.tests_per_day, 8);
}

TEST_F(ConfigEditTest, AnInvalidChangeIsRefusedWholeAndTheFileIsUntouched) {
  SetSchedule s;
  s.tests_per_day = 6;                                  // valid on its own
  s.windows = std::vector<std::string>{"17:00-08:00"};  // start after end: invalid
  auto cfg = applyConfigEdit(path_, [&](const std::string& t) { return editConfigText(t, s); });
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().kind, "invalid_arguments");
  EXPECT_EQ(read(path_), kText);
  EXPECT_FALSE(std::filesystem::exists(path_ + ".bak"));
}

TEST_F(ConfigEditTest, TargetChange) {
  SetTarget t;
  t.contracted_down_mbps = 200;
  t.tolerance_pct = 3;
  auto cfg = applyConfigEdit(path_, [&](const std::string& x) { return editConfigText(x, t); });
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_EQ(cfg->target.contracted_down_mbps, 200);
  EXPECT_EQ(cfg->target.tolerance_pct, 3);
  EXPECT_EQ(cfg->target.floor_down_mbps, 100);
}

}  // namespace
}  // namespace uplinkprobe::control
