// Every line a person reads from `uplinkprobe` and `uplinkprobe-server` fits 80 columns
// (display columns: a CJK character is two): every command's --help, usage errors, a test
// against a closed port and against a real uplinkprobe-server on loopback (journaled through
// --config), records, report, check-config errors, example-config. Also: every subcommand
// answers --help with exit 0, and unknown values are "—", never "0.0".
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "agent/cli/display_format.h"
#include "tests/integration/server/server_harness.h"
#include "tests/support/cli_run.h"
#include "tests/support/temp_dir.h"

#include <nlohmann/json.hpp>

namespace uplinkprobe {
namespace {

using uplinkprobe::testing::TempDir;

namespace fs = std::filesystem;
using testing::CliResult;
using testing::runCli;

void expectFits(const std::string& what, const std::string& text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    const std::string line = text.substr(start, nl - start);
    EXPECT_LE(cli::displayWidth(line), cli::kMaxColumns) << what << ": \"" << line << "\"";
    start = nl + 1;
  }
}

class OutputWidth : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    env_ = {{"LANG", GetParam()}, {"TZ", "Asia/Shanghai"}};
    auto ex = run({UPLINKPROBE_BIN, "example-config"});
    ASSERT_EQ(ex.code, 0);
    const std::string from = "dir = \"/var/lib/uplinkprobe\"";
    auto at = ex.out.find(from);
    ASSERT_NE(at, std::string::npos);
    ex.out.replace(at, from.size(), "dir = \"" + (dir_ / "state").string() + "\"");
    testing::writeFile(config(), ex.out);
  }

  std::string config() const { return (dir_ / "agent.toml").string(); }
  bool chinese() const { return std::string(GetParam()).rfind("zh", 0) == 0; }
  // Machine output (CSV, JSON) is not for the 80-column check: checked = false.
  CliResult run(const std::vector<std::string>& argv, bool checked = true) {
    auto r = runCli(argv, env_, (dir_ / "cmd").string());
    if (!checked) return r;
    std::string what;
    for (const auto& a : argv) what += (what.empty() ? "" : " ") + a;
    expectFits(what + " (stdout)", r.out);
    expectFits(what + " (stderr)", r.err);
    return r;
  }

  TempDir dir_{"up-width-"};
  std::map<std::string, std::string> env_;
};

