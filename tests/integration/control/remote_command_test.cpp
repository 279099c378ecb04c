// Signed remote commands end to end (issue 12): a real mosquitto, the real agent daemon
// (`uplinkprobe run`), a local uplinkprobe-server. The test signs with the shared record
// library and publishes like the collector does (QoS 1 on the device's cmd topic), then
// watches the agent's records on the broker. Every record the agent publishes is checked
// against docs/schema (the collector's validator).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <mqtt/async_client.h>
#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <tuple>

#include "collector/db/database.h"
#include "collector/store/schema.h"
#include "common/time_format.h"
#include "record/command_envelope.h"
#include "record/schema_validator.h"
#include "tests/integration/publish/mosquitto_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/udpst_server.h"

namespace uplinkprobe {
namespace {

using namespace std::chrono_literals;
using publish::testing::Mosquitto;
using publish::testing::Subscriber;
using testing::ChildProcess;

constexpr const char* kPrefix = "itest/v1";
constexpr const char* kDevice = "lab-dev";
constexpr const char* kSchool = "lab-school";

class RemoteCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("uplinkprobe-control-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(broker_.start());
    server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{UPLINKPROBE_SERVER_BIN, "--listen", "127.0.0.1:0"},
        path("server.out"), path("server.err"));
    std::smatch m;
    std::string out;
    ASSERT_TRUE(testing::waitFor(
        [&] {
          out = server_->out();
          return std::regex_search(out, m, std::regex("listening 127\\.0\\.0\\.1:(\\d+)"));
        },
        10s));
    port_ = m[1];
    // A listening socket nobody accepts from: a test against it runs until its deadline,
    // which gives the kill -9 below a window that does not depend on machine speed.
    blackhole_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(blackhole_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(blackhole_fd_, 64), 0);
    socklen_t len = sizeof addr;
    ::getsockname(blackhole_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    blackhole_port_ = ntohs(addr.sin_port);
    key_ = *record::PrivateKey::generate();
    testing::writeFile(path("ops.pub"), key_.publicKey().pem());
    cfg_ = path("uplinkprobe.toml");
    testing::writeFile(cfg_, config());
    sub_ = std::make_unique<Subscriber>(broker_.uri(), std::string(kPrefix) + "/#", "itest-watch");
    ASSERT_TRUE(sub_->connect());
    cmd_client_ = std::make_unique<mqtt::async_client>(broker_.uri(), "itest-issuer", nullptr);
    ASSERT_TRUE(cmd_client_->connect()->wait_for(5s));
  }
  void TearDown() override {
    daemon_.reset();
    try {
      cmd_client_->disconnect()->wait_for(2s);
    } catch (...) {
    }
    sub_.reset();
    server_.reset();
    ::close(blackhole_fd_);
    if (!HasFailure()) std::filesystem::remove_all(dir_);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::string config() const {
    return "# remote command test\n[identity]\ndevice_id = \"" + std::string(kDevice) +
           "\"\nschool_id = \"" + kSchool +
           "\"\ncounty = \"Nanguan\"\n"
           "[[servers]]\nname = \"loopback\"\nurl = \"http://127.0.0.1:" +
           port_ +
           "/\"\n"
           "[[servers]]\nname = \"blackhole\"  # accepts TCP, never answers\n"
           "url = \"http://127.0.0.1:" +
           std::to_string(blackhole_port_) +
           "/\"\n"
           "[throughput]\nmax_seconds = 2\nmax_mb_per_direction = 4\nmax_mb_ceiling = 4\n"
           "[schedule]\ntests_per_day = 0  # availability only: every test here is remote\n"
           "defer_if_cross_traffic_mbps = 0\n"
           "[availability]\ninterval_s = 5\nprobe_timeout_ms = 500\n"
           "tcp_targets = [\"127.0.0.1:" +
           port_ +
           "\"]\ndns_servers = [\"127.0.0.1:9\"]\n"
           "[mqtt]\nuri = \"" +
           broker_.uri() + "\"\ntopic_prefix = \"" + kPrefix +
           "\"\nkeepalive_s = 5\n"
           "[storage]\ndir = \"" +
           path("state") +
           "\"\n"
           "[control]\ntrusted_keys = [\"" +
           path("ops.pub") + "\"]\nmax_commands_per_hour = 30\n";
  }

  // Starts the daemon and waits until its command subscription is acknowledged by the broker.
  void startDaemon() {
    const std::string n = std::to_string(starts_++);
    const size_t subacks_before = countSubacks();
    daemon_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{UPLINKPROBE_BIN, "run", "--config", cfg_},
        path("daemon-" + n + ".out"), path("daemon-" + n + ".err"));
    ASSERT_TRUE(testing::waitFor([&] { return countSubacks() > subacks_before; }, 15s))
        << daemon_->err();
  }
  size_t countSubacks() const {
    const std::string log = broker_.log();
    size_t n = 0;
    for (size_t p = log.find("Sending SUBACK to lab-dev"); p != std::string::npos;
         p = log.find("Sending SUBACK to lab-dev", p + 1))
      ++n;
    return n;
  }

