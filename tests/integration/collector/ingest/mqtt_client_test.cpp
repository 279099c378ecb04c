// The collector's own MQTT 5 client against a real mosquitto started here: the PUBACK is sent
// only when the application says so (un-acked messages come again to the persistent session,
// acked ones never), shared subscriptions split the stream, keep-alive holds an idle
// connection, QoS 2 is refused, and TLS verifies the broker (CA and host name) and presents
// a client certificate. Keys and certificates are generated per run with the openssl CLI.
#include <gtest/gtest.h>

#include <asio.hpp>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>

#include "collector/ingest/mqtt_client.h"
#include "tests/integration/publish/mosquitto_fixture.h"
#include "tests/support/test_pki.h"

namespace uplinkprobe::collector::mqtt {
namespace {

using namespace std::chrono_literals;
using publish::testing::makeTempDir;
using publish::testing::Mosquitto;

int sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

// One MqttClient on its own io_context thread, recording what it receives.
class Harness {
 public:
  explicit Harness(ClientOptions o) : guard_(asio::make_work_guard(io_)) {
    MqttClient::Handlers h;
    h.on_message = [this](InboundMessage m) {
      std::lock_guard<std::mutex> g(mu_);
      msgs_.push_back(std::move(m));
    };
    h.on_ready = [this](bool) { ready_ = true; };
    client_ = std::make_unique<MqttClient>(io_, std::move(o), std::move(h));
    thread_ = std::thread([this] { io_.run(); });
    asio::post(io_, [this] { client_->start(); });
  }
  ~Harness() { abort(); }
  // Graceful: DISCONNECT (session kept), then stop the loop.
  void stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] { client_->stop(); });
    std::this_thread::sleep_for(300ms);
    abort();
  }
  // As if the process died: no DISCONNECT, the socket just closes.
  void abort() {
    if (!thread_.joinable()) return;
    guard_.reset();
    io_.stop();
    thread_.join();
    client_.reset();
  }
  bool waitReady(std::chrono::milliseconds t = 10s) {
    return waitUntil([&] { return ready_.load(); }, t);
  }
  bool waitMessages(std::size_t n, std::chrono::milliseconds t = 10s) {
    return waitUntil([&] { return count() >= n; }, t);
  }
  std::size_t count() {
    std::lock_guard<std::mutex> g(mu_);
    return msgs_.size();
  }
  std::vector<InboundMessage> messages() {
    std::lock_guard<std::mutex> g(mu_);
    return msgs_;
  }
  void ack(const InboundMessage& m) {
    asio::post(io_, [this, c = m.connection, id = m.packet_id] { client_->ack(c, id); });
  }
  const ClientStats& stats() { return client_->stats(); }

  static bool waitUntil(const std::function<bool()>& pred, std::chrono::milliseconds t) {
    const auto deadline = std::chrono::steady_clock::now() + t;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      std::this_thread::sleep_for(20ms);
    }
    return pred();
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::unique_ptr<MqttClient> client_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<InboundMessage> msgs_;
  std::atomic<bool> ready_{false};
};

// Publishes with the mosquitto_pub CLI (QoS as given), one message per line of `lines`.
void publishLines(int port, const std::string& topic, const std::vector<std::string>& lines,
                  int qos = 1, const std::string& extra = "") {
  const std::string file = makeTempDir() + "/lines";
  {
    std::ofstream f(file);
    for (const auto& l : lines) f << l << "\n";
  }
  ASSERT_EQ(sh("mosquitto_pub -h 127.0.0.1 -p " + std::to_string(port) + " -q " +
               std::to_string(qos) + " -t '" + topic + "' -l " + extra + " < " + file),
            0);
}

std::vector<std::string> numbered(int n, const std::string& tag = "m") {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back(tag + std::to_string(i));
  return v;
}

ClientOptions options(const Mosquitto& b, const std::string& id) {
  ClientOptions o;
  o.uri = "tcp://127.0.0.1:" + std::to_string(b.port());
  o.client_id = id;
  o.topic_filter = "itest/v1/#";
  o.backoff_initial = 100ms;
  o.backoff_max = 500ms;
  return o;
}

