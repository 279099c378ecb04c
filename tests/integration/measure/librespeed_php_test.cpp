// The `librespeed` kind against LibreSpeed as it is deployed: a PHP backend under Debian's
// php-fpm behind the real nginx (tests/fixtures/librespeed-php: scripts that behave as
// LibreSpeed's documented backend — garbage.php with ckSize, empty.php draining the body,
// getIP.php, no-cache headers). Issue 17: `uplinkprobe test --server http://HOST/backend/`
// asked for backend/getIP (no .php), got 404 and stopped.
// Loopback has no bottleneck: behaviour is asserted (the test completes, data moved both ways,
// the public IP is learnt or only it is lost), never rates.
// FAILS, never skips, without nginx or php-fpm (scripts/install-deps.sh installs both).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "agent/config/config_loader.h"
#include "agent/daemon/measure_options.h"
#include "agent/measure/throughput_test.h"
#include "tests/support/child_process.h"

namespace uplinkprobe::measure {
namespace {

namespace fs = std::filesystem;
using uplinkprobe::testing::ChildProcess;
using uplinkprobe::testing::runToEnd;
using uplinkprobe::testing::waitFor;

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

bool portOpen(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(s);
  return ok;
}

std::string phpFpmBinary() {
  for (const char* b : {"/usr/sbin/php-fpm8.2", "/usr/sbin/php-fpm"})
    if (fs::exists(b)) return b;
  for (const auto& e : fs::directory_iterator("/usr/sbin"))
    if (e.path().filename().string().rfind("php-fpm", 0) == 0) return e.path().string();
  return "";
}

// nginx + php-fpm on 127.0.0.1:port_ serving a copy of tests/fixtures/librespeed-php.
class PhpBackend : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string fpm = phpFpmBinary();
    ASSERT_TRUE(fs::exists("/usr/sbin/nginx")) << "nginx missing: run scripts/install-deps.sh";
    ASSERT_FALSE(fpm.empty()) << "php-fpm missing: run scripts/install-deps.sh";
    dir_ = fs::temp_directory_path() / ("uplinkprobe-php-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "logs");
    fs::copy(fs::path(UPLINKPROBE_SOURCE_DIR) / "tests/fixtures/librespeed-php", dir_ / "www",
             fs::copy_options::recursive);
    port_ = freePort();
    const std::string sock = (dir_ / "php.sock").string();
    std::ofstream fpm_conf(dir_ / "php-fpm.conf");
    fpm_conf << "[global]\npid = " << (dir_ / "php-fpm.pid").string()
             << "\nerror_log = " << (dir_ / "logs/php-fpm.log").string()
             << "\ndaemonize = no\n[www]\nlisten = " << sock
             << "\nlisten.mode = 0666\npm = static\npm.max_children = 6\n"
             // LibreSpeed's own PHP settings (docker/librespeed-php.ini): its clients post
             // 20 MiB blobs, PHP's stock 8M would refuse them.
             << "php_admin_value[post_max_size] = 32M\n"
             << "php_admin_value[output_buffering] = 0\n"
             << "php_admin_value[zlib.output_compression] = Off\n";
    if (geteuid() == 0) fpm_conf << "user = root\ngroup = root\n";
    fpm_conf.close();
    std::vector<std::string> fpm_argv{fpm, "-F", "-y", (dir_ / "php-fpm.conf").string()};
    if (geteuid() == 0) fpm_argv.push_back("-R");
    fpm_ = std::make_unique<ChildProcess>(fpm_argv, (dir_ / "logs/fpm.out").string(),
                                          (dir_ / "logs/fpm.err").string());
    ASSERT_TRUE(waitFor([&] { return fs::exists(sock); }, std::chrono::seconds(10)))
        << "php-fpm did not start: " << fpm_->err()
        << uplinkprobe::testing::readFile((dir_ / "logs/php-fpm.log").string());

    std::ofstream conf(dir_ / "nginx.conf");
    conf << "worker_processes 1;\npid " << (dir_ / "nginx.pid").string() << ";\nerror_log "
         << (dir_ / "logs/error.log").string()
         << ";\nevents { worker_connections 256; }\nhttp {\n  access_log off;\n";
    for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
      conf << "  " << t << "_temp_path " << (dir_ / t).string() << ";\n";
    conf << "  server {\n    listen 127.0.0.1:" << port_ << ";\n    root "
         << (dir_ / "www").string()
         << ";\n"
         // LibreSpeed's documentation for nginx: accept its 20 MiB upload POSTs.
         << "    client_max_body_size 128m;\n    gzip off;\n"
         << "    location ~ \\.php$ {\n      include /etc/nginx/fastcgi_params;\n"
         << "      fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n"
         << "      fastcgi_buffering off;\n      fastcgi_pass unix:" << sock << ";\n    }\n"
         << "  }\n}\n";
    conf.close();
    nginx_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/sbin/nginx", "-p", dir_.string(), "-c",
                                 (dir_ / "nginx.conf").string(), "-g", "daemon off;"},
        (dir_ / "logs/nginx.out").string(), (dir_ / "logs/nginx.err").string());
    ASSERT_TRUE(waitFor([&] { return portOpen(port_); }, std::chrono::seconds(10)))
        << "nginx did not start: " << nginx_->err();
  }
  void TearDown() override {
    // SIGTERM, not the guard's SIGKILL: both masters take their workers with them.
    for (auto* p : {nginx_.get(), fpm_.get()}) {
      if (p == nullptr) continue;
      p->signal(SIGTERM);
      p->wait(std::chrono::seconds(10));
    }
    nginx_.reset();
    fpm_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  std::string logs() const {
    return uplinkprobe::testing::readFile((dir_ / "logs/error.log").string()) +
           uplinkprobe::testing::readFile((dir_ / "logs/php-fpm.log").string());
  }

  fs::path dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> fpm_, nginx_;
};