  // The collector's side for the tests that go through it: a key from `keygen` that the
  // probe trusts, and a database that knows the school (city 长春市, county Nanguan) and the
  // device, as if it had been reporting.
  void collectorKeyAndDatabase() {
    auto [kg, kg_out] = testing::runToEnd(
        {UPLINKPROBE_COLLECTOR_BIN, "keygen", "--out", path("keys")}, path("keygen"));
    ASSERT_EQ(kg, 0) << kg_out;
    EXPECT_NE(kg_out.find("key id:"), std::string::npos) << kg_out;
    testing::writeFile(cfg_, std::regex_replace(config(), std::regex(path("ops.pub")),
                                                path("keys/command-key.pub")));
    auto db = collector::db::openDatabase("sqlite://" + path("ledger.db"));
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(collector::migrateStore(**db));
    ASSERT_TRUE((*db)->exec(
        "INSERT INTO schools (school_id, name, city, county, updated_ms) VALUES "
        "('lab-school', '实验小学', '长春市', 'Nanguan', 0);"
        "INSERT INTO devices (device_id, school_id, first_seen_ms, last_seen_ms) VALUES "
        "('lab-dev', 'lab-school', 0, 0);"));
  }

  record::CommandEnvelope command(const std::string& verb,
                                  nlohmann::json args = nlohmann::json::object()) {
    record::CommandEnvelope c;
    c.command_id = "it-" + std::to_string(++n_);
    c.verb = verb;
    c.args = std::move(args);
    c.target = {record::TargetKind::kDevice, kDevice};
    const auto now = std::chrono::system_clock::now();
    c.issued_at = record::formatCommandTime(now);
    c.expires_at = record::formatCommandTime(now + 10min);
    c.issuer_seq = ++seq_;
    return c;
  }
  std::string sign(record::CommandEnvelope c, const record::PrivateKey* k = nullptr) {
    EXPECT_TRUE(record::signCommand(c, k ? *k : key_));
    return *record::serializeCommand(c);
  }
  void publish(const std::string& payload) {
    const std::string topic = std::string(kPrefix) + "/" + kSchool + "/" + kDevice + "/cmd";
    ASSERT_TRUE(cmd_client_->publish(mqtt::make_message(topic, payload, 1, false))->wait_for(5s));
  }