TEST(CollectorMqttClient, OnlyAckedMessagesAreNotRedelivered) {
  Mosquitto broker;
  ASSERT_TRUE(broker.start()) << broker.log();
  {
    Harness first(options(broker, "collector-a"));
    ASSERT_TRUE(first.waitReady()) << broker.log();
    publishLines(broker.port(), "itest/v1/s1/d1/event", numbered(20));
    ASSERT_TRUE(first.waitMessages(20));
    auto got = first.messages();
    for (int i = 0; i < 10; ++i) {
      EXPECT_EQ(got[i].payload, "m" + std::to_string(i));
      EXPECT_EQ(got[i].qos, 1);
      first.ack(got[i]);  // the first ten are "committed"
    }
    ASSERT_TRUE(Harness::waitUntil([&] { return first.stats().acks_sent == 10; }, 5s));
    first.abort();  // killed: no DISCONNECT, ten un-acked
  }
  Harness second(options(broker, "collector-a"));
  ASSERT_TRUE(second.waitMessages(10)) << broker.log();
  std::this_thread::sleep_for(300ms);
  auto again = second.messages();
  ASSERT_EQ(again.size(), 10u) << "exactly the un-acked ten come again";
  std::set<std::string> payloads;
  for (const auto& m : again) {
    payloads.insert(m.payload);
    EXPECT_TRUE(m.dup);
    second.ack(m);
  }
  for (int i = 10; i < 20; ++i) EXPECT_TRUE(payloads.count("m" + std::to_string(i))) << i;
  ASSERT_TRUE(Harness::waitUntil([&] { return second.stats().acks_sent == 10; }, 5s));
  second.stop();
  // Messages published while the collector is away wait in its session.
  publishLines(broker.port(), "itest/v1/s1/d1/event", numbered(5, "away"));
  Harness third(options(broker, "collector-a"));
  ASSERT_TRUE(third.waitMessages(5));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(third.count(), 5u);
}

TEST(CollectorMqttClient, ReceiveMaximumBoundsWhatIsInFlight) {
  Mosquitto broker;
  ASSERT_TRUE(broker.start());
  auto o = options(broker, "collector-rm");
  o.receive_maximum = 5;
  Harness h(o);
  ASSERT_TRUE(h.waitReady());
  publishLines(broker.port(), "itest/v1/s1/d1/event", numbered(12));
  ASSERT_TRUE(h.waitMessages(5));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(h.count(), 5u) << "the broker holds the rest until we ack";
  EXPECT_EQ(h.stats().in_flight, 5u);
  // Ack everything as it comes: all twelve arrive, once each, on one connection (mosquitto
  // 2.0.11 overshoots the window after the first ack; the client tolerates that).
  std::size_t acked = 0;
  ASSERT_TRUE(Harness::waitUntil(
      [&] {
        auto m = h.messages();
        for (; acked < m.size(); ++acked) h.ack(m[acked]);
        return acked >= 12;
      },
      10s));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(h.count(), 12u);
  EXPECT_EQ(h.stats().protocol_errors, 0u);
  EXPECT_EQ(h.stats().connects, 1u);
  EXPECT_LE(h.stats().receive_maximum_exceeded, 12u);
}

// mosquitto 2.0.11 resends a whole backlog at once on reconnect, far beyond our Receive
// Maximum: the client pauses reading (back-pressure) instead of disconnecting, so the backlog
// drains on one connection.
TEST(CollectorMqttClient, BacklogBeyondTheWindowDrainsOnOneConnection) {
  Mosquitto broker;
  ASSERT_TRUE(broker.start());
  auto o = options(broker, "collector-backlog");
  o.receive_maximum = 5;
  {
    Harness first(o);
    ASSERT_TRUE(first.waitReady());
    first.stop();
  }
  publishLines(broker.port(), "itest/v1/s1/d1/event", numbered(60));
  Harness h(o);
  std::size_t acked = 0;
  ASSERT_TRUE(Harness::waitUntil(
      [&] {
        auto m = h.messages();
        EXPECT_LE(h.stats().in_flight, 60u);
        for (; acked < m.size(); ++acked) h.ack(m[acked]);
        return acked >= 60;
      },
      15s));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(h.count(), 60u);
  EXPECT_EQ(h.stats().connects, 1u);
  EXPECT_EQ(h.stats().protocol_errors, 0u);
}

