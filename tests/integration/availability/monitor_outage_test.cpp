// AvailabilityMonitor end to end on loopback with a 200 ms interval: outages of each class
// open and close with the right class, and each duration lies between what the test itself
// observed (it cannot be longer than from breaking to seeing the close, nor shorter than from
// seeing the open to healing). The test waits for conditions, never for fixed times, so that a
// busy machine delays it but cannot fail it; "within one round of the truth" is asserted
// without time in the OutageTracker unit tests.
#include <gtest/gtest.h>

#include <functional>
#include <optional>

#include "agent/availability/availability_monitor.h"
#include "tests/integration/availability/loopback_fixtures.h"

namespace uplinkprobe::availability {
namespace {

using namespace std::chrono_literals;
using testing::DnsStub;
using testing::SwitchablePort;

class MonitorTest : public ::testing::Test {
 protected:
  MonitorTest() : stub(io), target(io), gateway(io) {}

  AvailabilityOptions options() {
    AvailabilityOptions o;
    o.interval = 200ms;
    o.probe_timeout = 100ms;
    o.report_period = 60s;
    o.fail_rounds = 3;
    o.recover_rounds = 2;
    o.gateway = "127.0.0.1";
    o.gateway_tcp_ports = {gateway.port()};  // closed: RST = alive
    o.tcp_targets = {"127.0.0.1:" + std::to_string(target.port())};
    o.dns_servers = {"127.0.0.1:" + std::to_string(stub.port())};
    o.dns_name = "www.example.com";
    return o;
  }

  void run(std::chrono::milliseconds d) {
    io.restart();
    io.run_for(d);
  }

  // Runs the loop until `done` holds; false after kPatience (a bound, not a rate: the
  // monitor needs 2-3 rounds of 200 ms for any of the conditions waited for).
  bool runUntil(const std::function<bool()>& done) {
    constexpr auto kPatience = 20s;
    auto deadline = std::chrono::steady_clock::now() + kPatience;
    io.restart();
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io.run_for(20ms);
    }
    return true;
  }

  static double secondsSince(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  }

  std::vector<nlohmann::json> ofKind(const std::string& kind) {
    std::vector<nlohmann::json> out;
    for (const auto& r : emitted) {
      if (r["kind"] == kind) out.push_back(r);
    }
    return out;
  }

  // Runs a fault for `fault` and then heals it; returns the closed outage records.
  void fault(const std::function<void()>& break_it, const std::function<void()>& heal,
             std::chrono::milliseconds fault) {
    break_it();
    run(fault);
    heal();
    run(1000ms);
  }

