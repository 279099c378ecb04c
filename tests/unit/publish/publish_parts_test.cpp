// Topic layout, backoff, token bucket, status payloads, connect settings and the Paho variant
// each scheme loads.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "agent/publish/backoff.h"
#include "agent/publish/connect_settings.h"
#include "agent/publish/mqtt_library.h"
#include "agent/publish/status_message.h"
#include "agent/publish/token_bucket.h"
#include "agent/publish/topic.h"
#include "tests/support/temp_dir.h"

namespace uplinkprobe::publish {
namespace {

using uplinkprobe::testing::TempDir;

TEST(Topic, LayoutAndSanitising) {
  EXPECT_EQ(topicFor("uplinkprobe/v1", "220102-001", "dev-a", "throughput"),
            "uplinkprobe/v1/220102-001/dev-a/throughput");
  EXPECT_EQ(topicFor("p/", "s", "d", "alert/state"), "p/s/d/alert/state");
  EXPECT_EQ(topicFor("p", "a/b", "x+#", "k"), "p/a_b/x__/k");
  EXPECT_EQ(topicFor("p", "", "d", "k"), "p/_/d/k");
  EXPECT_EQ(topicKindFor("alert_state"), "alert/state");
  EXPECT_EQ(topicKindFor("outage"), "outage");
  EXPECT_TRUE(retainedKind("alert_state"));
  EXPECT_FALSE(retainedKind("alert"));
}

TEST(Backoff, DoublesWithJitterUpToCapAndResets) {
  Backoff b(std::chrono::milliseconds(100), std::chrono::milliseconds(1000), 7);
  const int64_t bases[] = {100, 200, 400, 800, 1000, 1000};
  for (int64_t base : bases) {
    auto d = b.next().count();
    EXPECT_GE(d, base / 2);
    EXPECT_LE(d, base);
  }
  b.reset();
  EXPECT_LE(b.next().count(), 100);
  // Different seeds give different schedules (no lock step across devices).
  Backoff x(std::chrono::milliseconds(10000), std::chrono::milliseconds(10000), 1);
  Backoff y(std::chrono::milliseconds(10000), std::chrono::milliseconds(10000), 2);
  bool differ = false;
  for (int i = 0; i < 5; ++i) differ |= x.next() != y.next();
  EXPECT_TRUE(differ);
}

TEST(TokenBucket, RefillsAtRateUpToBurst) {
  ManualClock clock;
  TokenBucket tb(clock, 2, 2);
  EXPECT_TRUE(tb.tryTake());
  EXPECT_TRUE(tb.tryTake());
  EXPECT_FALSE(tb.tryTake());
  EXPECT_EQ(tb.waitForOne().count(), 500);
  clock.advance(std::chrono::milliseconds(500));
  EXPECT_TRUE(tb.tryTake());
  clock.advance(std::chrono::seconds(100));
  EXPECT_TRUE(tb.tryTake());
  EXPECT_TRUE(tb.tryTake());
  EXPECT_FALSE(tb.tryTake());
  TokenBucket unlimited(clock, 0, 1);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(unlimited.tryTake());
}

TEST(StatusMessage, OnlineAndOffline) {
  StatusInfo info{{"dev", "sch", "No. 1 School", "Jilin", "Chaoyang", "carrierX"},
                  "0.1.0",
                  "2026-11-28T12:00:00+08:00",
                  "abc123"};
  ManualClock clock;
  auto on = nlohmann::json::parse(statusOnlineJson(info, clock.wallNow()));
  EXPECT_EQ(on["state"], "online");
  EXPECT_EQ(on["kind"], "status");
  EXPECT_EQ(on["config_hash"], "abc123");
  EXPECT_EQ(on["school_name"], "No. 1 School");
  EXPECT_TRUE(on.contains("ts"));
  auto lwt = nlohmann::json::parse(statusOfflineJson(info, "lwt", clock.wallNow()));
  EXPECT_EQ(lwt["state"], "offline");
  EXPECT_FALSE(lwt.contains("ts"));
  auto bye = nlohmann::json::parse(statusOfflineJson(info, "shutdown", clock.wallNow()));
  EXPECT_EQ(bye["reason"], "shutdown");
  EXPECT_TRUE(bye.contains("ts"));
}

class ConnectSettingsTest : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& body, mode_t mode = 0600) {
    std::string p = (dir / name).string();
    std::ofstream(p) << body;
    chmod(p.c_str(), mode);
    return p;
  }
  TempDir dir{"up-publish-"};
};

TEST_F(ConnectSettingsTest, UriSchemesAndDefaultsPorts) {
  config::MqttConfig m;
  m.uri = "tcp://127.0.0.1";
  auto s = makeConnectSettings(m, "dev");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->uri, "tcp://127.0.0.1:1883");
  EXPECT_FALSE(s->tls);
  EXPECT_EQ(s->client_id, "dev");
  m.uri = "mqtts://broker.example:9999";
  s = makeConnectSettings(m, "dev");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->uri, "ssl://broker.example:9999");
  EXPECT_TRUE(s->tls);
  for (const char* bad : {"", "http://x:1", "broker:1883", "tcp://", "tcp://h:1/path"}) {
    m.uri = bad;
    auto r = makeConnectSettings(m, "dev");
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().kind, ErrorKind::kConfig);
    }
  }
  m.uri = "tcp://h:1";
  EXPECT_FALSE(makeConnectSettings(m, "").ok());
  m.protocol_version = 3;
  EXPECT_FALSE(makeConnectSettings(m, "dev").ok());
}