TEST(CollectorMqttClient, SharedSubscriptionSplitsTheStream) {
  Mosquitto broker;
  ASSERT_TRUE(broker.start());
  auto a = options(broker, "collector-s1");
  auto b = options(broker, "collector-s2");
  a.topic_filter = b.topic_filter = subscriptionFilter("itest/v1", "collectors");
  EXPECT_EQ(a.topic_filter, "$share/collectors/itest/v1/#");
  Harness ha(a), hb(b);
  ASSERT_TRUE(ha.waitReady());
  ASSERT_TRUE(hb.waitReady());
  publishLines(broker.port(), "itest/v1/s1/d1/event", numbered(40));
  ASSERT_TRUE(Harness::waitUntil([&] { return ha.count() + hb.count() >= 40; }, 10s));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(ha.count() + hb.count(), 40u) << "each message to one collector";
  EXPECT_GT(ha.count(), 0u);
  EXPECT_GT(hb.count(), 0u);
}

TEST(CollectorMqttClient, KeepAliveHoldsAnIdleConnection) {
  Mosquitto broker;
  ASSERT_TRUE(broker.start());
  auto o = options(broker, "collector-ka");
  o.keep_alive_s = 1;
  Harness h(o);
  ASSERT_TRUE(h.waitReady());
  std::this_thread::sleep_for(3500ms);  // mosquitto drops a silent client after 1.5 keep-alives
  EXPECT_TRUE(h.stats().connected);
  EXPECT_EQ(h.stats().connects, 1u);
  EXPECT_NE(broker.log().find("Received PINGREQ from collector-ka"), std::string::npos);
}

TEST(CollectorMqttClient, Qos0IsDeliveredWithoutAck) {
  Mosquitto broker;
  ASSERT_TRUE(broker.start());
  Harness h(options(broker, "collector-q0"));
  ASSERT_TRUE(h.waitReady());
  publishLines(broker.port(), "itest/v1/s1/d1/status", {"x"}, 0);
  ASSERT_TRUE(h.waitMessages(1));
  EXPECT_EQ(h.messages()[0].qos, 0);
  EXPECT_EQ(h.messages()[0].packet_id, 0);
}

TEST(CollectorMqttClient, PasswordFileAndRefusal) {
  const std::string dir = makeTempDir();  // the broker's own directory: it must read passwd
  ASSERT_EQ(sh("mosquitto_passwd -b -c " + dir + "/passwd collector s3cret && chmod 0644 " + dir +
               "/passwd"),
            0);
  Mosquitto broker("allow_anonymous false\npassword_file " + dir + "/passwd\n", dir);
  ASSERT_TRUE(broker.start()) << broker.log();
  std::ofstream(dir + "/pw") << "s3cret\n";
  auto o = options(broker, "collector-pw");
  o.username = "collector";
  o.password_file = dir + "/pw";
  Harness good(o);
  EXPECT_TRUE(good.waitReady());
  std::ofstream(dir + "/bad") << "wrong\n";
  o.client_id = "collector-pw2";
  o.password_file = dir + "/bad";
  Harness bad(o);
  std::this_thread::sleep_for(1500ms);
  EXPECT_FALSE(bad.stats().connected);
  EXPECT_EQ(bad.stats().connects, 0u);
}

