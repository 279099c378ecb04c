// bench/fleet_sim against a real mosquitto: behaviour only (counts, ids, topics), never
// rates — the simulator must not rot between benchmark runs (docs/benchmarks-collector.md).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "agent/publish/topic.h"
#include "common/time_format.h"
#include "tests/integration/publish/mosquitto_fixture.h"

namespace {

using uplinkprobe::publish::testing::Mosquitto;
using uplinkprobe::publish::testing::Subscriber;

const std::string kSim = std::string(UPLINKPROBE_BINARY_DIR) + "/bench/fleet_sim";

// Runs fleet_sim; returns its JSON summary (stdout's last line) or null.
nlohmann::json runSim(const std::string& args, int* rc) {
  FILE* p = ::popen((kSim + " " + args + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return nullptr;
  std::string out;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int st = ::pclose(p);
  *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  const auto nl = out.find_last_of('\n', out.size() >= 2 ? out.size() - 2 : 0);
  return nlohmann::json::parse(nl == std::string::npos ? out : out.substr(nl + 1), nullptr, false);
}

std::vector<std::string> lines(const std::string& path) {
  std::ifstream f(path);
  std::vector<std::string> v;
  for (std::string l; std::getline(f, l);) v.push_back(l);
  return v;
}

TEST(FleetSim, StormDeliversEveryJournaledRecordOnceWithTheAgentsEnvelope) {
  ASSERT_EQ(::access(kSim.c_str(), X_OK), 0) << kSim << " is not built (target fleet_sim)";
  Mosquitto mq;
  ASSERT_TRUE(mq.start()) << mq.log();
  Subscriber sub(mq.uri(), "uplinkprobe/v1/#", "fleet-sim-test");
  ASSERT_TRUE(sub.connect());
  const std::string dir = mq.dir();
  int rc = -1;
  // 12 devices, 3 per connection, 2 h of backlog, an outage every device-day on average.
  auto s = runSim("--port " + std::to_string(mq.port()) +
                      " --devices 12 --devices-per-connection 3 --schools 14 --mode storm"
                      " --backlog-hours 2 --outage-per-day 1 --replay-per-second 0 --progress-s 0"
                      " --manifest " +
                      dir + "/manifest.csv --schools-csv " + dir + "/schools.csv",
                  &rc);
  ASSERT_EQ(rc, 0);
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["connections"], 4);
  EXPECT_EQ(s["connections_up"], 4);
  EXPECT_EQ(s["status_messages"], 12);
  const uint64_t n = s["records"];
  EXPECT_EQ(s["records_acked"], n);
  EXPECT_GE(n, 12u * 23);  // 24 availability periods in 2 h, give or take the phase
  EXPECT_LE(n, 12u * 40);

  ASSERT_TRUE(
      sub.waitFor([&](const auto& m) { return m.size() >= n + 12; }, std::chrono::seconds(20)));
  // The manifest: one journal per device, its last seq.
  std::map<std::string, std::pair<std::string, uint64_t>> journals;  // device -> (journal, last)
  auto man = lines(dir + "/manifest.csv");
  ASSERT_EQ(man.size(), 13u);
  EXPECT_EQ(man[0], "device_id,journal_id,school_id,last_seq");
  for (size_t i = 1; i < man.size(); ++i) {
    std::stringstream ss(man[i]);
    std::string dev, jid, school, last;
    std::getline(ss, dev, ',');
    std::getline(ss, jid, ',');
    std::getline(ss, school, ',');
    std::getline(ss, last, ',');
    EXPECT_EQ(jid.size(), 16u);
    journals[dev] = {jid, std::stoull(last)};
  }
  std::map<std::string, std::set<uint64_t>> seqs;
  std::map<std::string, int> kinds;
  size_t status = 0, records = 0;
  for (const auto& m : sub.messages()) {
    auto j = nlohmann::json::parse(m.payload, nullptr, false);
    ASSERT_TRUE(j.is_object()) << m.payload;
    if (m.topic.size() > 7 && m.topic.compare(m.topic.size() - 7, 7, "/status") == 0) {
      ++status;
      EXPECT_EQ(j["state"], "online");
      continue;
    }
    ++records;
    const std::string dev = j["device_id"], kind = j["kind"];
    const uint64_t seq = j["seq"];
    ++kinds[kind];
    ASSERT_TRUE(journals.count(dev)) << dev;
    EXPECT_EQ(j["journal_id"], journals[dev].first);
    EXPECT_EQ(j["id"], dev + ":" + journals[dev].first + ":" + std::to_string(seq));
    EXPECT_EQ(m.topic, uplinkprobe::publish::topicFor("uplinkprobe/v1", j["school_id"], dev,
                                                      uplinkprobe::publish::topicKindFor(kind)));
    EXPECT_TRUE(uplinkprobe::parseRfc3339(j["ts"].get<std::string>()).has_value()) << j["ts"];
    EXPECT_EQ(j["schema"], "uplinkprobe/1");
    EXPECT_TRUE(seqs[dev].insert(seq).second) << "seq " << seq << " of " << dev << " twice";
  }
  EXPECT_EQ(status, 12u);
  EXPECT_EQ(records, n);
  for (const auto& [dev, jl] : journals) {
    ASSERT_EQ(seqs[dev].size(), jl.second) << dev;
    EXPECT_EQ(*seqs[dev].begin(), 1u);
    EXPECT_EQ(*seqs[dev].rbegin(), jl.second);
  }
  EXPECT_GE(kinds["availability"], 12 * 23);
  EXPECT_EQ(kinds["alert_state"] >= 12, true);  // every agent announces its state at start

  // The school sheet: the collector's import format, one row per school (2 without device).
  auto sheet = lines(dir + "/schools.csv");
  ASSERT_EQ(sheet.size(), 15u);
  EXPECT_EQ(sheet[0], "学校代码,学校名称,市(州),县(市、区),学段,运营商,合同下行,合同上行,接入方式");
}

TEST(FleetSim, SteadyModeStopsAfterTheRequestedRecords) {
  ASSERT_EQ(::access(kSim.c_str(), X_OK), 0) << kSim << " is not built (target fleet_sim)";
  Mosquitto mq;
  ASSERT_TRUE(mq.start()) << mq.log();
  int rc = -1;
  auto s = runSim("--port " + std::to_string(mq.port()) +
                      " --devices 50 --mode steady --rate 500 --records 200 --progress-s 0",
                  &rc);
  ASSERT_EQ(rc, 0);
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["connections_up"], 50);
  // One emission may journal a test with its alert and alert_state.
  EXPECT_GE(s["records"].get<uint64_t>(), 200u);
  EXPECT_LE(s["records"].get<uint64_t>(), 204u);
  EXPECT_EQ(s["records_acked"], s["records"]);
}

}  // namespace
