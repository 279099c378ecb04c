// status.json's content (status_file.h, docs/cli.md "status") from a StatusSnapshot: the
// fields `uplinkprobe status` and a technician read, without a running daemon.
#include "agent/daemon/status_snapshot.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/time_format.h"

namespace uplinkprobe::daemon {
namespace {

TEST(StatusSnapshot, SaysWhatTheLoopKnows) {
  config::Config cfg;
  cfg.identity.device_id = "dev1";
  cfg.identity.school_id = "sch1";
  cfg.mqtt.uri = "tcp://127.0.0.1:1883";
  cfg.storage.dir = "/var/lib/uplinkprobe";
  cfg.storage.max_mb = 64;
  ManualClock clock;
  StatusSnapshot s;
  s.now = clock.wallNow();
  s.pid = 42;
  s.cfg = &cfg;
  s.broker_connected = true;
  s.broker_since = "2026-12-02T00:00:00.000Z";
  s.last_seq = 10;
  s.delivered_seq = 7;
  s.oldest_waiting_ts = "2026-12-02T00:01:00.000Z";
  s.next_test = clock.wallNow() + std::chrono::hours(1);
  record::AlertState alerts;
  alerts.breaches.push_back({"throughput",
                             "dev1:0123456789abcdef:9",
                             *parseRfc3339("2026-12-01T23:00:00.000Z"),
                             {"dev1:0123456789abcdef:8"}});
  s.alert_state = alerts;
  auto j = statusJson(s);
  EXPECT_EQ(j["schema"], "uplinkprobe-status/1");
  EXPECT_EQ(j["pid"], 42);
  EXPECT_EQ(j["running"], true);
  EXPECT_FALSE(j.contains("stopped_at"));
  EXPECT_EQ(j["device_id"], "dev1");
  EXPECT_EQ(j["broker"]["configured"], true);
  EXPECT_EQ(j["broker"]["connected"], true);
  EXPECT_EQ(j["journal"]["waiting"], 3);
  EXPECT_EQ(j["journal"]["oldest_waiting_ts"], "2026-12-02T00:01:00.000Z");
  EXPECT_EQ(j["journal"]["max_bytes"], 64u * 1024 * 1024);
  EXPECT_TRUE(j["next_test"].is_string());
  ASSERT_EQ(j["open_alerts"].size(), 1u);
  EXPECT_EQ(j["open_alerts"][0],
            (nlohmann::json{{"type", "throughput"}, {"since", "2026-12-01T23:00:00.000Z"}}));
  EXPECT_TRUE(j["last_test"].is_null());

  s.running = false;
  s.delivered_seq = 12;  // delivered past last (a journal reset): never a negative wait
  j = statusJson(s);
  EXPECT_TRUE(j["stopped_at"].is_string());
  EXPECT_EQ(j["journal"]["waiting"], 0);
}

TEST(StatusSnapshot, TestSummaryReadsTheMethodsOwnFigures) {
  nlohmann::json tcp = {{"ts", "t"},
                        {"id", "a"},
                        {"error", nullptr},
                        {"download", {{"ip_capacity_mbps", 97.8}}},
                        {"upload", {{"ip_capacity_mbps", 48.2}}}};
  auto t = testSummary(tcp);
  EXPECT_EQ(t["download_mbps"], 97.8);
  EXPECT_EQ(t["upload_mbps"], 48.2);
  nlohmann::json udp = {
      {"ts", "t"},
      {"method", "udp"},
      {"download", nullptr},
      {"upload", nullptr},
      {"udp",
       {{"download", {{"ip_capacity_mbps", 49.5}}}, {"upload", {{"ip_capacity_mbps", 9.9}}}}}};
  auto u = testSummary(udp);
  EXPECT_EQ(u["download_mbps"], 49.5);
  EXPECT_EQ(u["upload_mbps"], 9.9);
  EXPECT_TRUE(testSummary(nlohmann::json::object())["download_mbps"].is_null());
}

}  // namespace
}  // namespace uplinkprobe::daemon
