// One verdict vocabulary: the headline names the deciding direction(s), the exit code agrees
// with it, a cancelled test keeps what it measured and exits 130.
#include "agent/cli/verdict_words.h"

#include <gtest/gtest.h>

#include "agent/cli/display_format.h"
#include "agent/cli/test_summary.h"

namespace uplinkprobe::cli {
namespace {

nlohmann::json record(nlohmann::json down_meets, nlohmann::json up_meets) {
  nlohmann::json r = {
      {"kind", "throughput"},
      {"download", {{"goodput_mbps", 90.1}, {"ip_capacity_mbps", 94.2}, {"streams", 4}}},
      {"upload", {{"goodput_mbps", 20.1}, {"ip_capacity_mbps", 21.0}, {"streams", 4}}},
      {"latency", {{"idle_ms", 0.03}, {"loaded_ms", nullptr}}},
      {"cross_traffic_mbps", nullptr},
      {"error", nullptr},
      {"verdict",
       {{"target_mbps", 100},
        {"tolerance_pct", 5},
        {"measured_mbps", 94.2},
        {"meets_target", down_meets},
        {"counted", true},
        {"unfair_reasons", nlohmann::json::array()}}}};
  if (!up_meets.is_null()) {
    r["verdict"]["up_target_mbps"] = 50;
    r["verdict"]["up_measured_mbps"] = 21.0;
    r["verdict"]["up_meets_target"] = up_meets;
  }
  return r;
}

TEST(VerdictWords, OnlyUploadBelowSaysUploadAndExitsOne) {
  const auto r = record(true, false);
  EXPECT_EQ(outcomeOf(r).outcome, Outcome::kBelowTarget);
  EXPECT_EQ(headline(r), "BELOW TARGET: upload is below its target (download meets the target)");
  EXPECT_EQ(exitCodeForRecord(r), 1);
}

TEST(VerdictWords, BothMeetSaysBoth) {
  const auto r = record(true, true);
  EXPECT_EQ(headline(r), "PASS: download and upload meet their targets");
  EXPECT_EQ(exitCodeForRecord(r), 0);
  EXPECT_EQ(headline(record(false, nullptr)), "BELOW TARGET: download is below the target");
  EXPECT_EQ(headline(record(false, false)),
            "BELOW TARGET: download and upload are below their targets");
}

TEST(VerdictWords, CancelledAfterDownloadKeepsTheDownload) {
  auto r = record(true, nullptr);
  r["upload"] = nullptr;
  r["error"] = {{"kind", "cancelled"}, {"message", "test cancelled"}};
  EXPECT_EQ(outcomeOf(r).outcome, Outcome::kCancelled);
  EXPECT_EQ(exitCodeForRecord(r), 130);
  EXPECT_EQ(headline(r), "CANCELLED (Ctrl-C); kept what was measured: download PASS");
  const std::string s = formatTestSummary(r);
  EXPECT_NE(s.find("94.2 Mbps IP capacity"), std::string::npos) << s;
  EXPECT_NE(s.find("not measured (cancelled)"), std::string::npos) << s;
  EXPECT_EQ(s.find("ERROR"), std::string::npos) << s;
}

TEST(VerdictWords, ErrorIsErrorAndExitsTwo) {
  auto r = record(nullptr, nullptr);
  r["download"] = nullptr;
  r["upload"] = nullptr;
  r["error"] = {{"kind", "connect"}, {"message", "refused"}};
  EXPECT_EQ(headline(r), "ERROR: connect: refused");
  EXPECT_EQ(exitCodeForRecord(r), 2);
}

TEST(VerdictWords, SummaryPrintsUnknownAsDashAndTinyLatencyHonestly) {
  auto r = record(true, nullptr);
  const std::string s = formatTestSummary(r);
  EXPECT_NE(s.find("idle 0.03 ms, under load —"), std::string::npos) << s;
  EXPECT_NE(s.find("competing traffic —"), std::string::npos) << s;
  EXPECT_NE(s.find("server    —"), std::string::npos) << s;
  EXPECT_EQ(s.find(" 0.0 "), std::string::npos) << s;
  EXPECT_EQ(meetsWord(std::nullopt), "—");
  EXPECT_EQ(meetsWord(false), "BELOW TARGET");
}

}  // namespace
}  // namespace uplinkprobe::cli
