// The daemon's scheduled tests follow [target] method (issue 17): a real `uplinkprobe run`
// against a real `uplinkprobe-server --listen … --udpst-listen …` with a key file, all on
// loopback. "both" journals a TCP and a method "udp" record in the same slot, both with
// trigger "scheduled" and both counted; a budget that the TCP test uses up keeps the UDP
// test of the slot from starting. Behaviour only, no rates.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/udpst_server.h"

namespace uplinkprobe {
namespace {

using uplinkprobe::testing::TempDir;

using namespace std::chrono_literals;
using testing::ChildProcess;

class DaemonMethod : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::writeFile(path("udpst.keys"), "7,method-lab-key\n");
    std::string why;
    auto server = testing::startUdpstServer({"--udpst-key-file", path("udpst.keys"),
                                             "--udpst-max-mbps", "50", "--udpst-max-seconds", "5"},
                                            path("server"), &why);
    ASSERT_TRUE(server) << why;
    http_port_ = server->http_port;
    udp_port_ = server->udp_port;
    server_ = std::move(server->process);
  }
  void TearDown() override { server_.reset(); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // interval_s = 100: the first slot within 11 s of the start (1 s + the device's splay of
  // at most interval/10), the next one 100 s after it, well after the waits below.
  std::string config(const std::string& method, const std::string& schedule_extra = "") const {
    return "[identity]\ndevice_id = \"lab-dev\"\nschool_id = \"lab-school\"\n"
           "[target]\nfloor_down_mbps = 10\nmethod = \"" +
           method +
           "\"\n"
           "[[servers]]\nname = \"loopback\"\nurl = \"http://127.0.0.1:" +
           http_port_ +
           "/\"\n"
           "[[servers]]\nname = \"loopback-udp\"\nkind = \"udpst\"\nurl = \"udpst://127.0.0.1:" +
           udp_port_ + "\"\nkey_file = \"" + path("udpst.keys") +
           "\"\nkey_id = 7\n"
           "[throughput]\nmax_seconds = 2\nmax_mb_per_direction = 4\n"
           "[schedule]\ninterval_s = 100\ndefer_if_cross_traffic_mbps = 0\n" +
           schedule_extra +
           "[availability]\ninterval_s = 1\nprobe_timeout_ms = 500\n"
           "tcp_targets = [\"127.0.0.1:" +
           http_port_ +
           "\"]\ndns_servers = [\"127.0.0.1:9\"]\n"
           "[storage]\ndir = \"" +
           path("state") + "\"\n";
  }

  std::unique_ptr<ChildProcess> startDaemon(const std::string& cfg_path) {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{UPLINKPROBE_BIN, "run", "--config", cfg_path}, path("daemon.out"),
        path("daemon.err"));
  }

  // Throughput records the daemon has journaled so far (it logs each after the append).
  static size_t journaledTests(ChildProcess& d) {
    const std::string log = d.err();
    size_t n = 0;
    for (size_t at = log.find("record throughput seq"); at != std::string::npos;
         at = log.find("record throughput seq", at + 1))
      ++n;
    return n;
  }

  // Stops the daemon cleanly (SIGTERM, exit 0) and returns the throughput records it journaled.
  std::vector<nlohmann::json> stopAndReadTests(ChildProcess& d, const std::string& cfg_path) {
    d.signal(SIGTERM);
    EXPECT_EQ(d.wait(10s), 0) << d.err();
    return records(cfg_path, "throughput");
  }

  std::vector<nlohmann::json> records(const std::string& cfg_path, const std::string& kind) {
    auto [code, out] = testing::runToEnd(
        {UPLINKPROBE_BIN, "records", "--config", cfg_path, "--json"}, path("records"));
    EXPECT_EQ(code, 0);
    std::vector<nlohmann::json> v;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
      auto r = nlohmann::json::parse(line);
      if (r["kind"] == kind) v.push_back(std::move(r));
    }
    return v;
  }

  TempDir dir_{"uplinkprobe-method-"};
  std::unique_ptr<ChildProcess> server_;
  std::string out_, http_port_, udp_port_;
};

