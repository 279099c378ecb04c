// The engine end to end on loopback against real servers: nginx (kind "http": a static file
// and a POST location) and uplinkprobe-server (kind "librespeed") when it is built.
// Loopback has no bottleneck, so only sanity is asserted (data moved, both directions ok,
// figures consistent), not accuracy: accuracy is the lab's job (tests/lab, bench/).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "agent/measure/throughput_test.h"

namespace uplinkprobe::measure {
namespace {

namespace fs = std::filesystem;

int freePort() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  close(s);
  return ntohs(a.sin_port);
}

bool waitForPort(int port, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(s);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// A child process killed (SIGTERM, then SIGKILL) when the guard dies.
class Child {
 public:
  explicit Child(std::vector<std::string> argv) {
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
  }
  ~Child() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }

 private:
  pid_t pid_ = -1;
};

void expectSaneDirection(const std::optional<DirectionResult>& d, const char* name) {
  ASSERT_TRUE(d.has_value()) << name;
  EXPECT_FALSE(d->error.has_value()) << name << ": " << d->error->message;
  EXPECT_GT(d->bytes, 10'000'000u) << name;
  EXPECT_GT(d->goodput_mbps, 100) << name;  // loopback: far above 100 Mbit/s
  EXPECT_GE(d->ip_capacity_mbps, d->goodput_mbps) << name;
  EXPECT_GE(d->peak_mbps, d->goodput_mbps) << name;
  EXPECT_GT(d->mss, 0) << name;
  EXPECT_GE(d->streams, 1) << name;
  EXPECT_LE(d->streams, 16) << name;
  EXPECT_LE(d->duration_s, 4.5) << name;
  EXPECT_TRUE(d->stop_reason == "stable" || d->stop_reason == "time_cap" ||
              d->stop_reason == "byte_cap")
      << d->stop_reason;
}

bool ipv6Loopback() {
  int s = socket(AF_INET6, SOCK_STREAM, 0);
  if (s < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  const bool ok = bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(s);
  return ok;
}

class NginxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists("/usr/sbin/nginx")) GTEST_SKIP() << "nginx not installed";
    dir_ = fs::temp_directory_path() / ("uplinkprobe-nginx-" + std::to_string(getpid()));
    fs::create_directories(dir_ / "html");
    fs::create_directories(dir_ / "logs");
    {
      // 64 MiB of non-zero bytes (content is irrelevant: Accept-Encoding is identity).
      std::ofstream f(dir_ / "html" / "file.bin", std::ios::binary);
      std::string block(1 << 20, '\x5a');
      for (int i = 0; i < 64; ++i)
        f.write(block.data(), static_cast<std::streamsize>(block.size()));
    }
    port_ = freePort();
    tls_port_ = freePort();
    // Self-signed certificate for 127.0.0.1, for the TLS tests (skipped without openssl).
    const std::string openssl =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext "
        "subjectAltName=IP:127.0.0.1 -keyout " +
        (dir_ / "key.pem").string() + " -out " + (dir_ / "cert.pem").string() + " >/dev/null 2>&1";
    have_tls_ = fs::exists("/usr/bin/openssl") && std::system(openssl.c_str()) == 0;
    std::ofstream conf(dir_ / "nginx.conf");
    conf << "worker_processes 1;\npid " << (dir_ / "nginx.pid").string() << ";\nerror_log "
         << (dir_ / "logs" / "error.log").string()
         << ";\nevents { worker_connections 256; }\nhttp {\n"
         << "  access_log off;\n  sendfile on;\n"
         << "  client_body_temp_path " << (dir_ / "body").string() << ";\n"
         << "  proxy_temp_path " << (dir_ / "proxy").string() << ";\n"
         << "  fastcgi_temp_path " << (dir_ / "fastcgi").string() << ";\n"
         << "  uwsgi_temp_path " << (dir_ / "uwsgi").string() << ";\n"
         << "  scgi_temp_path " << (dir_ / "scgi").string() << ";\n"
         << "  server {\n    listen 127.0.0.1:" << port_ << ";\n"
         << (ipv6Loopback() ? "    listen [::1]:" + std::to_string(port_) + ";\n" : "")
         << "    root " << (dir_ / "html").string() << ";\n"
         << "    location /up { client_max_body_size 0; return 200 \"ok\\n\"; }\n"
         << "  }\n";
    if (have_tls_) {
      conf << "  server {\n    listen 127.0.0.1:" << tls_port_ << " ssl;\n"
           << "    ssl_certificate " << (dir_ / "cert.pem").string() << ";\n"
           << "    ssl_certificate_key " << (dir_ / "key.pem").string() << ";\n"
           << "    root " << (dir_ / "html").string() << ";\n"
           << "    location /up { client_max_body_size 0; return 200 \"ok\\n\"; }\n  }\n";
    }
    conf << "}\n";
    conf.close();
    nginx_ = std::make_unique<Child>(
        std::vector<std::string>{"/usr/sbin/nginx", "-p", dir_.string(), "-c",
                                 (dir_ / "nginx.conf").string(), "-g", "daemon off;"});
    ASSERT_TRUE(waitForPort(port_, std::chrono::seconds(5))) << "nginx did not start";
    if (have_tls_) {
      ASSERT_TRUE(waitForPort(tls_port_, std::chrono::seconds(5)));
    }
  }
  void TearDown() override {
    nginx_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  fs::path dir_;
  int port_ = 0;
  int tls_port_ = 0;
  bool have_tls_ = false;
  std::unique_ptr<Child> nginx_;
};

