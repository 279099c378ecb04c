// Ctrl-C after a finished direction (issue 13): `uplinkprobe test` against a deliberately
// slow LibreSpeed server (tests/support/slow_librespeed.py, ~16 Mbit/s per stream) gets
// SIGINT while its upload runs, i.e. after the download's summary line was printed. It keeps
// the download's figures and judgement, says CANCELLED / 已取消, never ERROR, exits 130.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <string>

#include "tests/support/child_process.h"

namespace uplinkprobe {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class Cancel : public ::testing::TestWithParam<const char*> {};

TEST_P(Cancel, CtrlCAfterTheDownloadKeepsItSaysCancelledAndExits130) {
  const bool zh = std::string(GetParam()) == "zh";
  const fs::path dir =
      fs::temp_directory_path() / ("up-cancel-" + std::to_string(getpid()) + "-" + GetParam());
  fs::remove_all(dir);
  fs::create_directories(dir);
  testing::ChildProcess server(
      {"/usr/bin/python3",
       std::string(UPLINKPROBE_SOURCE_DIR) + "/tests/support/slow_librespeed.py", "2000000", "120"},
      (dir / "server.out").string(), (dir / "server.err").string());
  ASSERT_TRUE(testing::waitFor([&] { return server.out().find('\n') != std::string::npos; }, 10s))
      << server.err();
  const std::string port = server.out().substr(10, server.out().find('\n') - 10);

  testing::ChildProcess test({UPLINKPROBE_BIN, "test", "--lang", GetParam(), "--server",
                              "http://127.0.0.1:" + port + "/", "--target", "1"},
                             (dir / "test.out").string(), (dir / "test.err").string());
  // Off a TTY, a phase's summary line is printed when the next phase starts: the download
  // line means the download is finished and the upload runs (it lasts seconds here).
  const std::string download_line = zh ? "\n  下载 " : "\n  download ";
  ASSERT_TRUE(
      testing::waitFor([&] { return test.err().find(download_line) != std::string::npos; }, 40s))
      << test.err();
  test.signal(SIGINT);
  const auto code = test.wait(15s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 130) << test.out() << test.err();
  const std::string out = test.out();
  EXPECT_NE(out.find(zh ? "已取消（Ctrl-C）；已保留测得的结果：下载 达标"
                        : "CANCELLED (Ctrl-C); kept what was measured: download PASS"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(zh ? "有效吞吐" : "Mbps goodput"), std::string::npos) << out;
  EXPECT_EQ(out.find(zh ? "出错" : "ERROR"), std::string::npos) << out;
  server.signal(SIGTERM);
  server.wait(5s);
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Languages, Cancel, ::testing::Values("en", "zh"));

}  // namespace
}  // namespace uplinkprobe
