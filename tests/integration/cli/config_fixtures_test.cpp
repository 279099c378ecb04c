// One validation path (issue 9 point 4): every configuration fixture in tests/fixtures/config
// goes through `check-config` and `run`. What check-config accepts, run starts with; what it
// refuses, run refuses with exit 78 and the same message. The fixture's first line says what
// check-config must answer, so a check-config that refuses everything cannot pass either.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "tests/support/child_process.h"

namespace uplinkprobe {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string firstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

// Messages wrap to 80 columns with continuation lines indented by two spaces; the words are
// what the test compares.
std::string unwrapped(std::string s) {
  for (size_t at = s.find("\n  "); at != std::string::npos; at = s.find("\n  ", at))
    s.replace(at, 3, " ");
  return s;
}

TEST(ConfigFixtures, WhatCheckConfigAcceptsRunStartsWithAndWhatItRefusesRunRefuses) {
  const fs::path fixtures = fs::path(UPLINKPROBE_SOURCE_DIR) / "tests/fixtures/config";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fixtures))
    if (e.path().extension() == ".toml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  const fs::path scratch =
      fs::temp_directory_path() / ("uplinkprobe-fixtures-" + std::to_string(getpid()));
  fs::remove_all(scratch);
  int accepted = 0, refused = 0;
  for (const auto& f : files) {
    SCOPED_TRACE(f.filename().string());
    const fs::path dir = scratch / f.stem();
    fs::create_directories(dir);
    testing::writeFile((dir / "mqtt.password").string(), "fixture-secret\n");
    ::chmod((dir / "mqtt.password").c_str(), 0600);
    testing::writeFile((dir / "ca.pem").string(), "not checked beyond readability\n");
    testing::writeFile((dir / "afile").string(), "a file where a directory would go\n");
    std::string text = testing::readFile(f.string());
    const std::string expect = firstLine(text);
    text = std::regex_replace(text, std::regex("@DIR@"), dir.string());
    const std::string cfg = (dir / "uplinkprobe.toml").string();
    testing::writeFile(cfg, text);

    auto [check_code, check_out] = testing::runToEnd(
        {UPLINKPROBE_BIN, "check-config", "--config", cfg}, (dir / "check").string());
    const std::string check_err = unwrapped(testing::readFile((dir / "check.err").string()));
    if (expect == "# expect: ok") {
      EXPECT_EQ(check_code, 0) << check_err;
      if (check_code != 0) continue;
      ++accepted;
      testing::ChildProcess run({UPLINKPROBE_BIN, "run", "--config", cfg},
                                (dir / "run.out").string(), (dir / "run.err").string());
      const bool started = testing::waitFor(
          [&] { return run.err().find("running: device") != std::string::npos || !run.running(); },
          15s);
      EXPECT_TRUE(started && run.running()) << "check-config accepted it, run did not start:\n"
                                            << run.err();
      run.signal(SIGTERM);
      EXPECT_EQ(run.wait(15s), 0) << run.err();
      continue;
    }
    ASSERT_EQ(expect.rfind("# expect: refused ", 0), 0u) << "first line must say what to expect";
    const std::string why = expect.substr(std::string("# expect: refused ").size());
    EXPECT_EQ(check_code, 78) << check_out << check_err;
    EXPECT_NE(check_err.find(why), std::string::npos) << check_err;
    EXPECT_NE(check_err.find(cfg), std::string::npos) << "the message names the file";
    if (check_code != 78) continue;
    ++refused;
    auto [run_code, run_out] =
        testing::runToEnd({UPLINKPROBE_BIN, "run", "--config", cfg}, (dir / "run").string(), 15s);
    const std::string run_err = unwrapped(testing::readFile((dir / "run.err").string()));
    EXPECT_EQ(run_code, 78) << run_err;
    EXPECT_NE(run_err.find(firstLine(check_err)), std::string::npos)
        << "run must refuse with check-config's message\ncheck-config: " << check_err
        << "\nrun: " << run_err;
  }
  fs::remove_all(scratch);
  EXPECT_GE(accepted, 4);
  EXPECT_GE(refused, 12);
}

}  // namespace
}  // namespace uplinkprobe