TEST_F(NginxTest, HttpKindDownloadAndUpload) {
  ThroughputOptions o;
  const std::string base = "http://127.0.0.1:" + std::to_string(port_) + "/";
  o.servers.push_back(ServerSpec{"nginx", "http", "", base + "file.bin", base + "up"});
  o.max_seconds = 4;
  o.max_mb_per_direction = 100000;
  int progress_calls = 0;
  auto r = runThroughputTest(
      o, SystemClock::instance(), [&](const Progress&) { ++progress_calls; }, nullptr);
  ASSERT_FALSE(r.error.has_value()) << errorKindName(r.error->kind) << ": " << r.error->message;
  expectSaneDirection(r.download, "download");
  expectSaneDirection(r.upload, "upload");
  ASSERT_TRUE(r.server.has_value());
  EXPECT_EQ(r.server->ip, "127.0.0.1");
  EXPECT_EQ(r.server->ip_family, 4);
  ASSERT_TRUE(r.idle_latency_ms.has_value());
  EXPECT_LT(*r.idle_latency_ms, 50);
  EXPECT_GT(progress_calls, 4);
  EXPECT_EQ(r.bytes_total, r.download->bytes + r.upload->bytes);
  ASSERT_TRUE(r.upload->retransmit_pct.has_value());
  EXPECT_FALSE(r.download->retransmit_pct.has_value());
  auto j = r.toJson();
  EXPECT_EQ(j["server"]["kind"], "http");
  EXPECT_TRUE(j["error"].is_null());
}

TEST_F(NginxTest, ByteCapBoundsTheDataUsed) {
  ThroughputOptions o;
  const std::string base = "http://127.0.0.1:" + std::to_string(port_) + "/";
  o.servers.push_back(ServerSpec{"nginx", "http", "", base + "file.bin", base + "up"});
  // A cap small enough to be reached before the engine may stop "stable" (≥ 1 s of warm-up
  // plus ≥ 2 s of window) at any rate above 5.3 Mbit/s: on a busy machine loopback has read
  // 11 Mbit/s, and a 30 MB cap then ended the test "stable" (or at an 8 s time cap) first.
  o.max_mb_per_direction = 2;
  o.max_mb_ceiling = 0;  // a hard cap
  o.max_seconds = 120;   // the time cap out of reach
  auto r = runThroughputTest(o, SystemClock::instance(), nullptr, nullptr);
  ASSERT_FALSE(r.error.has_value()) << r.error->message;
  for (const auto* d : {&r.download, &r.upload}) {
    ASSERT_TRUE(d->has_value());
    EXPECT_EQ((*d)->stop_reason, "byte_cap");
    EXPECT_GE((*d)->bytes, 2'000'000u);
    // The margin of direction_runner.h: download one 512 KiB callback chunk; upload the
    // request headers plus < 1 MSS per stream (loopback MSS ≈ 64 KiB, ≤ 16 streams).
    EXPECT_LE((*d)->bytes, 2'000'000u + 2u * 1024 * 1024);
    // No rate is asserted (that belongs to the benchmarks, not to a test on a shared CPU):
    // only that one was measured.
    EXPECT_GT((*d)->goodput_mbps, 0)
        << "bytes " << (*d)->bytes << " duration " << (*d)->duration_s << " warmup "
        << (*d)->warmup_s << " window " << (*d)->window_s << " download " << (d == &r.download);
    // short_window is not asserted: whether loopback reaches the cap before a full
    // post-warm-up window exists depends on the machine's speed and load.
  }
}

TEST_F(NginxTest, FallsBackToTheNextServer) {
  ThroughputOptions o;
  const std::string base = "http://127.0.0.1:" + std::to_string(port_) + "/";
  o.servers.push_back(ServerSpec{"broken", "http", "", base + "missing.bin", base + "up"});
  o.servers.push_back(ServerSpec{"good", "http", "", base + "file.bin", base + "up"});
  o.max_seconds = 2;
  o.upload = false;
  auto r = runThroughputTest(o, SystemClock::instance(), nullptr, nullptr);
  ASSERT_FALSE(r.error.has_value()) << r.error->message;
  ASSERT_TRUE(r.server.has_value());
  EXPECT_EQ(r.server->name, "good");
  ASSERT_EQ(r.servers_tried.size(), 2u);
  ASSERT_TRUE(r.servers_tried[0].error.has_value());
  EXPECT_EQ(r.servers_tried[0].error->kind, ErrorKind::kHttp);
}

