// Probe traffic per round, measured from the loopback interface counters. Meaningful only
// in a network namespace of its own (other loopback traffic would be counted): the lab
// tests/lab/availability_traffic_cost_test.sh runs it in a fresh one (root), and
// docs/benchmarks-availability.md has the command. Not timed: it counts bytes per round and
// checks the default-interval budget; it refuses to run where lo carries other traffic.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "agent/availability/availability_monitor.h"
#include "tests/integration/availability/loopback_fixtures.h"

namespace uplinkprobe::availability {
namespace {

using namespace std::chrono_literals;

uint64_t loTxBytes() {
  std::ifstream f("/sys/class/net/lo/statistics/tx_bytes");
  uint64_t v = 0;
  f >> v;
  return v;
}

TEST(TrafficCost, BytesPerRoundAtDefaultsUnderOneKilobytePerSecond) {
  // A namespace of its own: lo carried nothing before this program (other loopback traffic
  // would be counted as the probes').
  ASSERT_LT(loTxBytes(), 100000u) << "run in a fresh network namespace (see the header)";
  asio::io_context io;
  testing::DnsStub dns1(io), dns2(io);
  testing::SwitchablePort gateway(io);  // closed: RST
  std::vector<std::unique_ptr<testing::SwitchablePort>> targets;
  AvailabilityOptions o;
  for (int i = 0; i < 3; ++i) {
    targets.push_back(std::make_unique<testing::SwitchablePort>(io));
    targets.back()->listen();  // accepting: the costlier case (handshake + FIN exchange)
    o.tcp_targets.push_back("127.0.0.1:" + std::to_string(targets.back()->port()));
  }
  o.dns_servers = {"127.0.0.1:" + std::to_string(dns1.port()),
                   "127.0.0.1:" + std::to_string(dns2.port())};
  o.gateway = "127.0.0.1";
  o.gateway_tcp_ports = {gateway.port()};
  o.interval = 100ms;  // rounds are the same at any interval; the cost scales with 1/interval
  o.probe_timeout = 50ms;
  o.report_period = 600s;
  AvailabilityMonitor m(io, o, SystemClock::instance(), [](nlohmann::json) {});
  uint64_t before = loTxBytes();
  ASSERT_TRUE(m.start().ok());
  io.run_for(5s);
  m.stop();
  io.restart();
  io.run_for(200ms);  // let FINs of the last round go out
  uint64_t bytes = loTxBytes() - before;
  uint64_t rounds = m.roundsCompleted();
  ASSERT_GT(rounds, 10u);
  double per_round = static_cast<double>(bytes) / static_cast<double>(rounds);
  double per_second_at_default = per_round / 10.0;
  std::printf(
      "probes/round: 1 gateway TCP + 3 TCP targets + 2 DNS\nrounds: %llu  loopback bytes: "
      "%llu  bytes/round: %.0f  bytes/s at interval 10 s: %.1f\n",
      static_cast<unsigned long long>(rounds), static_cast<unsigned long long>(bytes), per_round,
      per_second_at_default);
  EXPECT_LT(per_second_at_default, 1000.0);
}

}  // namespace
}  // namespace uplinkprobe::availability