  std::vector<nlohmann::json> records(const std::string& kind) {
    std::vector<nlohmann::json> out;
    for (const auto& m : sub_->messages()) {
      if (m.topic.size() < kind.size() + 1 ||
          m.topic.compare(m.topic.size() - kind.size() - 1, std::string::npos, "/" + kind) != 0)
        continue;
      auto j = nlohmann::json::parse(m.payload, nullptr, false);
      if (j.is_object()) out.push_back(std::move(j));
    }
    return out;
  }
  // The single answer to `command_id` (waits for it, then checks there is exactly one).
  nlohmann::json answer(const std::string& command_id, std::chrono::seconds timeout = 15s) {
    auto find = [&] {
      std::vector<nlohmann::json> v;
      for (auto& e : records("event"))
        if (e.value("command_id", "") == command_id) v.push_back(e);
      return v;
    };
    testing::waitFor([&] { return !find().empty(); }, timeout);
    auto v = find();
    EXPECT_EQ(v.size(), 1u) << "one event per command " << command_id;
    return v.empty() ? nlohmann::json::object() : v.front();
  }
  void expectRefused(const std::string& payload, const std::string& id, const std::string& reason) {
    publish(payload);
    auto ev = answer(id);
    EXPECT_EQ(ev.value("event", ""), "command_refused") << ev.dump();
    EXPECT_EQ(ev.value("reason", ""), reason) << ev.dump();
  }
  void expectSchemaValid() {
    const auto& schemas = record::SchemaSet::embedded();
    size_t checked = 0;
    for (const char* kind : {"event", "throughput"})
      for (const auto& r : records(kind)) {
        auto v = schemas.validate(kind, r);
        EXPECT_TRUE(v.ok()) << kind << ": " << v.message() << "\n  " << r.dump();
        ++checked;
      }
    EXPECT_GE(checked, 3u);
  }

  std::filesystem::path dir_;
  Mosquitto broker_;
  std::unique_ptr<ChildProcess> server_, daemon_;
  std::unique_ptr<Subscriber> sub_;
  std::unique_ptr<mqtt::async_client> cmd_client_;
  record::PrivateKey key_ = *record::PrivateKey::generate();
  std::string port_, cfg_;
  int starts_ = 0, n_ = 0;
  int blackhole_fd_ = -1, blackhole_port_ = 0;
  uint64_t seq_ = 1000;
};

TEST_F(RemoteCommand, SignedRunTestMakesARemoteThroughputRecordAndRefusalsDoNothing) {
  startDaemon();
  // 1. A signed run_test: one throughput record with trigger remote, then command_done.
  auto run = command("run_test", {{"direction", "download"}, {"server", "loopback"}});
  const std::string run_payload = sign(run);
  const auto t0 = std::chrono::steady_clock::now();
  publish(run_payload);
  auto done = answer(run.command_id, 30s);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(done.value("event", ""), "command_done") << done.dump();
  EXPECT_LT(secs, 30.0);
  auto tests = records("throughput");
  ASSERT_EQ(tests.size(), 1u);
  EXPECT_EQ(tests[0]["trigger"], "remote");
  EXPECT_EQ(tests[0]["command_id"], run.command_id);
  EXPECT_EQ(done["record_id"], tests[0]["id"]);
  EXPECT_TRUE(tests[0]["upload"].is_null()) << "download-only was asked for";
  std::printf("run_test: command_done %.1f s after publishing\n", secs);

  // 2. Each of these is refused with its reason, and nothing else happens.
  auto stranger = *record::PrivateKey::generate();
  auto c = command("run_test");
  expectRefused(sign(c, &stranger), c.command_id, "unknown_key");
  c = command("run_test");
  c.issued_at = record::formatCommandTime(std::chrono::system_clock::now() - 3h);
  c.expires_at = record::formatCommandTime(std::chrono::system_clock::now() - 1h);
  expectRefused(sign(c), c.command_id, "expired");
  // The broker re-delivers the first command (same bytes): a replay.
  publish(run_payload);
  EXPECT_TRUE(testing::waitFor(
      [&] {
        for (auto& e : records("event"))
          if (e.value("reason", "") == "replayed" && e.value("command_id", "") == run.command_id)
            return true;
        return false;
      },
      15s));
  c = command("run_test");
  c.target = {record::TargetKind::kDevice, "other-dev"};
  expectRefused(sign(c), c.command_id, "wrong_device");
  c = command("run_test");
  auto j = nlohmann::json::parse(sign(c));
  j.erase("signature");
  expectRefused(j.dump(), c.command_id, "unsigned");
  c = command("run_test", {{"direction", "download"}});
  j = nlohmann::json::parse(sign(c));
  j["args"]["direction"] = "upload";  // tampered after signing
  expectRefused(j.dump(), c.command_id, "bad_signature");
  c = command("reboot");
  expectRefused(sign(c), c.command_id, "unknown_verb");
  c = command("run_test", {{"server", "http://198.51.100.1/"}});
  expectRefused(sign(c), c.command_id, "invalid_arguments");

  // 3. report_config answers with the effective config and no credentials.
  c = command("report_config");
  publish(sign(c));
  auto rep = answer(c.command_id);
  EXPECT_EQ(rep.value("event", ""), "command_done");
  EXPECT_EQ(rep["config"]["identity"]["device_id"], kDevice);
  EXPECT_EQ(rep["config"]["control"]["trusted_keys"], 1);

  std::this_thread::sleep_for(1s);  // anything a refused command might have started
  EXPECT_EQ(records("throughput").size(), 1u) << "a refused command ran a test";
  expectSchemaValid();
  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait(10s), 0);
}