TEST_F(NginxTest, HttpsVerifiesTheCertificate) {
  if (!have_tls_) GTEST_SKIP() << "openssl could not make a certificate";
  ThroughputOptions o;
  const std::string base = "https://127.0.0.1:" + std::to_string(tls_port_) + "/";
  o.servers.push_back(ServerSpec{"tls", "http", "", base + "file.bin", base + "up"});
  o.max_seconds = 2;
  // Unknown CA: refused with a tls error (verification is on by default).
  auto bad = runThroughputTest(o, SystemClock::instance(), nullptr, nullptr);
  ASSERT_TRUE(bad.error.has_value());
  EXPECT_EQ(bad.error->kind, ErrorKind::kTls) << bad.error->message;
  // With the server's certificate as ca_file: both directions over TLS.
  o.ca_file = (dir_ / "cert.pem").string();
  auto good = runThroughputTest(o, SystemClock::instance(), nullptr, nullptr);
  ASSERT_FALSE(good.error.has_value()) << good.error->message;
  ASSERT_TRUE(good.download.has_value() && good.upload.has_value());
  EXPECT_GT(good.download->bytes, 0u);
  EXPECT_GT(good.upload->bytes, 0u);
}

TEST_F(NginxTest, Ipv6AndSourceAddress) {
  if (!ipv6Loopback()) GTEST_SKIP() << "no IPv6 loopback";
  ThroughputOptions o;
  const std::string base = "http://[::1]:" + std::to_string(port_) + "/";
  o.servers.push_back(ServerSpec{"nginx6", "http", "", base + "file.bin", base + "up"});
  o.max_seconds = 2;
  o.ip_family = 6;
  o.source_address = "::1";
  auto r = runThroughputTest(o, SystemClock::instance(), nullptr, nullptr);
  ASSERT_FALSE(r.error.has_value()) << r.error->message;
  ASSERT_TRUE(r.server.has_value());
  EXPECT_EQ(r.server->ip, "::1");
  EXPECT_EQ(r.server->ip_family, 6);
  ASSERT_TRUE(r.download.has_value());
  EXPECT_GT(r.download->bytes, 0u);
  // A source address of the wrong family cannot be bound: a connect error, not a hang.
  o.source_address = "127.0.0.1";
  o.upload = false;
  auto bad = runThroughputTest(o, SystemClock::instance(), nullptr, nullptr);
  ASSERT_TRUE(bad.error.has_value());
  EXPECT_EQ(bad.error->kind, ErrorKind::kConnect) << bad.error->message;
}

#ifdef UPLINKPROBE_SERVER_BIN
TEST(LibrespeedServer, OurServerBothDirections) {
  const int port = freePort();
  Child server({UPLINKPROBE_SERVER_BIN, "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(waitForPort(port, std::chrono::seconds(5))) << "uplinkprobe-server did not start";
  ThroughputOptions o;
  o.servers.push_back(
      ServerSpec{"local", "librespeed", "http://127.0.0.1:" + std::to_string(port) + "/", "", ""});
  o.max_seconds = 4;
  o.max_mb_per_direction = 100000;
  auto r = runThroughputTest(o, SystemClock::instance(), nullptr, nullptr);
  ASSERT_FALSE(r.error.has_value()) << errorKindName(r.error->kind) << ": " << r.error->message;
  expectSaneDirection(r.download, "download");
  expectSaneDirection(r.upload, "upload");
  ASSERT_TRUE(r.server.has_value());
  EXPECT_EQ(r.server->public_ip, "127.0.0.1");
  EXPECT_TRUE(r.loaded_latency_ms.has_value());
  EXPECT_TRUE(r.rpm.has_value());
}

// The README's main job: default options (60 MB growing to at most 400 MB) against our
// server on loopback, where the 60 MB are gone in ~0.1 s. Issue 2: this read 0.0 Mbit/s
// and moved 180 MB down / 145 MB up.
TEST(LibrespeedServer, LoopbackDefaultsReportARealRateWithinTheBudget) {
  const int port = freePort();
  Child server({UPLINKPROBE_SERVER_BIN, "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(waitForPort(port, std::chrono::seconds(5))) << "uplinkprobe-server did not start";
  ThroughputOptions o;
  o.servers.push_back(
      ServerSpec{"local", "librespeed", "http://127.0.0.1:" + std::to_string(port) + "/", "", ""});
  auto r = runThroughputTest(o, SystemClock::instance(), nullptr, nullptr);
  ASSERT_FALSE(r.error.has_value()) << errorKindName(r.error->kind) << ": " << r.error->message;
  for (const auto* d : {&r.download, &r.upload}) {
    ASSERT_TRUE(d->has_value());
    // A real rate, not issue 2's 0.0; no figure is asserted (a busy machine's loopback has
    // read 11 Mbit/s: rates belong to the benchmarks). The budget holds at any rate.
    EXPECT_GT((*d)->goodput_mbps, 0) << (*d)->stop_reason;
    if ((*d)->stop_reason == "byte_cap") {
      EXPECT_GE((*d)->bytes, 60'000'000u);
    }
    EXPECT_LE((*d)->bytes, 400'000'000u + 2u * 1024 * 1024);
    EXPECT_GE((*d)->window_s, 0);
    EXPECT_GT((*d)->duration_s, (*d)->warmup_s);
  }
}
#endif

}  // namespace
}  // namespace uplinkprobe::measure
