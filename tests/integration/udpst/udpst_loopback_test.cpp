// OB-UDPST client against the OB-UDPST server on loopback, real UDP sockets, both in this
// process (the server on its own io_context thread): both directions with a key; a wrong key,
// no key, a bandwidth above the cap and a replayed setup request are refused; a setup request
// or answer lost on the way is made good by the client's repeat and the server's same answer.
// No rates are asserted — only that load flowed and was counted in sub-intervals.
#include <gtest/gtest.h>

#include <asio.hpp>
#include <thread>

#include "server/udpst_server.h"
#include "udpst/auth.h"
#include "udpst/client.h"
#include "udpst/protocol.h"

namespace uplinkprobe {
namespace {

using namespace uplinkprobe::udpst;

class UdpstLoopback : public ::testing::Test {
 protected:
  void startServer(std::optional<KeyTable> keys, int max_mbps = 50) {
    server::UdpstServerConfig c;
    c.host = "127.0.0.1";
    c.port = 0;
    c.keys = std::move(keys);
    c.max_mbps = max_mbps;
    c.max_seconds = 5;
    server_ = std::make_unique<server::UdpstServer>(io_, c, SystemClock::instance());
    auto bound = server_->bind();
    ASSERT_TRUE(bound.ok()) << bound.error().message;
    port_ = static_cast<std::uint16_t>(std::stoi(bound->substr(bound->rfind(':') + 1)));
    server_->start();
    work_.emplace(asio::make_work_guard(io_));
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (thread_.joinable()) {
      work_.reset();
      io_.stop();
      thread_.join();
      server_->stop();
    }
  }
  ClientOptions options(bool upstream) {
    ClientOptions o;
    o.host = "127.0.0.1";
    o.port = port_;
    o.upstream = upstream;
    o.max_mbps = 20;
    o.seconds = 5;
    o.sub_int_period_ms = 500;
    o.key = "labkey";
    o.key_id = 3;
    return o;
  }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::unique_ptr<server::UdpstServer> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

void expectLoadCounted(const ClientResult& r, bool upstream) {
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_TRUE(r.session.completed);
  EXPECT_EQ(r.granted_seconds, 5);
  // 5 s in 500 ms sub-intervals: the receiver closes about 10 (the last may not be reported).
  EXPECT_GE(r.session.sub_intervals.size(), 8u);
  EXPECT_LE(r.session.sub_intervals.size(), 11u);
  std::uint64_t datagrams = 0;
  for (const auto& s : r.session.sub_intervals) datagrams += s.rx_datagrams;
  EXPECT_GT(datagrams, 100u);
  if (upstream) {
    EXPECT_GT(r.session.sent_datagrams, datagrams / 2);
  } else {
    EXPECT_GT(r.session.received_datagrams, 100u);
  }
}

TEST_F(UdpstLoopback, DownstreamWithAKey) {
  startServer(KeyTable::single(3, "labkey"));
  auto r = runClientTest(options(false), SystemClock::instance());
  expectLoadCounted(r, false);
  EXPECT_EQ(server_->counters().accepted.load(), 1u);
}

TEST_F(UdpstLoopback, UpstreamWithAKey) {
  startServer(KeyTable::single(3, "labkey"));
  auto r = runClientTest(options(true), SystemClock::instance());
  expectLoadCounted(r, true);
}

TEST_F(UdpstLoopback, NeverAboveTheGrantedBandwidth) {
  startServer(KeyTable::single(3, "labkey"));
  auto o = options(false);
  o.max_mbps = 2;
  auto r = runClientTest(o, SystemClock::instance());
  ASSERT_TRUE(r.error.empty()) << r.error;
  // Row 2 = 2 Mbps at the IP layer: no sub-interval may carry more (one 1 ms tick of jitter).
  for (const auto& s : r.session.sub_intervals) {
    EXPECT_LE(ipRateMbps(s), 2.0 * 1.1) << "sub-interval above the granted 2 Mbps";
  }
}

TEST_F(UdpstLoopback, WrongKeyIsRefused) {
  startServer(KeyTable::single(3, "labkey"));
  auto o = options(false);
  o.key = "notthekey";
  auto r = runClientTest(o, SystemClock::instance());
  EXPECT_EQ(r.error_kind, ErrorKind::kAuth);
  EXPECT_NE(r.error.find("authentication failed"), std::string::npos) << r.error;
  EXPECT_EQ(server_->counters().accepted.load(), 0u);
  EXPECT_EQ(server_->counters().refused.load(), 1u);
}

TEST_F(UdpstLoopback, NoKeyIsRefused) {
  startServer(KeyTable::single(3, "labkey"));
  auto o = options(false);
  o.key.reset();
  auto r = runClientTest(o, SystemClock::instance());
  EXPECT_EQ(r.error_kind, ErrorKind::kAuth);
  EXPECT_NE(r.error.find("authentication required"), std::string::npos) << r.error;
}

TEST_F(UdpstLoopback, BandwidthAboveTheCapIsRefused) {
  startServer(KeyTable::single(3, "labkey"), /*max_mbps=*/10);
  auto o = options(false);
  o.max_mbps = 11;
  auto r = runClientTest(o, SystemClock::instance());
  EXPECT_EQ(r.error_kind, ErrorKind::kRefused);
  EXPECT_NE(r.error.find("exceeds the server's capacity"), std::string::npos) << r.error;
}

// A raw control socket on loopback: sends bytes to the server, reads its setup answers.
class ControlSocket {
 public:
  ControlSocket() : s_(io_, asio::ip::udp::endpoint(asio::ip::address_v4::loopback(), 0)) {
    struct timeval tv {
      2, 0
    };
    ::setsockopt(s_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  void send(const std::vector<std::uint8_t>& bytes, std::uint16_t port) {
    s_.send_to(asio::buffer(bytes),
               asio::ip::udp::endpoint(asio::ip::address_v4::loopback(), port));
  }
  // The next setup answer (a null request may come first); nullopt after 2 s. Bounded.
  std::optional<SetupPdu> setupAnswer() {
    for (int i = 0; i < 4; ++i) {
      auto d = decodeSetup(receive());
      if (d) return *d;
    }
    return std::nullopt;
  }
  std::vector<std::uint8_t> receive() {
    asio::ip::udp::endpoint from;
    asio::error_code ec;
    std::size_t n = s_.receive_from(asio::buffer(buf_), from, 0, ec);
    if (ec) return {};
    return {buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(n)};
  }

 private:
  asio::io_context io_;
  asio::ip::udp::socket s_;
  std::vector<std::uint8_t> buf_ = std::vector<std::uint8_t>(2048);
};

std::vector<std::uint8_t> signedSetup(const DerivedKeys& keys) {
  SetupPdu setup;
  setup.max_bandwidth = 5;
  auto bytes = encodeSetup(setup);
  signPdu(bytes, kSetupAuthModeOffset, keys.client, 3,
          static_cast<std::uint32_t>(std::time(nullptr)));
  return bytes;
}

TEST_F(UdpstLoopback, AReplayedSetupRequestIsRefused) {
  startServer(KeyTable::single(3, "labkey"));
  auto keys = deriveKeys("labkey", static_cast<std::uint32_t>(std::time(nullptr)));
  ASSERT_TRUE(keys.ok());
  auto bytes = signedSetup(*keys);
  ControlSocket client, other;
  client.send(bytes, port_);
  auto first = client.setupAnswer();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->cmd_response, kSrAckOk);
  other.send(bytes, port_);  // the same bytes from another endpoint: a replay
  auto replay = other.setupAnswer();
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->cmd_response, kSrAuthFail);
  EXPECT_EQ(server_->counters().replayed.load(), 1u);
}

TEST_F(UdpstLoopback, ARepeatedRequestGetsTheFirstAnswerAgainABoundedNumberOfTimes) {
  startServer(KeyTable::single(3, "labkey"));
  auto keys = deriveKeys("labkey", static_cast<std::uint32_t>(std::time(nullptr)));
  ASSERT_TRUE(keys.ok());
  auto setup = signedSetup(*keys);
  ControlSocket client;
  client.send(setup, port_);
  auto first = client.setupAnswer();
  ASSERT_TRUE(first);
  ASSERT_EQ(first->cmd_response, kSrAckOk);
  // The client's answer was lost: the same bytes from the same endpoint get the same test port,
  // and no second test is set up.
  for (int i = 0; i < kMaxControlRepeats; ++i) {
    client.send(setup, port_);
    auto again = client.setupAnswer();
    ASSERT_TRUE(again) << "repeat " << i;
    EXPECT_EQ(again->cmd_response, kSrAckOk);
    EXPECT_EQ(again->test_port, first->test_port);
  }
  EXPECT_EQ(server_->counters().repeated.load(), static_cast<std::uint64_t>(kMaxControlRepeats));
  client.send(setup, port_);  // one more than the bound: now it is a replay
  auto beyond = client.setupAnswer();
  ASSERT_TRUE(beyond);
  EXPECT_EQ(beyond->cmd_response, kSrAuthFail);

  // The activation: answered once, and a byte-identical repeat answered again with the same bytes.
  ActivationPdu act;
  act.cmd_request = kActivateUpstream;
  act.test_int_time = 5;
  act.auth.mode = kAuthMode1;
  auto abytes = encodeActivation(act);
  signPdu(abytes, kActivationAuthModeOffset, keys->client, 3,
          static_cast<std::uint32_t>(std::time(nullptr)));
  client.send(abytes, first->test_port);
  std::vector<std::uint8_t> answer;
  for (int i = 0; i < 4 && answer.empty(); ++i) {
    auto got = client.receive();
    if (pduId(got) == kActivationId) answer = got;
  }
  ASSERT_FALSE(answer.empty());
  ASSERT_TRUE(decodeActivation(answer).ok());
  EXPECT_EQ(decodeActivation(answer)->cmd_response, kTaAckOk);
  client.send(abytes, first->test_port);
  std::vector<std::uint8_t> repeated;
  for (int i = 0; i < 4 && repeated.empty(); ++i) {
    auto got = client.receive();
    if (pduId(got) == kActivationId) repeated = got;
  }
  EXPECT_EQ(repeated, answer);
  EXPECT_EQ(server_->counters().accepted.load(), 1u);
}

// A UDP relay in front of the server's control port that drops the first datagram in one
// direction: the path loses the setup request or its answer, as a lossy link does.
class DroppingRelay {
 public:
  DroppingRelay(std::uint16_t server_port, bool drop_request)
      : sock_(io_, asio::ip::udp::endpoint(asio::ip::address_v4::loopback(), 0)),
        server_(asio::ip::address_v4::loopback(), server_port),
        drop_request_(drop_request) {
    receive();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~DroppingRelay() {
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return sock_.local_endpoint().port(); }
  int dropped() const { return dropped_.load(); }

 private:
  void receive() {
    sock_.async_receive_from(asio::buffer(buf_), from_, [this](asio::error_code ec, std::size_t n) {
      if (ec) return;
      const bool from_server = from_ == server_;
      if (!from_server && !client_) client_ = from_;  // the client speaks first
      // Anything else (the server's null request from its test port) is not relayed.
      if (from_server || from_ == *client_) {
        if (dropped_ == 0 && !from_server == drop_request_) {
          ++dropped_;
        } else {
          asio::error_code e;
          sock_.send_to(asio::buffer(buf_.data(), n), from_server ? *client_ : server_, 0, e);
        }
      }
      receive();
    });
  }
  asio::io_context io_;
  asio::ip::udp::socket sock_;
  asio::ip::udp::endpoint server_, from_;
  std::optional<asio::ip::udp::endpoint> client_;
  std::vector<std::uint8_t> buf_ = std::vector<std::uint8_t>(2048);
  bool drop_request_;
  std::atomic<int> dropped_{0};
  std::thread thread_;
};

TEST_F(UdpstLoopback, ALostSetupRequestIsSentAgain) {
  startServer(KeyTable::single(3, "labkey"));
  DroppingRelay relay(port_, /*drop_request=*/true);
  auto o = options(false);
  o.port = relay.port();
  auto r = runClientTest(o, SystemClock::instance());
  EXPECT_EQ(relay.dropped(), 1);
  expectLoadCounted(r, false);
  EXPECT_EQ(server_->counters().accepted.load(), 1u);
  EXPECT_EQ(server_->counters().repeated.load(), 0u);
}

TEST_F(UdpstLoopback, ALostSetupAnswerIsAnsweredAgain) {
  startServer(KeyTable::single(3, "labkey"));
  DroppingRelay relay(port_, /*drop_request=*/false);
  auto o = options(true);
  o.port = relay.port();
  auto r = runClientTest(o, SystemClock::instance());
  EXPECT_EQ(relay.dropped(), 1);
  expectLoadCounted(r, true);
  EXPECT_EQ(server_->counters().accepted.load(), 1u);
  EXPECT_EQ(server_->counters().repeated.load(), 1u);
}

TEST_F(UdpstLoopback, UnauthenticatedServerRefusesAuthenticatedClients) {
  startServer(std::nullopt);
  auto r = runClientTest(options(false), SystemClock::instance());
  EXPECT_EQ(r.error_kind, ErrorKind::kAuth);
  auto o = options(true);
  o.key.reset();
  auto ok = runClientTest(o, SystemClock::instance());
  EXPECT_TRUE(ok.error.empty()) << ok.error;
}

}  // namespace
}  // namespace uplinkprobe