// run_test follows the method (issue 17): method "udp" runs an OB-UDPST test against the
// probe's udpst server and journals one method "udp" record; a byte ceiling that cannot hold
// the shortest UDP test is refused before any datagram is sent.
TEST_F(RemoteCommand, RunTestWithMethodUdpRunsAnObUdpstTest) {
  std::string why;
  auto udpst = testing::startUdpstServer({"--udpst-no-auth", "--udpst-max-seconds", "5"},
                                         path("udpst"), &why);
  ASSERT_TRUE(udpst) << why;
  const std::string udp_server =
      "[[servers]]\nname = \"udp\"\nkind = \"udpst\"\n"
      "url = \"" +
      udpst->url() + "\"\n";
  // The fixture's 4 MB ceiling cannot hold 5 s at 1.2 × the default 100 Mbit/s target.
  testing::writeFile(cfg_, config() + udp_server);
  startDaemon();
  auto c = command("run_test", {{"method", "udp"}, {"direction", "download"}});
  publish(sign(c));
  auto refused = answer(c.command_id);
  EXPECT_EQ(refused.value("event", ""), "command_refused") << refused.dump();
  EXPECT_EQ(refused.value("reason", ""), "failed") << refused.dump();
  EXPECT_NE(refused.dump().find("max_mb_ceiling"), std::string::npos) << refused.dump();
  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait(10s), 0);

  // A 2 Mbit/s target asks 3 Mbit/s: 4 MB hold the server's 5 s.
  testing::writeFile(cfg_, config() + "[target]\nfloor_down_mbps = 2\n" + udp_server);
  startDaemon();
  c = command("run_test", {{"method", "udp"}, {"direction", "download"}});
  publish(sign(c));
  auto done = answer(c.command_id, 40s);
  EXPECT_EQ(done.value("event", ""), "command_done") << done.dump();
  auto tests = records("throughput");
  ASSERT_EQ(tests.size(), 1u);
  EXPECT_EQ(tests[0]["method"], "udp");
  EXPECT_EQ(tests[0]["trigger"], "remote");
  EXPECT_EQ(tests[0]["command_id"], c.command_id);
  EXPECT_EQ(done["record_id"], tests[0]["id"]);
  EXPECT_EQ(tests[0]["server"]["name"], "udp");
  ASSERT_TRUE(tests[0]["udp"]["download"].is_object()) << tests[0].dump();
  EXPECT_TRUE(tests[0]["udp"]["download"]["error"].is_null()) << tests[0].dump();
  EXPECT_GT(tests[0]["udp"]["download"]["ip_capacity_mbps"].get<double>(), 0);
  EXPECT_TRUE(tests[0]["udp"]["upload"].is_null()) << "download-only was asked for";
  // A TCP server named for method udp is refused, and runs nothing.
  c = command("run_test", {{"method", "udp"}, {"server", "loopback"}});
  expectRefused(sign(c), c.command_id, "invalid_arguments");
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(records("throughput").size(), 1u);
  expectSchemaValid();
  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait(10s), 0);
}