  asio::io_context io;
  DnsStub stub;
  SwitchablePort target;
  SwitchablePort gateway;
  std::vector<nlohmann::json> emitted;
};

TEST_F(MonitorTest, HealthyLinkHasNoOutage) {
  target.listen();
  AvailabilityMonitor m(io, options(), SystemClock::instance(),
                        [&](nlohmann::json j) { emitted.push_back(std::move(j)); });
  ASSERT_TRUE(m.start().ok());
  ASSERT_TRUE(runUntil([&] { return m.roundsCompleted() >= 5u; }));
  ASSERT_TRUE(m.lastVerdict().has_value());
  EXPECT_TRUE(m.lastVerdict()->good);
  EXPECT_TRUE(emitted.empty());
  m.flushPeriod();
  auto avail = ofKind("availability");
  ASSERT_EQ(avail.size(), 1u);
  const auto& t = avail[0]["targets"]["tcp:127.0.0.1:" + std::to_string(target.port())];
  EXPECT_EQ(t["failed"], 0);
  EXPECT_GE(t["probes"].get<int>(), 4);
  EXPECT_FALSE(t["rtt_ms"].is_null());
  EXPECT_DOUBLE_EQ(avail[0]["down_s"].get<double>(), 0.0);
}

TEST_F(MonitorTest, UpstreamDnsAndLocalOutages) {
  AvailabilityMonitor m(io, options(), SystemClock::instance(),
                        [&](nlohmann::json j) { emitted.push_back(std::move(j)); });
  ASSERT_TRUE(m.start().ok());
  ASSERT_TRUE(runUntil([&] { return m.roundsCompleted() >= 3u; }));
  ASSERT_TRUE(emitted.empty());

  // Breaks the link, waits until the monitor sees an outage of `expected`, keeps it broken for
  // `hold`, heals it and waits for the close. Returns the bounds the duration must lie in.
  struct Bounds {
    double at_least = 0;
    double at_most = 0;
  };
  auto outage = [&](const std::function<void()>& break_it, const std::function<void()>& heal,
                    OutageClass expected) -> std::optional<Bounds> {
    auto broken = std::chrono::steady_clock::now();
    break_it();
    if (!runUntil([&] { return m.outageOpen(); })) return std::nullopt;
    EXPECT_EQ(m.outageClass(), expected);
    auto seen_open = std::chrono::steady_clock::now();
    run(600ms);
    double held = secondsSince(seen_open);
    heal();
    if (!runUntil([&] { return !m.outageOpen(); })) return std::nullopt;
    // A round already in flight when the fault began may be the outage's first bad round:
    // its start is then up to one interval before `broken`.
    const double interval = std::chrono::duration<double>(options().interval).count();
    return Bounds{held, secondsSince(broken) + interval};
  };

  // Upstream: the outside target stops answering; gateway and resolver fine.
  auto upstream =
      outage([&] { target.blackhole(); }, [&] { target.close(); }, OutageClass::kUpstream);
  ASSERT_TRUE(upstream) << "the upstream outage did not open and close within the bound";
  // DNS: resolver says SERVFAIL, TCP fine.
  auto dns = outage([&] { stub.mode = DnsStub::Mode::kServfail; },
                    [&] { stub.mode = DnsStub::Mode::kAnswer; }, OutageClass::kDns);
  ASSERT_TRUE(dns) << "the DNS outage did not open and close within the bound";
  // Local: the gateway (and so everything behind it) stops answering.
  auto local = outage(
      [&] {
        gateway.blackhole();
        target.blackhole();
        stub.mode = DnsStub::Mode::kSilent;
      },
      [&] {
        gateway.close();
        target.close();
        stub.mode = DnsStub::Mode::kAnswer;
      },
      OutageClass::kLocal);
  ASSERT_TRUE(local) << "the local outage did not open and close within the bound";

  auto outages = ofKind("outage");
  ASSERT_EQ(outages.size(), 3u);
  EXPECT_EQ(outages[0]["class"], "upstream");
  EXPECT_EQ(outages[1]["class"], "dns");
  EXPECT_EQ(outages[2]["class"], "local");
  const Bounds bounds[] = {*upstream, *dns, *local};
  for (size_t i = 0; i < 3; ++i) {
    double d = outages[i]["duration_s"].get<double>();
    EXPECT_GE(d, bounds[i].at_least) << outages[i].dump();
    EXPECT_LE(d, bounds[i].at_most) << outages[i].dump();
  }
  auto started = ofKind("event");
  ASSERT_EQ(started.size(), 3u);
  EXPECT_EQ(started[0]["event"], "outage_started");
  EXPECT_EQ(started[0]["start"], outages[0]["start"]);
  // Evidence names the failed probe and how.
  bool found = false;
  for (const auto& p : outages[0]["evidence"]["probes"]) {
    if (p["target"].get<std::string>().starts_with("tcp:")) {
      found = true;
      EXPECT_EQ(p["last_error"], "timeout");
    }
  }
  EXPECT_TRUE(found);
  EXPECT_FALSE(m.outageOpen());

  m.flushPeriod();
  auto avail = ofKind("availability");
  ASSERT_EQ(avail.size(), 1u);
  double down = avail[0]["down_s"].get<double>();
  double sum = 0;
  for (const auto& o : outages) sum += o["duration_s"].get<double>();
  EXPECT_NEAR(down, sum, 0.01);
}

TEST_F(MonitorTest, OpenOutageIsPersistedAndResumed) {
  target.blackhole();
  nlohmann::json saved;
  {
    AvailabilityMonitor m(io, options(), SystemClock::instance(),
                          [&](nlohmann::json j) { emitted.push_back(std::move(j)); });
    ASSERT_TRUE(m.start().ok());
    ASSERT_TRUE(runUntil([&] { return m.outageOpen(); }));
    saved = m.persistentState();
    m.stop();
  }
  EXPECT_TRUE(ofKind("outage").empty());
  target.close();
  AvailabilityMonitor again(io, options(), SystemClock::instance(),
                            [&](nlohmann::json j) { emitted.push_back(std::move(j)); });
  ASSERT_TRUE(again.restoreState(saved).ok());
  EXPECT_TRUE(again.outageOpen());
  ASSERT_TRUE(again.start().ok());
  ASSERT_TRUE(runUntil([&] { return !again.outageOpen(); }));
  auto outages = ofKind("outage");
  ASSERT_EQ(outages.size(), 1u);
  EXPECT_EQ(outages[0]["restored"], true);
  EXPECT_EQ(outages[0]["class"], "upstream");
}

TEST_F(MonitorTest, BadOptionsAreClearErrors) {
  auto o = options();
  o.tcp_targets = {"2001:db8::1:443"};
  AvailabilityMonitor m(io, o, SystemClock::instance(), [](nlohmann::json) {});
  auto s = m.start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("brackets"), std::string::npos);

  o = options();
  o.probe_timeout = 500ms;
  AvailabilityMonitor m2(io, o, SystemClock::instance(), [](nlohmann::json) {});
  EXPECT_FALSE(m2.start().ok());
}

}  // namespace
}  // namespace uplinkprobe::availability
