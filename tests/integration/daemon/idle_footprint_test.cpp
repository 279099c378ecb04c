// What the idle daemon maps (issue 16 item 6: idle daemon ≤ 8 MB RSS). libcurl and its
// dependency chain (GnuTLS through librtmp, Kerberos, LDAP, libssh2, nghttp2, ...) were most
// of the idle daemon's resident memory; agent/measure/curl_library.h loads libcurl only when
// a throughput test runs. These tests read the real daemon's /proc/PID/maps rather than
// assert an RSS figure (figures: bench/idle_rss.sh, docs/benchmarks.md):
//  - availability only (tests_per_day = 0), broker connected: none of libcurl's chain mapped;
//    and, the broker being tcp://, the MQTT session runs on Paho's plain library
//    (libpaho-mqtt3a, agent/publish/mqtt_library.h): neither its TLS variant nor Paho C++
//    nor libssl is mapped (a wrong variant or a link-time dependency fails here);
//  - a scheduled test: libcurl is loaded then, and the test measures (the record has a
//    download figure), so the lazy load is exercised and the first assertion can fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "tests/integration/publish/mosquitto_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace uplinkprobe {
namespace {

using uplinkprobe::testing::TempDir;

using namespace std::chrono_literals;
using testing::ChildProcess;

// Shared objects of libcurl's dependency chain on Debian (libcurl4) that nothing else the
// agent links pulls in. libssl/libcrypto are not listed: they are checked on their own below.
const std::vector<std::string> kHttpStack = {"libcurl",        "libgnutls", "librtmp", "libkrb5",
                                             "libgssapi_krb5", "libldap",   "libssh2", "libnghttp2",
                                             "libp11-kit",     "libpsl",    "libidn2"};

// File names (basename) of every shared object in /proc/PID/maps.
std::set<std::string> mappedObjects(pid_t pid) {
  std::set<std::string> out;
  std::istringstream maps(testing::readFile("/proc/" + std::to_string(pid) + "/maps"));
  for (std::string line; std::getline(maps, line);) {
    const auto slash = line.rfind('/');
    if (slash != std::string::npos && line.find(".so", slash) != std::string::npos)
      out.insert(line.substr(slash + 1));
  }
  return out;
}

std::vector<std::string> httpStackIn(const std::set<std::string>& objects) {
  std::vector<std::string> found;
  for (const auto& o : objects)
    for (const auto& lib : kHttpStack)
      if (o.rfind(lib + ".so", 0) == 0 || o.rfind(lib + "-", 0) == 0) found.push_back(o);
  return found;
}

class IdleFootprint : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(broker_.start()); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Availability probes on loopback only; `schedule` is the [schedule] section's body.
  std::string config(const std::string& server_port, const std::string& schedule) const {
    const std::string broker = std::to_string(broker_.port());
    return "[identity]\ndevice_id = \"idle-dev\"\nschool_id = \"idle-school\"\n"
           "[[servers]]\nname = \"loopback\"\nurl = \"http://127.0.0.1:" +
           server_port +
           "/\"\n"
           "[throughput]\nmax_seconds = 2\nmax_mb_per_direction = 4\n"
           "[schedule]\n" +
           schedule +
           "defer_if_cross_traffic_mbps = 0\n"
           "[availability]\ninterval_s = 1\nprobe_timeout_ms = 500\n"
           "tcp_targets = [\"127.0.0.1:" +
           broker + "\"]\ndns_servers = [\"127.0.0.1:9\"]\ngateway = \"127.0.0.1\"\n" +
           "[mqtt]\nuri = \"" + broker_.uri() + "\"\n[storage]\ndir = \"" + path("state") + "\"\n";
  }

  TempDir dir_{"uplinkprobe-idle-"};
  publish::testing::Mosquitto broker_;
};