ThroughputOptions shortTest() {
  ThroughputOptions o;
  o.max_seconds = 3;
  o.max_mb_per_direction = 40;
  o.max_mb_ceiling = 40;  // loopback: a fixed, small cost per test
  return o;
}

void expectMeasured(const std::optional<DirectionResult>& d, const char* name,
                    const std::string& logs) {
  ASSERT_TRUE(d.has_value()) << name;
  EXPECT_FALSE(d->error.has_value()) << name << ": " << d->error->message << "\n" << logs;
  EXPECT_GT(d->bytes, 0u) << name;
  EXPECT_GT(d->goodput_mbps, 0) << name;
  EXPECT_TRUE(d->stop_reason == "stable" || d->stop_reason == "time_cap" ||
              d->stop_reason == "byte_cap")
      << name << ": " << d->stop_reason;
}

TEST_F(PhpBackend, TheBackendUrlAloneMeasuresWithLibrespeedsDefaultPaths) {
  ThroughputOptions o = shortTest();
  o.servers.push_back(ServerSpec{"php", "librespeed", base() + "backend/", "", ""});
  auto r = runThroughputTest(o, SystemClock::instance(), nullptr, nullptr);
  ASSERT_FALSE(r.error.has_value())
      << errorKindName(r.error->kind) << ": " << r.error->message << "\n"
      << logs();
  expectMeasured(r.download, "download", logs());
  expectMeasured(r.upload, "upload", logs());
  ASSERT_TRUE(r.server.has_value());
  EXPECT_EQ(r.server->public_ip, "127.0.0.1");   // getIP.php's "127.0.0.1 - localhost …"
  EXPECT_GT(r.idle_latency_ms.value_or(-1), 0);  // pinged via empty.php
}