TEST_F(DaemonMethod, BothRunsTcpThenUdpInOneSlotAndJournalsBoth) {
  const std::string cfg = path("c.toml");
  testing::writeFile(cfg, config("both"));
  auto d = startDaemon(cfg);
  // TCP: 2 × ≤ 2 s; UDP: 2 × 5 s granted by the server, plus setup.
  ASSERT_TRUE(testing::waitFor([&] { return journaledTests(*d) >= 2; }, 80s)) << d->err();
  const auto tests = stopAndReadTests(*d, cfg);
  ASSERT_EQ(tests.size(), 2u) << d->err();
  const auto& tcp = tests[0];
  const auto& udp = tests[1];
  EXPECT_EQ(tcp.value("method", "tcp"), "tcp");
  EXPECT_EQ(tcp["trigger"], "scheduled");
  EXPECT_EQ(udp["method"], "udp") << udp;
  EXPECT_EQ(udp["trigger"], "scheduled");
  EXPECT_EQ(udp["server"]["kind"], "udpst");
  EXPECT_EQ(udp["server"]["name"], "loopback-udp");
  ASSERT_TRUE(udp["error"].is_null()) << udp["error"];
  // Load flowed both ways through the authenticated session and was counted.
  for (const char* dir : {"download", "upload"}) {
    ASSERT_TRUE(udp["udp"][dir].is_object()) << dir;
    EXPECT_TRUE(udp["udp"][dir]["error"].is_null()) << udp["udp"][dir]["error"];
    EXPECT_GT(udp["udp"][dir]["ip_capacity_mbps"].get<double>(), 0) << dir;
    EXPECT_FALSE(udp["udp"][dir]["sub_intervals"].empty()) << dir;
  }
  EXPECT_GT(udp["bytes_total"].get<uint64_t>(), 0u);
  // "both" counts both methods: neither is set aside as method_not_target.
  for (const auto& r : tests)
    for (const auto& reason : r["verdict"]["unfair_reasons"])
      EXPECT_NE(reason, "method_not_target") << r["verdict"];
  EXPECT_EQ(udp["verdict"]["counted"], true) << udp["verdict"];
  // The same slot: the UDP test started when the TCP test ended, not an hour later.
  EXPECT_NE(d->err().find("throughput test starting (method udp)"), std::string::npos);
}

TEST_F(DaemonMethod, UdpOnlyJournalsOneCountedUdpRecord) {
  const std::string cfg = path("c.toml");
  testing::writeFile(cfg, config("udp"));
  auto d = startDaemon(cfg);
  ASSERT_TRUE(testing::waitFor([&] { return journaledTests(*d) >= 1; }, 60s)) << d->err();
  const auto tests = stopAndReadTests(*d, cfg);
  ASSERT_EQ(tests.size(), 1u);
  EXPECT_EQ(tests[0]["method"], "udp");
  EXPECT_EQ(tests[0]["trigger"], "scheduled");
  EXPECT_EQ(tests[0]["verdict"]["counted"], true) << tests[0]["verdict"];
  EXPECT_EQ(d->err().find("method tcp"), std::string::npos);
}

// The bytes of every test count against the month's budget: a budget smaller than one TCP
// test lets the slot's TCP test run (nothing used yet) and keeps its UDP test from starting.
TEST_F(DaemonMethod, TheFirstTestsBytesCountBeforeTheSecondStarts) {
  const std::string cfg = path("c.toml");
  testing::writeFile(cfg, config("both", "monthly_budget_gb = 0.000001\n"));
  auto d = startDaemon(cfg);
  ASSERT_TRUE(testing::waitFor([&] { return journaledTests(*d) >= 1; }, 50s)) << d->err();
  // The slot is over when the next one is planned.
  ASSERT_TRUE(testing::waitFor(
      [&] {
        const std::string log = d->err();
        return log.find("next throughput test at", log.find("record throughput")) !=
               std::string::npos;
      },
      10s))
      << d->err();
  const auto tests = stopAndReadTests(*d, cfg);
  ASSERT_EQ(tests.size(), 1u);
  EXPECT_EQ(tests[0].value("method", "tcp"), "tcp");
  EXPECT_GT(tests[0]["bytes_total"].get<uint64_t>(), 1000u);
  EXPECT_EQ(d->err().find("throughput test starting (method udp)"), std::string::npos);
}

}  // namespace
}  // namespace uplinkprobe
