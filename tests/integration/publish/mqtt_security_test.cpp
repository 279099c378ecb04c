// TLS (server verification against ca_file, bad CA, insecure opt-out, mutual TLS) and the
// ACL example (docs/mosquitto/acl.example) against a real mosquitto started here. Keys and
// certificates are generated per run with the openssl CLI.
#include <gtest/gtest.h>

#include <fstream>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "agent/journal/journal.h"
#include "agent/publish/delivery_pump.h"
#include "agent/publish/paho_publisher.h"
#include "tests/integration/publish/mosquitto_fixture.h"
#include "tests/support/test_pki.h"

namespace uplinkprobe::publish {
namespace {

using namespace std::chrono_literals;
using testing::EventQueue;
using testing::Mosquitto;
using testing::Subscriber;

int sh(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

StatusInfo info(const std::string& dev = "dev1") {
  return StatusInfo{{dev, "sch1", "", "", "", ""}, "0.1.0", "", "h"};
}

struct Attempt {
  bool delivered = false;
  DeliveryStats stats;
};

// One agent session: journal one record, try to deliver it for at most `budget`.
Attempt deliverOne(const config::MqttConfig& m, std::chrono::milliseconds budget,
                   const std::string& dev = "dev1") {
  auto journal = journal::makeMemoryJournal(dev);
  EXPECT_TRUE(journal
                  ->append({{"schema", "uplinkprobe/1"},
                            {"kind", "event"},
                            {"event", "test"},
                            {"device_id", dev},
                            {"school_id", "sch1"}})
                  .ok());
  EventQueue loop;
  auto pub = makePahoPublisher(m, info(dev), loop.poster(), SystemClock::instance());
  EXPECT_TRUE(pub.ok()) << (pub.ok() ? "" : pub.error().message);
  if (!pub.ok()) return {};
  DeliveryOptions o;
  o.topic_prefix = m.topic_prefix;
  o.status = info(dev);
  o.reconnect_initial = 300ms;
  o.reconnect_max = 1000ms;
  DeliveryPump pump(*journal, **pub, SystemClock::instance(), o);
  Attempt a;
  a.delivered =
      loop.runUntil([&] { return journal->deliveredSeq() == 1; }, budget, [&] { pump.tick(); });
  a.stats = pump.stats();
  (*pub)->disconnect(1s);
  return a;
}

class MqttTls : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = testing::makeTempDir();
    ASSERT_TRUE(uplinkprobe::testing::makeTestPki(dir, "dev1"));
  }
  std::string dir;
};

TEST_F(MqttTls, ServerVerifiedAgainstCaFileAndBadCaRefused) {
  Mosquitto broker("allow_anonymous true\ncafile " + dir + "/ca.crt\ncertfile " + dir +
                       "/server.crt\nkeyfile " + dir + "/server.key\n",
                   dir);
  ASSERT_TRUE(broker.start()) << broker.log();
  config::MqttConfig m;
  m.uri =
      "ssl://localhost:" + std::to_string(broker.port());  // Paho checks the host name, not IP SANs
  m.topic_prefix = "itest/v1";
  m.ca_file = dir + "/ca.crt";
  auto ok = deliverOne(m, 10s);
  EXPECT_TRUE(ok.delivered) << ok.stats.last_error;

  m.ca_file = dir + "/other-ca.crt";
  auto bad = deliverOne(m, 2500ms);
  EXPECT_FALSE(bad.delivered);
  EXPECT_FALSE(bad.stats.connected);
  EXPECT_GE(bad.stats.connect_failures, 2u) << "keeps retrying, bounded";
  EXPECT_NE(bad.stats.last_error.find("tls:"), std::string::npos) << bad.stats.last_error;
  EXPECT_NE(bad.stats.last_error.find("other-ca.crt"), std::string::npos) << bad.stats.last_error;

  m.insecure_skip_verify = true;  // the lab opt-out connects despite the wrong CA
  auto lab = deliverOne(m, 10s);
  EXPECT_TRUE(lab.delivered) << lab.stats.last_error;
}

TEST_F(MqttTls, MutualTlsNeedsTheClientCertificate) {
  Mosquitto broker("allow_anonymous true\ncafile " + dir + "/ca.crt\ncertfile " + dir +
                       "/server.crt\nkeyfile " + dir + "/server.key\nrequire_certificate true\n",
                   dir);
  ASSERT_TRUE(broker.start()) << broker.log();
  config::MqttConfig m;
  m.uri =
      "ssl://localhost:" + std::to_string(broker.port());  // Paho checks the host name, not IP SANs
  m.topic_prefix = "itest/v1";
  m.ca_file = dir + "/ca.crt";
  auto without = deliverOne(m, 2500ms);
  EXPECT_FALSE(without.delivered);
  EXPECT_NE(without.stats.last_error.find("tls:"), std::string::npos) << without.stats.last_error;
  m.cert_file = dir + "/client.crt";
  m.key_file = dir + "/client.key";
  auto with = deliverOne(m, 10s);
  EXPECT_TRUE(with.delivered) << with.stats.last_error;
}

TEST(MqttAcl, ExampleAclConfinesEachDeviceToItsOwnTopics) {
  const std::string dir = testing::makeTempDir();
  ASSERT_EQ(sh("mosquitto_passwd -c -b " + dir + "/passwd dev1 pw1"), 0);
  ASSERT_EQ(sh("mosquitto_passwd -b " + dir + "/passwd dev2 pw2"), 0);
  ASSERT_EQ(sh("mosquitto_passwd -b " + dir + "/passwd collector pwc"), 0);
  ASSERT_EQ(sh(std::string("cp ") + UPLINKPROBE_SOURCE_DIR + "/docs/mosquitto/acl.example " + dir +
               "/acl && chmod 0644 " + dir + "/passwd " + dir + "/acl"),
            0);
  Mosquitto broker("allow_anonymous false\npassword_file " + dir + "/passwd\nacl_file " + dir +
                       "/acl\nuse_username_as_clientid true\n",
                   dir);
  ASSERT_TRUE(broker.start()) << broker.log();
  Subscriber sub(broker.uri(), "uplinkprobe/v1/#", "collector", nullptr, "collector", "pwc");
  ASSERT_TRUE(sub.connect()) << broker.log();

  // dev1 through the real agent path: its records and status arrive.
  std::ofstream(dir + "/dev1.pw") << "pw1\n";
  config::MqttConfig m;
  m.uri = broker.uri();
  m.username = "dev1";
  m.password_file = dir + "/dev1.pw";
  auto a = deliverOne(m, 10s);
  ASSERT_TRUE(a.delivered) << a.stats.last_error;

  // dev1 with a raw client tries to write into dev2's topics (records and status). The
  // broker may drop the messages or the connection; either way nothing may arrive.
  try {
    mqtt::async_client rogue(broker.uri(), "dev1", nullptr);
    mqtt::connect_options co;
    co.set_user_name("dev1");
    co.set_password("pw1");
    if (rogue.connect(co)->wait_for(5s)) {
      for (const char* t : {"uplinkprobe/v1/sch1/dev2/throughput",
                            "uplinkprobe/v1/sch1/dev2/status", "uplinkprobe/v1/sch2/dev2/outage"}) {
        rogue.publish(t, std::string("{\"forged\":true}"), 1, false)->wait_for(5s);
      }
      rogue.disconnect()->wait_for(2s);
    }
  } catch (const mqtt::exception& e) {
    std::printf("rogue client: %s\n", e.what());
  }
  std::this_thread::sleep_for(1s);
  bool own_seen = false;
  for (auto& msg : sub.messages()) {
    own_seen |= msg.topic.rfind("uplinkprobe/v1/sch1/dev1/", 0) == 0;
    EXPECT_EQ(msg.topic.find("/dev2/"), std::string::npos)
        << "forged message delivered: " << msg.topic;
    EXPECT_EQ(msg.payload.find("forged"), std::string::npos);
  }
  EXPECT_TRUE(own_seen) << "the device's own topics must stay writable (control)";
  EXPECT_NE(broker.log().find("Denied PUBLISH from dev1"), std::string::npos);
}

}  // namespace
}  // namespace uplinkprobe::publish
