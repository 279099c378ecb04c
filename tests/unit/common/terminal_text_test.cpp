#include "common/terminal_text.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "agent/cli/record_line.h"
#include "agent/cli/test_summary.h"

namespace uplinkprobe {
namespace {

TEST(TerminalSafe, ControlsBecomeQuestionMarks) {
  EXPECT_EQ(terminalSafe("a\x1b]0;pwned\x07"
                         "b"),
            "a?]0;pwned?b");
  EXPECT_EQ(terminalSafe("x\xc2\x9b"
                         "31m"),
            "x?31m")
      << "C1 CSI in UTF-8";
  EXPECT_EQ(terminalSafe("l1\nl2\tz\x7f"), "l1\nl2\tz?");
  EXPECT_EQ(terminalSafe("l1\nl2", false), "l1?l2");
  EXPECT_EQ(terminalSafe("长春市南关区 ok"), "长春市南关区 ok");
}

TEST(TerminalSafe, TestSummaryAndRecordLinesCarryNoEscapes) {
  // A hostile test server names itself and fails with escape sequences in its words.
  nlohmann::json rec = {
      {"kind", "throughput"},
      {"seq", 7},
      {"ts", "2026-12-01T08:00:00Z"},
      {"server", {{"name", "evil\x1b[2J"}, {"url", "http://x/\x1b]0;t\x07"}}},
      {"error", {{"kind", "http"}, {"message", "HTTP 500: \x1b[31mclear your screen"}}}};
  const std::string summary = cli::formatTestSummary(rec);
  EXPECT_EQ(summary.find('\x1b'), std::string::npos) << summary;
  EXPECT_EQ(summary.find('\x07'), std::string::npos) << summary;
  EXPECT_NE(summary.find("clear your screen"), std::string::npos) << summary;
  const std::string line = cli::formatRecordLine(rec.dump());
  EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
}

}  // namespace
}  // namespace uplinkprobe