TEST_P(OutputWidth, HelpOfEveryCommandAndBothBinaries) {
  const auto help = run({UPLINKPROBE_BIN, "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_EQ(help.out.rfind(chinese() ? "用法：" : "usage:", 0), 0u) << help.out;
  EXPECT_EQ(run({UPLINKPROBE_SERVER_BIN, "--help"}).code, 0);
  for (const char* cmd : {"test", "run", "records", "report", "check-config", "example-config",
                          "commission", "status", "receipt"}) {
    const auto r = run({UPLINKPROBE_BIN, cmd, "--help"});
    EXPECT_EQ(r.code, 0) << cmd << ": " << r.err;
    EXPECT_NE(r.out.find(std::string("uplinkprobe ") + cmd), std::string::npos) << r.out;
  }
  EXPECT_EQ(run({UPLINKPROBE_BIN, "bogus"}).code, 64);
  EXPECT_EQ(run({UPLINKPROBE_BIN, "records", "--bogus"}).code, 64);
  const auto kind = run({UPLINKPROBE_BIN, "records", "--config", config(), "--kind", "bogus"});
  EXPECT_EQ(kind.code, 64);
  EXPECT_NE(kind.err.find("throughput"), std::string::npos) << kind.err;  // what is allowed
  EXPECT_EQ(run({UPLINKPROBE_BIN, "report", "--config", config(), "--since", "yesterday"}).code,
            64);
  const auto ex = run({UPLINKPROBE_BIN, "example-config"});
  EXPECT_EQ(ex.code, 0);
  EXPECT_GT(ex.out.size(), 1000u);
}

TEST_P(OutputWidth, TestRecordsReportAndCheckConfig) {
  // A closed port: the failed test prints unknown values as "—", never 0.
  const auto closed = run({UPLINKPROBE_BIN, "test", "--server", "http://127.0.0.1:9/"});
  EXPECT_EQ(closed.code, 2) << closed.out << closed.err;
  EXPECT_EQ(closed.out.find(" 0.0 "), std::string::npos) << closed.out;
  EXPECT_NE(closed.out.find("—"), std::string::npos) << closed.out;
  // The engine's English message is preceded by the error's kind in the reader's language.
  EXPECT_NE(closed.out.find(chinese() ? "出错：无法连接服务器：" : "ERROR: connect: "),
            std::string::npos)
      << closed.out;
  // ... and the engine's message itself too (no English left in a Chinese screen).
  if (chinese()) {
    EXPECT_NE(closed.out.find("服务器 127.0.0.1:9 拒绝连接"), std::string::npos) << closed.out;
    EXPECT_EQ(closed.out.find("refused"), std::string::npos) << closed.out;
  }

  server::testing::ServerProcess server;
  ASSERT_NE(server.port(), 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  // Loopback runs at Gbit/s: a 10^5 Mbps target is surely missed (exit 1), whatever the load.
  const auto below =
      run({UPLINKPROBE_BIN, "test", "--config", config(), "--server", url, "--target", "100000"});
  EXPECT_EQ(below.code, 1) << below.out << below.err;
  EXPECT_NE(below.out.find(chinese() ? "未达标：下载低于目标" : "BELOW TARGET: download is below"),
            std::string::npos)
      << below.out;
  EXPECT_NE(below.out.find("Gbps"), std::string::npos) << below.out;
  const auto up = run({UPLINKPROBE_BIN, "test", "--config", config(), "--server", url,
                       "--upload-only", "--target", "1"});
  EXPECT_EQ(up.code, 0) << up.out << up.err;

  const auto records = run({UPLINKPROBE_BIN, "records", "--config", config()});
  EXPECT_EQ(records.code, 0) << records.err;
  EXPECT_NE(records.out.find("throughput"), std::string::npos) << records.out;
  const auto since = run({UPLINKPROBE_BIN, "records", "--config", config(), "--since", "1"});
  EXPECT_EQ(since.code, 0);
  EXPECT_LT(since.out.size(), records.out.size());
  const auto dated = run({UPLINKPROBE_BIN, "records", "--config", config(), "--since", "2000-01-01",
                          "--until", "2000-01-02"});
  EXPECT_EQ(dated.code, 0);
  EXPECT_EQ(dated.out, "");

  const auto report = run({UPLINKPROBE_BIN, "report", "--config", config()});
  EXPECT_EQ(report.code, 0) << report.err;
  // No rows before the journal's first record: today only.
  int rows = 0;
  for (size_t at = report.out.find("\n20"); at != std::string::npos;
       at = report.out.find("\n20", at + 1))
    ++rows;
  EXPECT_EQ(rows, 1) << report.out;
  const auto csv = run({UPLINKPROBE_BIN, "report", "--config", config(), "--csv"}, false);
  EXPECT_EQ(csv.out.rfind("school_id,device_id,date,", 0), 0u) << csv.out;
  for (const char* period : {"week", "month"}) {
    const auto by = run({UPLINKPROBE_BIN, "report", "--config", config(), "--period", period});
    EXPECT_EQ(by.code, 0) << by.err;
    EXPECT_NE(by.out.find(chinese() ? (period[0] == 'w' ? "按 ISO 周" : "按自然月")
                                    : (period[0] == 'w' ? "by ISO week" : "by calendar month")),
              std::string::npos)
        << by.out;
    const auto by_csv =
        run({UPLINKPROBE_BIN, "report", "--config", config(), "--period", period, "--csv"}, false);
    EXPECT_EQ(by_csv.out.rfind("school_id,device_id,period,", 0), 0u) << by_csv.out;
  }
  EXPECT_EQ(run({UPLINKPROBE_BIN, "report", "--config", config(), "--period", "day"}).code, 64);
  EXPECT_EQ(
      run({UPLINKPROBE_BIN, "report", "--config", config(), "--period", "week", "--days", "3"})
          .code,
      64);

  // The receipt: none saved yet (2), a bad number (64); commissioned, printed again.
  EXPECT_EQ(run({UPLINKPROBE_BIN, "receipt", "--config", config()}).code, 2);
  EXPECT_EQ(run({UPLINKPROBE_BIN, "receipt", "x", "--config", config()}).code, 64);
  const auto commission = run({UPLINKPROBE_BIN, "commission",
                               "--config",      config(),
                               "--yes",         "--no-start",
                               "--broker",      "",
                               "--username",    "",
                               "--device-id",   "jl-0042-p1",
                               "--school-id",   "220102-0042",
                               "--school-name", "南关区南湖实验小学（第二校区）",
                               "--carrier",     "中国联通长春分公司",
                               "--server",      url});
  EXPECT_TRUE(commission.code == 0 || commission.code == 1) << commission.out << commission.err;
  const auto receipt = run({UPLINKPROBE_BIN, "receipt", "--config", config()});
  EXPECT_EQ(receipt.code, 0) << receipt.err;
  EXPECT_NE(receipt.out.find(chinese() ? "开通验收单" : "commissioning receipt"), std::string::npos)
      << receipt.out;
  const auto unknown = run({UPLINKPROBE_BIN, "receipt", "99", "--config", config()});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("99"), std::string::npos) << unknown.err;

  testing::writeFile((dir_ / "bad.toml").string(), "[target]\nfloor_down_mbps = \"fast\"\n");
  const auto bad = run({UPLINKPROBE_BIN, "check-config", "--config", (dir_ / "bad.toml").string()});
  EXPECT_EQ(bad.code, 78);
  // The loader's message, said in the reader's language (message_words.h).
  for (const char* part : {chinese() ? "bad.toml 第 2 行：" : "bad.toml line 2:",
                           chinese() ? "floor_down_mbps：应为数字" : "floor_down_mbps: expected a"})
    EXPECT_NE(bad.err.find(part), std::string::npos) << bad.err;
  testing::writeFile((dir_ / "example.toml").string(),
                     run({UPLINKPROBE_BIN, "example-config"}, false).out);
  const auto placeholder =
      run({UPLINKPROBE_BIN, "check-config", "--config", (dir_ / "example.toml").string()});
  EXPECT_EQ(placeholder.code, 78);
  EXPECT_NE(placeholder.err.find(chinese() ? "是示例占位值" : "is example-config's placeholder"),
            std::string::npos)
      << placeholder.err;
  const auto unknown_option = run({UPLINKPROBE_BIN, "status", "--bogus"});
  EXPECT_EQ(unknown_option.code, 64);
  EXPECT_NE(unknown_option.err.find(chinese() ? "未知选项 --bogus" : "unknown option --bogus"),
            std::string::npos)
      << unknown_option.err;
}

// `status` against a real daemon (availability only, no broker): not running before, running
// (healthy or degraded: the clock of a CI machine may be unsynchronised) with the daemon's
// pid while it runs, not running after SIGTERM.
TEST_P(OutputWidth, StatusOfADaemonBeforeWhileAndAfterItRuns) {
  const std::string cfg = (dir_ / "daemon.toml").string();
  testing::writeFile(cfg,
                     "[identity]\ndevice_id = \"status-dev-1\"\nschool_id = \"s-1\"\n"
                     "[schedule]\ntests_per_day = 0\n[availability]\ninterval_s = 10\n"
                     "dns_servers = [\"127.0.0.1\"]\ntcp_targets = [\"localhost:9\"]\n"
                     "[storage]\ndir = \"" +
                         (dir_ / "dstate").string() + "\"\n");
  const auto before = run({UPLINKPROBE_BIN, "status", "--config", cfg});
  EXPECT_EQ(before.code, 2) << before.out << before.err;
  {
    testing::ChildProcess daemon({UPLINKPROBE_BIN, "run", "--config", cfg},
                                 (dir_ / "run.out").string(), (dir_ / "run.err").string());
    ASSERT_TRUE(testing::waitFor([&] { return fs::exists(dir_ / "dstate" / "status.json"); },
                                 std::chrono::seconds(20)))
        << testing::readFile((dir_ / "run.err").string());
    const auto running = run({UPLINKPROBE_BIN, "status", "--config", cfg});
    EXPECT_TRUE(running.code == 0 || running.code == 1) << running.out << running.err;
    const auto json = run({UPLINKPROBE_BIN, "status", "--config", cfg, "--json"}, false);
    const auto j = nlohmann::json::parse(json.out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << json.out;
    EXPECT_EQ(j["pid"], daemon.pid());
    EXPECT_EQ(j["running"], true);
    EXPECT_EQ(j["broker"]["configured"], false);
    EXPECT_EQ(j["next_test"], nullptr);  // tests_per_day = 0
    EXPECT_EQ(j["config_path"], cfg);
    EXPECT_EQ(j["health"], running.code == 0 ? "healthy" : "degraded");
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait(std::chrono::seconds(15)), 0);
  }
  const auto after = run({UPLINKPROBE_BIN, "status", "--config", cfg});
  EXPECT_EQ(after.code, 2) << after.out;
  EXPECT_NE(after.out.find(chinese() ? "正常停止" : "stopped cleanly"), std::string::npos)
      << after.out;
}

// The language: --lang over LC_ALL over LC_MESSAGES over LANG; no generated locale needed
// (this machine may have only C.UTF-8).
TEST(Language, LangOverridesTheEnvironmentWhichChoosesInPosixOrder) {
  const std::string scratch = "/tmp/up-lang-" + std::to_string(getpid());
  auto helpStart = [&](std::vector<std::string> args, std::map<std::string, std::string> env) {
    args.insert(args.begin(), UPLINKPROBE_BIN);
    auto r = runCli(args, env, scratch);
    EXPECT_EQ(r.code, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  };
  const std::string zh = "用法：uplinkprobe <命令>", en = "usage: uplinkprobe <command>";
  EXPECT_EQ(helpStart({"--help"}, {{"LANG", "zh_CN.UTF-8"}}).rfind(zh, 0), 0u);
  EXPECT_EQ(helpStart({"--help"}, {{"LANG", "C.UTF-8"}}).rfind(en, 0), 0u);
  EXPECT_EQ(helpStart({"--help"}, {}).rfind(en, 0), 0u);
  EXPECT_EQ(helpStart({"--help", "--lang", "zh"}, {{"LANG", "C.UTF-8"}}).rfind(zh, 0), 0u);
  EXPECT_EQ(helpStart({"--lang=en", "--help"}, {{"LANG", "zh_CN.UTF-8"}}).rfind(en, 0), 0u);
  EXPECT_EQ(
      helpStart({"--help"}, {{"LANG", "C.UTF-8"}, {"LC_MESSAGES", "zh_CN.UTF-8"}}).rfind(zh, 0),
      0u);
  EXPECT_EQ(helpStart({"--help"}, {{"LANG", "zh_CN.UTF-8"}, {"LC_ALL", "C.UTF-8"}}).rfind(en, 0),
            0u);
  // Subcommand help and errors follow too.
  auto r = runCli({UPLINKPROBE_BIN, "records", "--kind", "x", "--lang", "zh"}, {}, scratch);
  EXPECT_EQ(r.code, 64);
  EXPECT_NE(r.err.find("未知类型"), std::string::npos) << r.err;
  EXPECT_EQ(runCli({UPLINKPROBE_BIN, "--lang", "fr", "--help"}, {}, scratch).code, 64);
  for (const char* ext : {".out", ".err"}) std::remove((scratch + ext).c_str());
}

INSTANTIATE_TEST_SUITE_P(Languages, OutputWidth, ::testing::Values("C.UTF-8", "zh_CN.UTF-8"),
                         [](const auto& info) {
                           return std::string(info.param).substr(0, 1) == "C" ? "English"
                                                                              : "Chinese";
                         });

}  // namespace
}  // namespace uplinkprobe
