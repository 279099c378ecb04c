// `uplinkprobe status` verdicts from status.json (status_view.h) and the daemon's writer
// (status_file.h): healthy 0, degraded 1 with the reason, not running 2; the file is
// rewritten on change and at least every kStatusRewriteAfter, not on every check.
#include "agent/cli/status_view.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "agent/daemon/state_file.h"
#include "agent/daemon/status_file.h"
#include "common/time_format.h"
#include "tests/support/temp_dir.h"

namespace uplinkprobe::cli {
namespace {

using uplinkprobe::testing::TempDir;

const WallTime kNow = *parseRfc3339("2026-12-02T06:00:00Z");

nlohmann::json healthy() {
  return {{"schema", "uplinkprobe-status/1"},
          {"pid", 4242},
          {"running", true},
          {"started_at", "2026-12-02T04:00:00Z"},
          {"updated_at", "2026-12-02T05:59:58Z"},
          {"agent_version", "0.1.0"},
          {"config_path", "/etc/uplinkprobe/uplinkprobe.toml"},
          {"config_hash", "0123456789abcdef"},
          {"broker",
           {{"configured", true},
            {"uri", "tcp://b:1883"},
            {"connected", true},
            {"since", "2026-12-02T04:00:01Z"}}},
          {"journal",
           {{"last_seq", 42},
            {"delivered_seq", 42},
            {"waiting", 0},
            {"oldest_waiting_ts", nullptr},
            {"bytes_used", 1e6},
            {"max_bytes", 64e6}}},
          {"last_test",
           {{"ts", "2026-12-02T05:00:00Z"},
            {"error", nullptr},
            {"verdict", {{"meets_target", true}}},
            {"download_mbps", 95.6},
            {"upload_mbps", nullptr}}},
          {"next_test", "2026-12-02T07:00:00Z"},
          {"open_alerts", nlohmann::json::array()},
          {"clock", {{"synced", true}, {"source", "kernel"}}}};
}

TEST(StatusView, HealthyIsZeroAndSaysWhatItKnows) {
  const auto r = evaluateStatus(healthy(), true, kNow, "/s");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.health, "healthy");
  EXPECT_NE(r.text.find("PASS: download meets the target"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("95.6 Mbps"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("up —"), std::string::npos) << r.text;
  EXPECT_EQ(r.json["health"], "healthy");
}

TEST(StatusView, EachProblemDegradesWithItsName) {
  auto f = healthy();
  f["broker"]["connected"] = false;
  f["clock"]["synced"] = false;
  f["journal"]["waiting"] = 3;
  f["journal"]["oldest_waiting_ts"] = "2026-12-02T04:30:00Z";  // 90 min
  f["journal"]["bytes_used"] = 60e6;
  const auto r = evaluateStatus(f, true, kNow, "/s");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.problems, (std::vector<std::string>{"broker_disconnected", "clock_unsynced",
                                                  "delivery_stale", "journal_full"}));
  EXPECT_NE(r.text.find("3 waiting to be sent"), std::string::npos) << r.text;
  auto stuck = healthy();
  stuck["updated_at"] = "2026-12-02T05:00:00Z";  // 60 min > 3 x 5 min
  EXPECT_EQ(evaluateStatus(stuck, true, kNow, "/s").problems, std::vector<std::string>{"stuck"});
  auto alert = healthy();  // an open alert is about the link, not the box
  alert["open_alerts"] = {{{"type", "throughput"}, {"since", "2026-12-01T00:00:00Z"}}};
  EXPECT_EQ(evaluateStatus(alert, true, kNow, "/s").exit_code, 0);
}

TEST(StatusView, NotRunningIsTwo) {
  EXPECT_EQ(evaluateStatus(std::nullopt, false, kNow, "/s").exit_code, 2);
  EXPECT_EQ(evaluateStatus(healthy(), false, kNow, "/s").exit_code, 2);  // process gone
  auto stopped = healthy();
  stopped["running"] = false;
  stopped["stopped_at"] = "2026-12-02T05:59:00Z";
  const auto r = evaluateStatus(stopped, true, kNow, "/s");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.text.find("stopped cleanly"), std::string::npos) << r.text;
}

TEST(StatusWriter, WritesOnChangeAndAtLeastEveryFiveMinutesOnly) {
  const TempDir dir("up-status-");
  const std::string path = (dir / daemon::kStatusFileName).string();
  daemon::StatusWriter w(path);
  const SteadyTime t0{};
  const nlohmann::json a = {{"running", true}, {"x", 1}};
  EXPECT_TRUE(w.update(a, kNow, t0));
  EXPECT_FALSE(w.update(a, kNow, t0 + std::chrono::seconds(5)));
  EXPECT_TRUE(w.update({{"running", true}, {"x", 2}}, kNow, t0 + std::chrono::seconds(10)));
  EXPECT_FALSE(w.update({{"running", true}, {"x", 2}}, kNow, t0 + std::chrono::seconds(300)));
  EXPECT_TRUE(w.update({{"running", true}, {"x", 2}}, kNow + std::chrono::seconds(310),
                       t0 + std::chrono::seconds(310)));
  const auto back = daemon::readStateFile(path);
  ASSERT_TRUE(back);
  EXPECT_EQ((*back)["x"], 2);
  EXPECT_EQ((*back)["updated_at"], "2026-12-02T06:05:10.000Z");
}

}  // namespace
}  // namespace uplinkprobe::cli