TEST_F(RemoteCommand, SetScheduleSurvivesARestartAndKill9NeverRunsACommandTwice) {
  startDaemon();
  // A window far from now, so the new schedule cannot start a test during this test.
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  const int start = std::min(22, (local.tm_hour + 12) % 24);
  char window[32];  // room for any int: -Wformat-truncation in the Debug (ASan) build
  std::snprintf(window, sizeof window, "%02d:00-%02d:00", start, start + 1);
  auto c = command("set_schedule", {{"tests_per_day", 7}, {"windows", {window}}});
  const std::string schedule_payload = sign(c);
  publish(schedule_payload);
  auto ev = answer(c.command_id);
  EXPECT_EQ(ev.value("event", ""), "command_done") << ev.dump();
  // The change is in the state directory's remote.toml; the config file is only read (the
  // packaged unit makes it read-only for the service: ProtectSystem=strict).
  EXPECT_EQ(testing::readFile(cfg_), config());
  EXPECT_FALSE(std::filesystem::exists(cfg_ + ".bak"));
  const std::string overrides = testing::readFile(path("state/remote.toml"));
  EXPECT_NE(overrides.find("tests_per_day = 7\n"), std::string::npos) << overrides;
  // An invalid change is refused whole.
  c = command("set_schedule", {{"tests_per_day", 3}, {"windows", {"17:00-08:00"}}});
  expectRefused(sign(c), c.command_id, "invalid_arguments");
  EXPECT_EQ(testing::readFile(path("state/remote.toml")), overrides);

  // kill -9 while a remote test runs (after receipt, before the answer) ...
  auto run = command("run_test", {{"server", "blackhole"}});
  const std::string run_payload = sign(run);
  publish(run_payload);
  ASSERT_TRUE(testing::waitFor(
      [&] { return daemon_->err().find("remote command " + run.command_id) != std::string::npos; },
      15s));
  daemon_->signal(SIGKILL);
  ASSERT_TRUE(daemon_->wait(5s).has_value());

  // ... and after the restart: the schedule is still the new one, the same command
  // re-delivered is a replay, and no test ran for it.
  startDaemon();
  publish(run_payload);
  EXPECT_TRUE(testing::waitFor(
      [&] {
        for (auto& e : records("event"))
          if (e.value("reason", "") == "replayed" && e.value("command_id", "") == run.command_id)
            return true;
        return false;
      },
      15s));
  publish(schedule_payload);
  EXPECT_TRUE(testing::waitFor(
      [&] {
        int n = 0;
        for (auto& e : records("event")) n += e.value("reason", "") == "replayed";
        return n == 2;
      },
      15s));
  c = command("report_config");
  publish(sign(c));
  auto rep = answer(c.command_id);
  EXPECT_EQ(rep["config"]["schedule"]["tests_per_day"], 7);
  EXPECT_EQ(rep["config"]["schedule"]["windows"], nlohmann::json::array({window}));
  for (auto& t : records("throughput"))
    EXPECT_NE(t.value("command_id", ""), run.command_id) << "the killed command ran";
  EXPECT_EQ(records("throughput").size(), 0u);
  expectSchemaValid();
  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait(10s), 0);
}

// Commands published while the probe is offline wait in its broker session (kept while a
// command subscription exists) and are judged when they arrive: one still valid runs, one
// that expired on the way is refused as expired.
TEST_F(RemoteCommand, CommandsQueuedWhileOfflineAreJudgedWhenTheyArrive) {
  // [control] is the config's last table: a 1 s clock-skew allowance, so that "expired"
  // needs seconds, not the default 5 minutes.
  testing::writeFile(cfg_, config() + "max_clock_skew_s = 1\n");
  startDaemon();
  daemon_->signal(SIGTERM);
  ASSERT_EQ(daemon_->wait(10s), 0);
  auto late = command("report_config");
  const auto now = std::chrono::system_clock::now();
  late.issued_at = record::formatCommandTime(now - 1s);
  late.expires_at = record::formatCommandTime(now + 1s);
  publish(sign(late));
  auto fresh = command("report_config");
  publish(sign(fresh));
  // The short-lived one expires (beyond the allowed skew) before the probe is back.
  std::this_thread::sleep_for(3s);
  startDaemon();
  auto done = answer(fresh.command_id, 20s);
  EXPECT_EQ(done.value("event", ""), "command_done") << done.dump();
  auto refused = answer(late.command_id, 20s);
  EXPECT_EQ(refused.value("event", ""), "command_refused") << refused.dump();
  EXPECT_EQ(refused.value("reason", ""), "expired") << refused.dump();
  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait(10s), 0);
}