// A fake broker that answers CONNECT and SUBSCRIBE, then sends a QoS 2 PUBLISH: the client
// must refuse it with DISCONNECT 0x82 and close.
TEST(CollectorMqttClient, Qos2IsRefusedWithProtocolError) {
  asio::io_context io;
  asio::ip::tcp::acceptor acc(io, {asio::ip::make_address("127.0.0.1"), 0});
  const int port = acc.local_endpoint().port();
  std::string received;
  std::thread broker([&] {
    asio::ip::tcp::socket s(io);
    acc.accept(s);
    auto readPacket = [&] {
      char h[2];
      asio::read(s, asio::buffer(h, 2));
      std::string body(static_cast<unsigned char>(h[1]), '\0');
      asio::read(s, asio::buffer(body));
      return std::string(h, 2) + body;
    };
    readPacket();                                                                    // CONNECT
    asio::write(s, asio::buffer(std::string("\x20\x03\x00\x00\x00", 5)));            // CONNACK
    readPacket();                                                                    // SUBSCRIBE
    asio::write(s, asio::buffer(std::string("\x90\x04\x00\x01\x00\x01", 6)));        // SUBACK
    asio::write(s, asio::buffer(std::string("\x34\x07\x00\x01t\x00\x01\x00x", 9)));  // QoS 2
    asio::error_code ec;
    char buf[64];
    std::size_t n = 0;
    while (!ec && n < sizeof buf) n += s.read_some(asio::buffer(buf + n, sizeof buf - n), ec);
    received.assign(buf, n);
  });
  ClientOptions o;
  o.uri = "tcp://127.0.0.1:" + std::to_string(port);
  o.client_id = "q2";
  o.topic_filter = "t";
  o.backoff_initial = 10s;  // one connection only
  Harness h(o);
  broker.join();
  EXPECT_EQ(received, std::string("\xE0\x02\x82\x00", 4)) << "DISCONNECT, protocol error";
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.stats().protocol_errors, 1u);
}

class CollectorMqttTls : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = makeTempDir();
    ASSERT_TRUE(uplinkprobe::testing::makeTestPki(dir, "collector"));
  }
  std::string broker(const std::string& cert, bool require_client_cert) {
    return "allow_anonymous true\ncafile " + dir + "/ca.crt\ncertfile " + dir + "/" + cert +
           ".crt\nkeyfile " + dir + "/" + cert + ".key\n" +
           (require_client_cert ? "require_certificate true\n" : "");
  }
  ClientOptions tls(const Mosquitto& b, const std::string& host, const std::string& id) {
    ClientOptions o;
    o.uri = "ssl://" + host + ":" + std::to_string(b.port());
    o.client_id = id;
    o.topic_filter = "itest/v1/#";
    o.ca_file = dir + "/ca.crt";
    o.backoff_initial = 100ms;
    o.backoff_max = 300ms;
    return o;
  }
  std::string dir;
};

TEST_F(CollectorMqttTls, VerifiesCaAndHostNameThenReceives) {
  Mosquitto b(broker("server", false), dir);
  ASSERT_TRUE(b.start()) << b.log();
  // Host name and IP address SAN both verify.
  for (const std::string host : {"localhost", "127.0.0.1"}) {
    Harness h(tls(b, host, "tls-" + host));
    ASSERT_TRUE(h.waitReady()) << host << "\n" << b.log();
  }
  Harness h(tls(b, "127.0.0.1", "tls-rx"));
  ASSERT_TRUE(h.waitReady());
  ASSERT_EQ(sh("mosquitto_pub -h localhost -p " + std::to_string(b.port()) + " --cafile " + dir +
               "/ca.crt -q 1 -t itest/v1/s/d/event -m over-tls"),
            0);
  ASSERT_TRUE(h.waitMessages(1));
  EXPECT_EQ(h.messages()[0].payload, "over-tls");

  auto wrong_ca = tls(b, "127.0.0.1", "tls-wrong-ca");
  wrong_ca.ca_file = dir + "/other-ca.crt";
  Harness bad(wrong_ca);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(bad.stats().connects, 0u) << "a broker our CA did not sign is refused";
}

TEST_F(CollectorMqttTls, HostNameMismatchIsRefused) {
  Mosquitto b(broker("wrong", false), dir);
  ASSERT_TRUE(b.start()) << b.log();
  Harness h(tls(b, "127.0.0.1", "tls-mismatch"));
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(h.stats().connects, 0u) << "a valid certificate for another host is refused";
}

TEST_F(CollectorMqttTls, MutualTls) {
  Mosquitto b(broker("server", true), dir);
  ASSERT_TRUE(b.start()) << b.log();
  Harness without(tls(b, "localhost", "mtls-none"));
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(without.stats().connects, 0u);
  auto o = tls(b, "localhost", "mtls-cert");
  o.cert_file = dir + "/client.crt";
  o.key_file = dir + "/client.key";
  Harness with(o);
  EXPECT_TRUE(with.waitReady()) << b.log();
}

}  // namespace
}  // namespace uplinkprobe::collector::mqtt
