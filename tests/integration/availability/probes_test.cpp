// The async probes against real loopback sockets.
#include <gtest/gtest.h>

#include "agent/availability/dns_probe.h"
#include "agent/availability/tcp_probe.h"
#include "tests/integration/availability/loopback_fixtures.h"

namespace uplinkprobe::availability {
namespace {

using namespace std::chrono_literals;
using testing::DnsStub;
using testing::SwitchablePort;

ProbeResult runTcp(asio::io_context& io, uint16_t port) {
  std::optional<ProbeResult> got;
  asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
  probeTcp(io, ep, ProbeKind::kTcp, "t", 300ms, SystemClock::instance(),
           [&](ProbeResult r) { got = std::move(r); });
  io.restart();
  io.run_for(2s);
  EXPECT_TRUE(got.has_value());
  return got.value_or(ProbeResult{});
}

ProbeResult runDns(asio::io_context& io, uint16_t port, uint16_t id = 0x1234) {
  std::optional<ProbeResult> got;
  asio::ip::udp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
  probeDns(io, ep, "d", "www.example.com", DnsType::kA, id, 300ms, SystemClock::instance(),
           [&](ProbeResult r) { got = std::move(r); });
  io.restart();
  while (!got && io.run_one_for(2s) > 0) {
  }
  EXPECT_TRUE(got.has_value());
  return got.value_or(ProbeResult{});
}

TEST(TcpProbe, AcceptRefusedAndBlackhole) {
  asio::io_context io;
  SwitchablePort port(io);
  port.listen();
  ProbeResult accepted = runTcp(io, port.port());
  EXPECT_TRUE(accepted.reachable);
  EXPECT_TRUE(accepted.rtt.has_value());
  EXPECT_EQ(accepted.detail, "");

  port.close();
  ProbeResult refused = runTcp(io, port.port());
  EXPECT_TRUE(refused.reachable);
  EXPECT_EQ(refused.detail, "refused");

  port.blackhole();
  auto t0 = std::chrono::steady_clock::now();
  ProbeResult dropped = runTcp(io, port.port());
  EXPECT_FALSE(dropped.reachable);
  EXPECT_EQ(dropped.detail, "timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1500ms);  // bounded by the deadline
}

TEST(TcpProbe, CancelledProbeNeverReports) {
  asio::io_context io;
  SwitchablePort port(io);
  port.blackhole();
  bool called = false;
  auto cancel = probeTcp(
      io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port.port()),
      ProbeKind::kTcp, "t", 200ms, SystemClock::instance(), [&](ProbeResult) { called = true; });
  cancel();
  io.run_for(500ms);
  EXPECT_FALSE(called);
}

TEST(DnsProbe, AnswerServfailSilenceAndSpoof) {
  asio::io_context io;
  DnsStub stub(io);
  ProbeResult ok = runDns(io, stub.port());
  EXPECT_TRUE(ok.ok) << ok.detail;
  EXPECT_TRUE(ok.rtt.has_value());

  stub.mode = DnsStub::Mode::kServfail;
  ProbeResult servfail = runDns(io, stub.port());
  EXPECT_TRUE(servfail.reachable);
  EXPECT_FALSE(servfail.ok);
  EXPECT_EQ(servfail.detail, "SERVFAIL");

  stub.mode = DnsStub::Mode::kSilent;
  ProbeResult silent = runDns(io, stub.port());
  EXPECT_FALSE(silent.ok);
  EXPECT_EQ(silent.detail, "timeout");

  stub.mode = DnsStub::Mode::kWrongIdThenAnswer;
  ProbeResult spoofed_first = runDns(io, stub.port());
  EXPECT_TRUE(spoofed_first.ok) << spoofed_first.detail;
}

TEST(DnsProbe, ClosedPortIsPortUnreachable) {
  asio::io_context io;
  uint16_t port;
  {
    asio::ip::udp::socket s(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = s.local_endpoint().port();
  }
  ProbeResult r = runDns(io, port);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "port unreachable");
}

}  // namespace
}  // namespace uplinkprobe::availability