// The collector's CLI end to end: keygen, then `command` signs with the key file, finds the
// device(s) in the collector's database, publishes, and prints the probe's answer.
TEST_F(RemoteCommand, CollectorCommandSignsPublishesAndPrintsTheAnswers) {
  ASSERT_NO_FATAL_FAILURE(collectorKeyAndDatabase());
  const std::string db_path = path("ledger.db");
  testing::writeFile(path("collector.toml"), "[mqtt]\nuri = \"" + broker_.uri() +
                                                 "\"\ntopic_prefix = \"" + kPrefix +
                                                 "\"\n[database]\nurl = \"sqlite://" + db_path +
                                                 "\"\n[http]\nlisten = \"127.0.0.1:0\"\n");
  // The collector itself stores the probe's answers, which the audit log shows.
  ChildProcess collector({UPLINKPROBE_COLLECTOR_BIN, "run", "--config", path("collector.toml")},
                         path("collector.out"), path("collector.err"));
  startDaemon();
  auto issue = [&](std::vector<std::string> target, std::vector<std::string> verb) {
    std::vector<std::string> argv = {
        UPLINKPROBE_COLLECTOR_BIN,    "command", "--config", path("collector.toml"), "--key",
        path("keys/command-key.pem"), "--wait",  "20"};
    argv.insert(argv.end(), target.begin(), target.end());
    argv.insert(argv.end(), verb.begin(), verb.end());
    return testing::runToEnd(argv, path("issue"));
  };
  auto [code, out] = issue({"--device", kDevice}, {"report_config"});
  EXPECT_EQ(code, 0) << out << testing::readFile(path("issue.err"));
  EXPECT_NE(out.find("lab-dev: command_done"), std::string::npos) << out;
  // A county scope reaches the devices the collector knows in that county.
  std::tie(code, out) = issue({"--county", "Nanguan"}, {"set_target", "contracted_down_mbps=300"});
  EXPECT_EQ(code, 0) << out << testing::readFile(path("issue.err"));
  EXPECT_NE(out.find("lab-dev: command_done"), std::string::npos) << out;
  EXPECT_NE(testing::readFile(path("state/remote.toml")).find("contracted_down_mbps = 300"),
            std::string::npos);
  // A refusal is shown with its reason, exit 2.
  std::tie(code, out) = issue({"--device", kDevice}, {"run_test", "server=http://x/"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("lab-dev: command_refused invalid_arguments"), std::string::npos) << out;

  // The audit log: three commands, newest first, who issued them, each device's answer.
  std::string log;
  EXPECT_TRUE(testing::waitFor(
      [&] {
        auto [rc, text] = testing::runToEnd(
            {UPLINKPROBE_COLLECTOR_BIN, "command-log", "--config", path("collector.toml")},
            path("log"));
        log = text;
        size_t answered = 0;
        for (size_t p = log.find("lab-dev (lab-school): command_"); p != std::string::npos;
             p = log.find("lab-dev (lab-school): command_", p + 1))
          ++answered;
        return rc == 0 && answered == 3;
      },
      20s))
      << log << testing::readFile(path("collector.err"));
  const size_t refused = log.find("run_test {\"server\":\"http://x/\"}  device_id:lab-dev");
  const size_t target = log.find("set_target {\"contracted_down_mbps\":300}  county:Nanguan");
  const size_t report = log.find("report_config {}  device_id:lab-dev");
  EXPECT_TRUE(refused < target && target < report) << "newest first\n" << log;
  EXPECT_NE(log.find("command_refused invalid_arguments at "), std::string::npos) << log;
  EXPECT_NE(log.find("via cli"), std::string::npos) << log;
  expectSchemaValid();
  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait(10s), 0);
}