TEST_F(ConnectSettingsTest, PasswordFileStrippedAndChecked) {
  config::MqttConfig m;
  m.uri = "tcp://127.0.0.1:1883";
  m.username = "dev";
  m.password_file = write("pw", "s3cret\r\n");
  auto s = makeConnectSettings(m, "dev");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->password, "s3cret");
  bool warned_open = false;
  for (auto& w : s->warnings) warned_open |= w.find("readable by every") != std::string::npos;
  EXPECT_FALSE(warned_open);

  m.password_file = write("pw2", "x\n", 0644);
  s = makeConnectSettings(m, "dev");
  ASSERT_TRUE(s.ok());
  warned_open = false;
  for (auto& w : s->warnings) warned_open |= w.find("readable by every") != std::string::npos;
  EXPECT_TRUE(warned_open);

  m.password_file = (dir / "missing").string();
  auto r = makeConnectSettings(m, "dev");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("missing"), std::string::npos);
  m.password_file = write("empty", "\n");
  EXPECT_FALSE(makeConnectSettings(m, "dev").ok());
  m.password_file = write("big", std::string(5000, 'a'));
  EXPECT_FALSE(makeConnectSettings(m, "dev").ok());
  m.password_file = write("pw3", "x");
  m.username = "";
  EXPECT_FALSE(makeConnectSettings(m, "dev").ok());
}

TEST_F(ConnectSettingsTest, TlsFilesChecked) {
  config::MqttConfig m;
  m.uri = "ssl://127.0.0.1:8883";
  m.ca_file = write("ca.pem", "x");
  auto s = makeConnectSettings(m, "dev");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->ca_file, m.ca_file);
  EXPECT_FALSE(s->insecure_skip_verify);
  m.cert_file = write("c.pem", "x");
  EXPECT_FALSE(makeConnectSettings(m, "dev").ok()) << "cert without key";
  m.key_file = (dir / "nokey.pem").string();
  EXPECT_FALSE(makeConnectSettings(m, "dev").ok()) << "unreadable key";
  m.key_file = write("k.pem", "x");
  EXPECT_TRUE(makeConnectSettings(m, "dev").ok());
  m.uri = "tcp://127.0.0.1:1883";
  s = makeConnectSettings(m, "dev");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->ca_file.empty());
  EXPECT_FALSE(s->warnings.empty());
}

// The shared object a loaded function lives in (its path as the dynamic linker has it).
std::string objectOf(void* function) {
  Dl_info info{};
  if (dladdr(function, &info) == 0 || info.dli_fname == nullptr) return "";
  return std::filesystem::path(info.dli_fname).filename().string();
}

TEST(MqttLibrary, APlainBrokerLoadsPahoWithoutTlsAndATlsBrokerItsTlsVariant) {
  // What makePahoPublisher loads: settings.tls, from the scheme (tcp://, mqtt:// -> false).
  config::MqttConfig m;
  m.uri = "mqtt://broker";
  auto plain_settings = makeConnectSettings(m, "dev");
  ASSERT_TRUE(plain_settings.ok());
  m.uri = "mqtts://broker";
  auto tls_settings = makeConnectSettings(m, "dev");
  ASSERT_TRUE(tls_settings.ok());
  ASSERT_FALSE(plain_settings->tls);
  ASSERT_TRUE(tls_settings->tls);

  EXPECT_STREQ(mqttSoname(false), "libpaho-mqtt3a.so.1");
  EXPECT_STREQ(mqttSoname(true), "libpaho-mqtt3as.so.1");
  auto plain = loadMqtt(plain_settings->tls);
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  auto tls = loadMqtt(tls_settings->tls);
  ASSERT_TRUE(tls.ok()) << tls.error().message;
  EXPECT_FALSE(plain.value()->tls);
  EXPECT_TRUE(tls.value()->tls);
  // Each table's functions are the variant's own, not the other's (RTLD_LOCAL: both define
  // the same names).
  EXPECT_EQ(objectOf(reinterpret_cast<void*>(plain.value()->connect)).rfind("libpaho-mqtt3a.so", 0),
            0u);
  EXPECT_EQ(objectOf(reinterpret_cast<void*>(tls.value()->connect)).rfind("libpaho-mqtt3as.so", 0),
            0u);
  EXPECT_EQ(objectOf(reinterpret_cast<void*>(plain.value()->send_message)),
            objectOf(reinterpret_cast<void*>(plain.value()->connect)));
  // Later calls return the same table.
  EXPECT_EQ(loadMqtt(false).value(), plain.value());
}

}  // namespace
}  // namespace uplinkprobe::publish