TEST_F(PhpBackend, AServerListEntryWhoseGetIpFailsStillMeasures) {
  // Configured as an operator would: a LibreSpeed server list (the format of LibreSpeed's own
  // server-list.json) named by [throughput] servers_file, through the config loader.
  std::ofstream(dir_ / "servers.json")
      << R"([{"id": 3, "name": "no GeoIP", "server": "//127.0.0.1:)" << port_
      << R"(/", "dlURL": "backend/garbage.php", "ulURL": "backend/empty.php",
          "pingURL": "backend/empty.php", "getIpURL": "nogeo/getIP.php",
          "sponsorName": "lab", "sponsorURL": "https://example.org/"}])";
  auto cfg = config::loadConfigString("[throughput]\nservers_file = \"servers.json\"\n",
                                      (dir_ / "uplinkprobe.toml").string(), config::Purpose::kTest);
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  ThroughputOptions o = daemon::throughputOptionsFromConfig(*cfg);
  const ThroughputOptions limits = shortTest();
  o.max_seconds = limits.max_seconds;
  o.max_mb_per_direction = limits.max_mb_per_direction;
  o.max_mb_ceiling = limits.max_mb_ceiling;
  ASSERT_EQ(o.servers.size(), 1u);
  auto r = runThroughputTest(o, SystemClock::instance(), nullptr, nullptr);
  ASSERT_FALSE(r.error.has_value())
      << errorKindName(r.error->kind) << ": " << r.error->message << "\n"
      << logs();
  expectMeasured(r.download, "download", logs());
  expectMeasured(r.upload, "upload", logs());
  ASSERT_TRUE(r.server.has_value());
  EXPECT_EQ(r.server->name, "no GeoIP");
  EXPECT_EQ(r.server->public_ip, "");  // the 500 cost the public IP, nothing else
}

#ifdef UPLINKPROBE_BIN
TEST_F(PhpBackend, TheCliCommandOfTheIssueMeasures) {
  // `uplinkprobe test --server http://HOST/backend/` — the issue's command, which stopped on
  // "answered HTTP 404 to the latency probe".
  const fs::path cfg = dir_ / "cli.toml";
  // Its own state directory: `test` journals its record, and the default
  // (/var/lib/uplinkprobe) is the machine's, not the test's.
  std::ofstream(cfg) << "[throughput]\nmax_seconds = 3\nmax_mb_per_direction = 40\n"
                        "max_mb_ceiling = 40\n[storage]\ndir = \""
                     << (dir_ / "state").string() << "\"\n";
  auto [code, out] = runToEnd({UPLINKPROBE_BIN, "test", "--config", cfg.string(), "--server",
                               base() + "backend/", "--json", "--target", "1"},
                              (dir_ / "cli").string(), std::chrono::seconds(60));
  EXPECT_EQ(code, 0) << out << "\n" << logs();
  auto j = nlohmann::json::parse(out.substr(std::min(out.find('{'), out.size())), nullptr, false);
  ASSERT_TRUE(j.is_object()) << out;
  EXPECT_TRUE(j["error"].is_null()) << out;
  EXPECT_GT(j["download"].value("bytes", 0), 0) << out;
  EXPECT_GT(j["upload"].value("bytes", 0), 0) << out;
}
#endif

#ifdef UPLINKPROBE_SERVER_BIN
TEST(GoBackendPaths, GarbageEmptyGetIpWithoutPhpMeasure) {
  // The Go backend's paths (dlURL "garbage", …), served here by uplinkprobe-server, which
  // answers the Go backend's and the PHP backend's names alike.
  const int port = freePort();
  ChildProcess server({UPLINKPROBE_SERVER_BIN, "--listen", "127.0.0.1:" + std::to_string(port)},
                      "/dev/null", "/dev/null");
  ASSERT_TRUE(waitFor([&] { return portOpen(port); }, std::chrono::seconds(10)));
  ThroughputOptions o = shortTest();
  ServerSpec go{"go", "librespeed", "http://127.0.0.1:" + std::to_string(port), "", ""};
  go.dl_url = "garbage";
  go.ul_url = "empty";
  go.ping_url = "empty";
  go.getip_url = "getIP";
  o.servers.push_back(go);
  auto r = runThroughputTest(o, SystemClock::instance(), nullptr, nullptr);
  ASSERT_FALSE(r.error.has_value()) << errorKindName(r.error->kind) << ": " << r.error->message;
  expectMeasured(r.download, "download", "");
  expectMeasured(r.upload, "upload", "");
  EXPECT_EQ(r.server->public_ip, "127.0.0.1");
  server.signal(SIGTERM);
  server.wait(std::chrono::seconds(10));
}
#endif

}  // namespace
}  // namespace uplinkprobe::measure
