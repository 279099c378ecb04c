// The daemon as a real process: kill -9 at random moments never loses an acknowledged
// record nor reuses a seq, and the down time shows up as `power` records; SIGHUP keeps the
// old config when the new one is bad; SIGTERM flushes and exits 0.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <set>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace uplinkprobe {
namespace {

using uplinkprobe::testing::TempDir;

using namespace std::chrono_literals;
using testing::ChildProcess;

class DaemonLifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{UPLINKPROBE_SERVER_BIN, "--listen", "127.0.0.1:0"},
        path("server.out"), path("server.err"));
    std::smatch m;
    ASSERT_TRUE(testing::waitFor(
        [&] {
          out_ = server_->out();
          return std::regex_search(out_, m, std::regex("listening 127\\.0\\.0\\.1:(\\d+)"));
        },
        10s));
    port_ = m[1];
  }
  void TearDown() override { server_.reset(); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::string config(int interval_s, const std::string& extra = "") const {
    return "[identity]\ndevice_id = \"lab-dev\"\nschool_id = \"lab-school\"\n"
           "[[servers]]\nname = \"loopback\"\nurl = \"http://127.0.0.1:" +
           port_ +
           "/\"\n"
           "[throughput]\nmax_seconds = 2\nmax_mb_per_direction = 4\n"
           "[schedule]\ninterval_s = " +
           std::to_string(interval_s) +
           "\ndefer_if_cross_traffic_mbps = 0\n"
           "[availability]\ninterval_s = 1\nprobe_timeout_ms = 500\nfail_rounds = 1\n"
           "tcp_targets = [\"127.0.0.1:" +
           port_ +
           "\"]\ndns_servers = [\"127.0.0.1:9\"]\n"
           "[storage]\ndir = \"" +
           path("state") + "\"\nheartbeat_s = 1\n" + extra;
  }

  // Each start logs to its own file (daemon-N.err) so waits never match an earlier run.
  std::unique_ptr<ChildProcess> startDaemon(const std::string& cfg_path) {
    const std::string n = std::to_string(starts_++);
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{UPLINKPROBE_BIN, "run", "--config", cfg_path},
        path("daemon-" + n + ".out"), path("daemon-" + n + ".err"));
  }

  std::vector<nlohmann::json> records(const std::string& cfg_path) {
    auto [code, out] = testing::runToEnd(
        {UPLINKPROBE_BIN, "records", "--config", cfg_path, "--json"}, path("records"));
    EXPECT_EQ(code, 0);
    std::vector<nlohmann::json> v;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) v.push_back(nlohmann::json::parse(line));
    return v;
  }

  TempDir dir_{"uplinkprobe-daemon-"};
  std::unique_ptr<ChildProcess> server_;
  std::string out_, port_;
  int starts_ = 0;
};

TEST_F(DaemonLifecycle, Kill9NeverLosesAcknowledgedRecordsNorReusesSeq) {
  const std::string cfg = path("c.toml");
  testing::writeFile(cfg, config(1));
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> run_ms(300, 4000);
  const int kKills = 20;
  for (int i = 0; i < kKills; ++i) {
    auto d = startDaemon(cfg);
    std::this_thread::sleep_for(std::chrono::milliseconds(run_ms(rng)));
    d->signal(SIGKILL);
    ASSERT_TRUE(d->wait(5s).has_value());
    // Longer than two heartbeat periods: the restart must report the down time.
    std::this_thread::sleep_for(2500ms);
  }
  // The daemon logs "record KIND seq N" only after the journal's append returned (fdatasync).
  std::set<uint64_t> acknowledged;
  std::string log;
  for (int i = 0; i < kKills; ++i)
    log += testing::readFile(path("daemon-" + std::to_string(i) + ".err"));
  std::regex ack("record [a-z_]+ seq (\\d+)\\n");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), ack); it != std::sregex_iterator();
       ++it)
    acknowledged.insert(std::stoull((*it)[1]));
  ASSERT_GT(acknowledged.size(), static_cast<size_t>(kKills));

  auto recs = records(cfg);
  std::set<uint64_t> seqs;
  std::map<std::string, int> kinds;
  for (const auto& r : recs) {
    EXPECT_TRUE(seqs.insert(r["seq"].get<uint64_t>()).second) << "duplicate seq " << r["seq"];
    // One journal across every restart: one journal_id, and it is part of every id.
    EXPECT_EQ(r["journal_id"], recs.front()["journal_id"]);
    EXPECT_EQ(r["id"], "lab-dev:" + r["journal_id"].get<std::string>() + ":" +
                           std::to_string(r["seq"].get<uint64_t>()));
    kinds[r["kind"]]++;
  }
  for (uint64_t s : acknowledged) EXPECT_TRUE(seqs.count(s)) << "acknowledged seq " << s << " lost";
  // Every restart after the first finds the previous run's heartbeat > 2 periods old.
  EXPECT_GE(kinds["power"], kKills - 1);
  for (const auto& r : recs) {
    if (r["kind"] != "power") continue;
    EXPECT_EQ(r["cause"], "agent_down");
    EXPECT_GE(r["duration_s"].get<double>(), 1.5);
    EXPECT_LE(r["duration_s"].get<double>(), 10.0);
  }
  EXPECT_GE(kinds["throughput"], 1);
}

