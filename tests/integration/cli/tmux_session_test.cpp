// The technician's terminal, driven through tmux (a real TTY, 80 columns) under
// LANG=zh_CN.UTF-8 and LANG=C.UTF-8:
// - interactive `commission` asks the device id first, offers no placeholder, asks a bad
//   answer again (the example school id, a rate that is not a number) instead of ending the
//   session, and prints the receipt with what was finally typed;
// - `test` draws its live progress on the TTY and ends with the verdict.
// tmux comes from scripts/install-deps.sh; a missing tmux fails the test.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "agent/cli/display_format.h"
#include "tests/integration/server/server_harness.h"
#include "tests/support/cli_run.h"
#include "tests/support/temp_dir.h"

namespace uplinkprobe {
namespace {

using uplinkprobe::testing::TempDir;

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class TmuxSession : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists("/usr/bin/tmux")) << "tmux missing: scripts/install-deps.sh";
    session_ = "uptest" + std::to_string(getpid()) + std::string(GetParam()).substr(0, 2);
    auto ex = testing::runCli({UPLINKPROBE_BIN, "example-config"}, {}, scratch());
    ASSERT_EQ(ex.code, 0);
    const std::string from = "dir = \"/var/lib/uplinkprobe\"";
    auto at = ex.out.find(from);
    ASSERT_NE(at, std::string::npos);
    ex.out.replace(at, from.size(), "dir = \"" + (dir_ / "state").string() + "\"");
    testing::writeFile(config(), ex.out);
  }
  void TearDown() override { tmux({"kill-session", "-t", session_}); }

  std::string scratch() const { return (dir_ / "cmd").string(); }
  std::string config() const { return (dir_ / "agent.toml").string(); }
  bool chinese() const { return std::string(GetParam()).rfind("zh", 0) == 0; }
  testing::CliResult tmux(std::vector<std::string> args) {
    args.insert(args.begin(), "/usr/bin/tmux");
    return testing::runCli(args, {}, scratch(), 10s);
  }
  // Starts `argv` in a new 80x50 session; the shell-free command line is tmux's argv.
  void start(const std::vector<std::string>& argv) {
    std::vector<std::string> args = {"new-session",
                                     "-d",
                                     "-s",
                                     session_,
                                     "-x",
                                     "80",
                                     "-y",
                                     "50",
                                     "env",
                                     "LANG=" + std::string(GetParam()),
                                     "TZ=Asia/Shanghai"};
    args.insert(args.end(), argv.begin(), argv.end());
    ASSERT_EQ(tmux(args).code, 0);
    tmux({"set-option", "-t", session_, "remain-on-exit", "on"});
  }
  std::string pane() { return tmux({"capture-pane", "-p", "-J", "-t", session_}).out; }
  bool waitPane(const std::string& text, std::chrono::seconds timeout = 20s) {
    return testing::waitFor([&] { return pane().find(text) != std::string::npos; }, timeout);
  }
  void type(const std::string& line) {
    tmux({"send-keys", "-t", session_, "-l", line});
    tmux({"send-keys", "-t", session_, "Enter"});
  }

  TempDir dir_{"up-tmux-"};
  std::string session_;
};

TEST_P(TmuxSession, CommissionAsksABadAnswerAgainAndPrintsTheReceipt) {
  server::testing::ServerProcess server;
  ASSERT_NE(server.port(), 0);
  start({UPLINKPROBE_BIN,
         "commission",
         "--config",
         config(),
         "--no-start",
         "--broker",
         "",
         "--username",
         "",
         "--school-name",
         "Nanhu Primary",
         "--region",
         "Changchun",
         "--county",
         "Nanguan",
         "--carrier",
         "CarrierA",
         "--contracted-up",
         "0",
         "--server",
         "http://127.0.0.1:" + std::to_string(server.port()) + "/"});
  const std::string device = chinese() ? "设备编号" : "Device id";
  ASSERT_TRUE(waitPane(device)) << pane();
  // Device id first, and the example's placeholder is not offered as the default.
  EXPECT_EQ(pane().find("school-0001-probe-1"), std::string::npos) << pane();
  type("jl-0042-p1");
  ASSERT_TRUE(waitPane(chinese() ? "学校编号" : "School id")) << pane();
  type("220102-0001");  // the example's placeholder: asked again
  ASSERT_TRUE(waitPane(chinese() ? "示例占位值" : "example placeholder")) << pane();
  type("220102-0042");
  ASSERT_TRUE(waitPane(chinese() ? "合同下行带宽" : "Contracted download")) << pane();
  type("fast");  // not a number: asked again
  ASSERT_TRUE(waitPane(chinese() ? "不是以 Mbps 计的速率" : "is not a rate in Mbps")) << pane();
  type("200");
  ASSERT_TRUE(waitPane(chinese() ? "开通验收单" : "commissioning receipt", 60s)) << pane();
  ASSERT_TRUE(waitPane(chinese() ? "服务：" : "service:")) << pane();
  const std::string screen = pane();
  EXPECT_NE(screen.find("jl-0042-p1"), std::string::npos) << screen;
  EXPECT_NE(screen.find("220102-0042"), std::string::npos) << screen;
  EXPECT_NE(screen.find("200 Mbps"), std::string::npos) << screen;
  const std::string cfg = testing::readFile(config());
  EXPECT_NE(cfg.find("device_id = \"jl-0042-p1\""), std::string::npos);
  EXPECT_NE(cfg.find("contracted_down_mbps = 200"), std::string::npos);
}

TEST_P(TmuxSession, TestDrawsLiveProgressAndEndsWithTheVerdict) {
  server::testing::ServerProcess server;
  ASSERT_NE(server.port(), 0);
  start({UPLINKPROBE_BIN, "test", "--server",
         "http://127.0.0.1:" + std::to_string(server.port()) + "/", "--target", "100000"});
  ASSERT_TRUE(waitPane(chinese() ? "结论" : "verdict", 60s)) << pane();
  const std::string screen = pane();
  // The progress lines were drawn on the TTY: the latency phase says what it does (no zeros).
  EXPECT_NE(screen.find(chinese() ? "正在测量到服务器的空闲时延" : "measuring idle latency"),
            std::string::npos)
      << screen;
  EXPECT_NE(screen.find(chinese() ? "未达标" : "BELOW TARGET"), std::string::npos) << screen;
  EXPECT_EQ(screen.find("0.0 Mbps"), std::string::npos) << screen;
  size_t start = 0;
  while (start < screen.size()) {
    size_t nl = screen.find('\n', start);
    if (nl == std::string::npos) nl = screen.size();
    EXPECT_LE(cli::displayWidth(screen.substr(start, nl - start)), 80);
    start = nl + 1;
  }
}

INSTANTIATE_TEST_SUITE_P(Languages, TmuxSession, ::testing::Values("C.UTF-8", "zh_CN.UTF-8"),
                         [](const auto& info) {
                           return std::string(info.param).substr(0, 1) == "C" ? "English"
                                                                              : "Chinese";
                         });

}  // namespace
}  // namespace uplinkprobe