// A blocking HTTP/1.1 client for the collector's web pages: one request per connection,
// keeps the cookies it is given, never follows redirects.
class WebClient {
 public:
  explicit WebClient(int port) : port_(port) {}
  struct Reply {
    int status = 0;
    std::string location, body;
  };
  Reply request(const std::string& method, const std::string& path, const std::string& form = "") {
    Reply r;
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{30, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      return r;
    }
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    std::string cookie;
    for (const auto& [k, v] : cookies_) cookie += (cookie.empty() ? "" : "; ") + k + "=" + v;
    if (!cookie.empty()) req += "Cookie: " + cookie + "\r\n";
    if (method == "POST")
      req += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
             std::to_string(form.size()) + "\r\n";
    req += "\r\n" + form;
    (void)!::write(fd, req.data(), req.size());
    std::string raw;
    char buf[65536];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) raw.append(buf, static_cast<size_t>(n));
    ::close(fd);
    const auto head_end = raw.find("\r\n\r\n");
    if (raw.size() < 12 || head_end == std::string::npos) return r;
    r.status = std::stoi(raw.substr(9, 3));
    r.body = raw.substr(head_end + 4);
    std::istringstream head(raw.substr(0, head_end));
    for (std::string line; std::getline(head, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon), value = line.substr(colon + 2);
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      if (name == "location") r.location = value;
      if (name == "set-cookie") {
        const auto eq = value.find('='), semi = value.find(';');
        const std::string k = value.substr(0, eq), v = value.substr(eq + 1, semi - eq - 1);
        if (value.find("Max-Age=0") != std::string::npos)
          cookies_.erase(k);
        else
          cookies_[k] = v;
      }
    }
    return r;
  }
  Reply login(const std::string& user, const std::string& password) {
    auto page = request("GET", "/login");
    std::smatch m;
    std::regex_search(page.body, m, std::regex("name=\"login_token\" value=\"([0-9a-f]+)\""));
    return request(
        "POST", "/login",
        "login_token=" + m[1].str() + "&user=" + user + "&password=" + password + "&next=%2F");
  }
  static std::string csrf(const std::string& page) {
    std::smatch m;
    return std::regex_search(page, m, std::regex("name=\"csrf\" value=\"([0-9a-f]+)\""))
               ? m[1].str()
               : "";
  }

 private:
  int port_;
  std::map<std::string, std::string> cookies_;
};

// Issue 12 in the web UI: an operator presses "test now" on a school page; the collector
// signs run_test with [control] key_file, the probe runs it, the page shows the answer and
// the audit log names the operator. A viewer is offered no button and is refused (403), a
// POST without the session's CSRF token too.
TEST_F(RemoteCommand, WebTestNowRunsARemoteTestForAnOperatorOnly) {
  ASSERT_NO_FATAL_FAILURE(collectorKeyAndDatabase());
  const std::string db_path = path("ledger.db");
  const int web_port = [] {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(s);
    return static_cast<int>(ntohs(a.sin_port));
  }();
  const std::string ccfg = path("collector.toml");
  testing::writeFile(ccfg, "[mqtt]\nuri = \"" + broker_.uri() + "\"\ntopic_prefix = \"" + kPrefix +
                               "\"\n[database]\nurl = \"sqlite://" + db_path +
                               "\"\n[http]\nlisten = \"127.0.0.1:" + std::to_string(web_port) +
                               "\"\n[ledger]\nprovince = \"吉林省\"\n[control]\nkey_file = \"" +
                               path("keys/command-key.pem") + "\"\n");
  testing::writeFile(path("pw"), "operator-pass-2026\noperator-pass-2026\n");
  for (const auto& [name, role, scope] :
       {std::tuple<std::string, std::string, std::string>{"op", "operator", "长春市"},
        {"vw", "viewer", "长春市/Nanguan"}}) {
    testing::ChildProcess add({UPLINKPROBE_COLLECTOR_BIN, "user", "add", name, "--role", role,
                               "--scope", scope, "--config", ccfg},
                              path("user.out"), path("user.err"), path("pw"));
    ASSERT_EQ(add.wait(60s), 0) << testing::readFile(path("user.err"));
  }
  ChildProcess collector({UPLINKPROBE_COLLECTOR_BIN, "run", "--config", ccfg},
                         path("collector.out"), path("collector.err"));
  WebClient viewer(web_port), op(web_port);
  ASSERT_TRUE(
      testing::waitFor([&] { return viewer.request("GET", "/healthz").status == 200; }, 20s))
      << testing::readFile(path("collector.err"));
  startDaemon();

  // The viewer sees the school but no button, and a forged POST is refused.
  ASSERT_EQ(viewer.login("vw", "operator-pass-2026").status, 303);
  auto page = viewer.request("GET", "/school/lab-school");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body.find("/school/lab-school/test"), std::string::npos);
  EXPECT_EQ(viewer.request("POST", "/school/lab-school/test", "csrf=" + WebClient::csrf(page.body))
                .status,
            403);

  // The operator: no CSRF token → 403; with it → 303 back to the page's command list.
  ASSERT_EQ(op.login("op", "operator-pass-2026").status, 303);
  page = op.request("GET", "/school/lab-school");
  ASSERT_NE(page.body.find("/school/lab-school/test"), std::string::npos) << page.body;
  EXPECT_EQ(op.request("POST", "/school/lab-school/test", "csrf=0").status, 403);
  auto pressed =
      op.request("POST", "/school/lab-school/test", "csrf=" + WebClient::csrf(page.body));
  ASSERT_EQ(pressed.status, 303) << pressed.body << testing::readFile(path("collector.err"));
  EXPECT_EQ(pressed.location, "/school/lab-school#commands");

  // The probe runs it: one throughput record with trigger remote, then command_done.
  ASSERT_TRUE(testing::waitFor([&] { return records("throughput").size() == 1; }, 30s))
      << daemon_->err();
  const auto test = records("throughput").front();
  EXPECT_EQ(test["trigger"], "remote");
  auto done = answer(test["command_id"].get<std::string>(), 20s);
  EXPECT_EQ(done.value("event", ""), "command_done") << done.dump();
  // The page shows who asked and the probe's answer once the collector stored it.
  std::string shown;
  EXPECT_TRUE(testing::waitFor(
      [&] {
        shown = op.request("GET", "/school/lab-school").body;
        return shown.find("op via web") != std::string::npos &&
               shown.find("已完成") != std::string::npos;
      },
      20s))
      << shown;
  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait(10s), 0);
}