TEST_F(DaemonLifecycle, SighupKeepsOldConfigOnErrorAndAppliesAGoodOne) {
  const std::string cfg = path("c.toml");
  testing::writeFile(cfg, config(3600));
  auto d = startDaemon(cfg);
  ASSERT_TRUE(
      testing::waitFor([&] { return d->err().find("running: device") != std::string::npos; }, 10s));
  testing::writeFile(cfg, config(3600) + "[mqtt]\nuri = \"http://wrong\"\n");
  d->signal(SIGHUP);
  ASSERT_TRUE(testing::waitFor(
      [&] {
        return d->err().find("reload refused, keeping the running configuration") !=
               std::string::npos;
      },
      5s));
  EXPECT_NE(d->err().find("[mqtt] uri: expected tcp:// or ssl://"), std::string::npos);
  EXPECT_TRUE(d->running());
  auto events = [&](const std::string& name) {
    std::vector<nlohmann::json> v;
    for (const auto& r : records(cfg))
      if (r["kind"] == "event" && r["event"] == name) v.push_back(r);
    return v;
  };
  // New availability settings that the monitor would refuse: the whole reload is refused
  // before anything is swapped in (issue 9: availability used to stop while
  // config_reloaded went out).
  std::string bad = config(3600);
  bad.replace(bad.find("dns_servers = [\"127.0.0.1:9\"]"),
              std::string("dns_servers = [\"127.0.0.1:9\"]").size(),
              "dns_servers = [\"dns.example.net\"]");
  testing::writeFile(cfg, bad);
  d->signal(SIGHUP);
  auto refusals = [&] {
    const std::string log = d->err();
    size_t n = 0;
    for (size_t at = log.find("reload refused"); at != std::string::npos;
         at = log.find("reload refused", at + 1))
      ++n;
    return n;
  };
  ASSERT_TRUE(testing::waitFor([&] { return refusals() == 2; }, 5s));
  // `records` reads the journal while the daemon runs (this file loads; only run refuses it).
  ASSERT_TRUE(testing::waitFor([&] { return events("config_reload_failed").size() == 2; }, 5s));
  const auto failed = events("config_reload_failed");
  EXPECT_NE(failed[1]["reason"].get<std::string>().find("[availability] dns_servers"),
            std::string::npos)
      << failed[1];
  EXPECT_NE(failed[1]["reason"].get<std::string>().find(cfg + " line "), std::string::npos)
      << "the reason names file and line: " << failed[1];
  EXPECT_TRUE(events("config_reloaded").empty());
  EXPECT_TRUE(d->running());
  testing::writeFile(cfg, config(3600, "[target]\ncontracted_down_mbps = 300\n"));
  d->signal(SIGHUP);
  EXPECT_TRUE(testing::waitFor([&] { return events("config_reloaded").size() == 1; }, 5s));
  d->signal(SIGTERM);
  ASSERT_EQ(d->wait(10s), 0);
  EXPECT_EQ(events("config_reloaded").size(), 1u);
  EXPECT_EQ(events("config_reload_failed").size(), 2u);
  // Availability kept running through both refused reloads: the shutdown's last period
  // counts rounds.
  auto recs = records(cfg);
  ASSERT_FALSE(recs.empty());
  EXPECT_EQ(recs.back()["kind"], "availability");
}

TEST_F(DaemonLifecycle, SigtermFlushesTheLastPeriodAndExitsZero) {
  const std::string cfg = path("c.toml");
  testing::writeFile(cfg, config(3600));
  auto d = startDaemon(cfg);
  ASSERT_TRUE(
      testing::waitFor([&] { return d->err().find("running: device") != std::string::npos; }, 10s));
  std::this_thread::sleep_for(2500ms);
  d->signal(SIGTERM);
  ASSERT_EQ(d->wait(10s), 0);
  auto recs = records(cfg);
  ASSERT_FALSE(recs.empty());
  EXPECT_EQ(recs.back()["kind"], "availability");  // the partial period is evidence too
  // A clean stop followed by a quick restart is not a power event.
  auto d2 = startDaemon(cfg);
  ASSERT_TRUE(testing::waitFor(
      [&] { return d2->err().find("running: device") != std::string::npos; }, 10s));
  d2->signal(SIGTERM);
  ASSERT_EQ(d2->wait(10s), 0);
  for (const auto& r : records(cfg)) EXPECT_NE(r["kind"], "power");
}

}  // namespace
}  // namespace uplinkprobe