TEST_F(IdleFootprint, AnAvailabilityOnlyDaemonMapsNoneOfTheHttpStack) {
  testing::writeFile(path("c.toml"), config("9", "tests_per_day = 0\n"));
  ChildProcess d({UPLINKPROBE_BIN, "run", "--config", path("c.toml")}, path("d.out"),
                 path("d.err"));
  // Up: journal open, broker session connected (the broker logs the device's client id),
  // then a few availability rounds (1 s apart) with their probes.
  ASSERT_TRUE(testing::waitFor(
      [&] { return testing::readFile(path("d.err")).find(" running: ") != std::string::npos; },
      15s))
      << testing::readFile(path("d.err"));
  ASSERT_TRUE(
      testing::waitFor([&] { return broker_.log().find("idle-dev") != std::string::npos; }, 15s))
      << broker_.log();
  std::this_thread::sleep_for(3s);
  ASSERT_TRUE(d.running()) << testing::readFile(path("d.err"));

  const auto objects = mappedObjects(d.pid());
  // The reading works: the C library and the MQTT client are there.
  ASSERT_TRUE(std::any_of(objects.begin(), objects.end(),
                          [](const std::string& o) { return o.rfind("libc.so", 0) == 0; }));
  ASSERT_TRUE(std::any_of(objects.begin(), objects.end(),
                          [](const std::string& o) { return o.rfind("libpaho-mqtt", 0) == 0; }));
  EXPECT_EQ(httpStackIn(objects), std::vector<std::string>{})
      << "an idle daemon must not map libcurl or its dependencies";

  // tcp:// broker: Paho's library without TLS, and nothing of TLS. (libcrypto is not checked:
  // the journal's and the UDP test's hashing still link it.)
  EXPECT_TRUE(std::any_of(objects.begin(), objects.end(), [](const std::string& o) {
    return o.rfind("libpaho-mqtt3a.so", 0) == 0;
  })) << "the MQTT session of a tcp:// broker runs on libpaho-mqtt3a";
  std::vector<std::string> tls;
  for (const auto& o : objects)
    for (const char* lib : {"libpaho-mqtt3as.so", "libpaho-mqttpp3.so", "libssl.so"})
      if (o.rfind(lib, 0) == 0) tls.push_back(o);
  EXPECT_EQ(tls, std::vector<std::string>{})
      << "a tcp:// broker must not map Paho's TLS variant, Paho C++ or libssl";
}

TEST_F(IdleFootprint, AScheduledTestLoadsLibcurlAndMeasures) {
  ChildProcess server({UPLINKPROBE_SERVER_BIN, "--listen", "127.0.0.1:0"}, path("s.out"),
                      path("s.err"));
  std::smatch m;
  std::string out;
  ASSERT_TRUE(testing::waitFor(
      [&] {
        out = server.out();
        return std::regex_search(out, m, std::regex("listening 127\\.0\\.0\\.1:(\\d+)"));
      },
      10s));
  testing::writeFile(path("c.toml"), config(m[1], "interval_s = 2\n"));
  ChildProcess d({UPLINKPROBE_BIN, "run", "--config", path("c.toml")}, path("d.out"),
                 path("d.err"));
  ASSERT_TRUE(testing::waitFor(
      [&] {
        return testing::readFile(path("d.err")).find("record throughput seq") != std::string::npos;
      },
      60s))
      << testing::readFile(path("d.err"));
  ASSERT_TRUE(d.running());
  const auto http = httpStackIn(mappedObjects(d.pid()));
  EXPECT_TRUE(std::any_of(http.begin(), http.end(), [](const std::string& o) {
    return o.rfind("libcurl.so", 0) == 0;
  })) << "libcurl is loaded for a test";
  d.signal(SIGTERM);
  ASSERT_TRUE(d.wait(10s).has_value());

  auto [code, records] = testing::runToEnd(
      {UPLINKPROBE_BIN, "records", "--config", path("c.toml"), "--json"}, path("records"));
  ASSERT_EQ(code, 0);
  bool measured = false;
  std::istringstream in(records);
  for (std::string line; std::getline(in, line);) {
    const auto r = nlohmann::json::parse(line);
    if (r.value("kind", "") != "throughput") continue;
    // interval_s = 2: the next test may have started before SIGTERM, and is then recorded as
    // cancelled by the shutdown. That is the daemon doing its job; any other error is not.
    if (r.value("cancelled_by", "") == "shutdown") continue;
    EXPECT_TRUE(!r.contains("error") || r["error"].is_null()) << line;
    measured = measured || (r["download"].is_object() && r["download"].contains("goodput_mbps"));
  }
  EXPECT_TRUE(measured) << records;
}

}  // namespace
}  // namespace uplinkprobe