// docs/mosquitto/acl.example: a device reads its own command topic and no other; the
// collector account may publish commands.
TEST(RemoteCommandAcl, ExampleAclDeliversADevicesOwnCommandsOnly) {
  const std::string dir = publish::testing::makeTempDir();
  auto sh = [](const std::string& c) { return std::system(c.c_str()); };
  ASSERT_EQ(sh("mosquitto_passwd -c -b " + dir + "/passwd dev1 pw1"), 0);
  ASSERT_EQ(sh("mosquitto_passwd -b " + dir + "/passwd collector pwc"), 0);
  ASSERT_EQ(sh(std::string("cp ") + UPLINKPROBE_SOURCE_DIR + "/docs/mosquitto/acl.example " + dir +
               "/acl && chmod 0644 " + dir + "/passwd " + dir + "/acl"),
            0);
  Mosquitto broker("allow_anonymous false\npassword_file " + dir + "/passwd\nacl_file " + dir +
                       "/acl\nuse_username_as_clientid true\n",
                   dir);
  ASSERT_TRUE(broker.start()) << broker.log();
  // dev1 asks for every command topic; the broker must hand it only its own.
  Subscriber dev1(broker.uri(), "uplinkprobe/v1/+/+/cmd", "dev1", nullptr, "dev1", "pw1");
  ASSERT_TRUE(dev1.connect()) << broker.log();
  mqtt::async_client issuer(broker.uri(), "collector", nullptr);
  mqtt::connect_options co;
  co.set_user_name("collector");
  co.set_password("pwc");
  ASSERT_TRUE(issuer.connect(co)->wait_for(5s));
  for (const char* t : {"uplinkprobe/v1/sch1/dev2/cmd", "uplinkprobe/v1/sch1/dev1/cmd"})
    ASSERT_TRUE(issuer.publish(t, std::string(t), 1, false)->wait_for(5s));
  ASSERT_TRUE(dev1.waitFor([](const auto& m) { return !m.empty(); }, 5s));
  std::this_thread::sleep_for(500ms);  // time for a wrongly delivered message to show up
  auto got = dev1.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "uplinkprobe/v1/sch1/dev1/cmd");
  issuer.disconnect()->wait_for(2s);
}

}  // namespace
}  // namespace uplinkprobe
