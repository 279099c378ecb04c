// Issue 15 (High): root must never write through what the service account planted in the
// state directory. The service account (`uplinkprobe`, which parses DNS, HTTP, TLS and MQTT
// from the network) owns [storage] dir; `uplinkprobe commission` and a hand-started `run` are
// root. Every file name the agent writes there is planted as a symlink to a root-owned file
// outside (and a segment name as a FIFO); the real `run` and `commission` run as this test's
// user (root in CI) and the target must come out untouched: same bytes, mode and owner.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <regex>

#include "tests/support/child_process.h"

namespace uplinkprobe {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::readFile;
using testing::writeFile;

constexpr const char* kSecret = "root:$y$j9T$not-for-the-service-account:19000:0:99999:7:::\n";
constexpr uid_t kServiceUid = 64997;  // stands in for `uplinkprobe`: owns the state directory
const char* const kFirstSegment = "seg-00000000000000000001.ujr";

class StateDirSymlinks : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("uplinkprobe-symlink-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "outside");
    std::filesystem::create_directories(dir_ / "state");
    writeFile(target(), kSecret);
    ASSERT_EQ(::chmod(target().c_str(), 0600), 0);
    ASSERT_EQ(::stat(target().c_str(), &before_), 0);
    if (::geteuid() == 0) {
      ASSERT_EQ(::chown(state().c_str(), kServiceUid, kServiceUid), 0);
    }
    server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{UPLINKPROBE_SERVER_BIN, "--listen", "127.0.0.1:0"},
        path("server.out"), path("server.err"));
    std::smatch m;
    ASSERT_TRUE(testing::waitFor(
        [&] {
          std::string out = server_->out();
          bool found = std::regex_search(out, m, std::regex("listening 127\\.0\\.0\\.1:(\\d+)"));
          if (found) port_ = m[1];
          return found;
        },
        10s));
    writeFile(path("agent.toml"),
              "[identity]\ndevice_id = \"lab-dev\"\nschool_id = \"lab-school\"\n"
              "[[servers]]\nname = \"loopback\"\nurl = \"http://127.0.0.1:" +
                  port_ +
                  "/\"\n"
                  "[throughput]\nmax_seconds = 2\nmax_mb_per_direction = 4\n"
                  "[schedule]\ntests_per_day = 0\n"
                  "[availability]\ninterval_s = 1\nprobe_timeout_ms = 500\n"
                  "tcp_targets = [\"127.0.0.1:" +
                  port_ + "\"]\ndns_servers = [\"127.0.0.1:9\"]\n[storage]\ndir = \"" + state() +
                  "\"\nheartbeat_s = 1\n");
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string state() const { return (dir_ / "state").string(); }
  std::string target() const { return (dir_ / "outside" / "shadow").string(); }
  void plant(const std::string& name) {
    ASSERT_EQ(::symlink(target().c_str(), (state() + "/" + name).c_str()), 0) << name;
  }

  void expectTargetUntouched(const std::string& when) {
    struct stat now {};
    ASSERT_EQ(::stat(target().c_str(), &now), 0);
    EXPECT_EQ(readFile(target()), kSecret) << when << ": the target's bytes changed";
    EXPECT_EQ(now.st_mode, before_.st_mode) << when;
    EXPECT_EQ(now.st_uid, before_.st_uid) << when << ": the target changed owner";
    EXPECT_EQ(now.st_gid, before_.st_gid) << when;
  }

  std::unique_ptr<ChildProcess> run(const std::string& tag) {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{UPLINKPROBE_BIN, "run", "--config", path("agent.toml")},
        path(tag + ".out"), path(tag + ".err"));
  }

  std::filesystem::path dir_;
  std::string port_;
  struct stat before_ {};
  std::unique_ptr<ChildProcess> server_;
};

TEST_F(StateDirSymlinks, RunRefusesJournalFilesThatAreSymlinksOrFifos) {
  for (const std::string name : {"journal.lock", "journal.state", kFirstSegment}) {
    std::filesystem::remove_all(state());
    std::filesystem::create_directories(state());
    plant(name);
    auto daemon = run("run-" + name);
    auto code = daemon->wait(20s);
    ASSERT_TRUE(code.has_value()) << name << ": run did not stop";
    EXPECT_EQ(*code, 2) << name << ": " << daemon->err();
    EXPECT_NE(daemon->err().find("symbolic link"), std::string::npos) << daemon->err();
    expectTargetUntouched("run with " + name + " planted");
  }
  // A FIFO named like a segment must not hang the journal's open.
  std::filesystem::remove_all(state());
  std::filesystem::create_directories(state());
  ASSERT_EQ(::mkfifo((state() + "/" + kFirstSegment).c_str(), 0600), 0);
  auto daemon = run("run-fifo");
  auto code = daemon->wait(20s);
  ASSERT_TRUE(code.has_value()) << "run hung on a FIFO named like a segment";
  EXPECT_EQ(*code, 2) << daemon->err();
  EXPECT_NE(daemon->err().find("not a regular file"), std::string::npos) << daemon->err();
}

TEST_F(StateDirSymlinks, RunReplacesPlantedStateFilesInsteadOfWritingThroughThem) {
  for (const char* name :
       {"heartbeat.json", "heartbeat.json.tmp", "availability_state.json",
        "availability_state.json.tmp", "control_state.json", "control_state.json.tmp",
        "journal.damage", "journal.damage.tmp", "journal.state.tmp", "journal.lock.tmp"}) {
    plant(name);
  }
  auto daemon = run("run");
  struct stat hb {};
  const std::string heartbeat = state() + "/heartbeat.json";
  EXPECT_TRUE(testing::waitFor(
      [&] {
        return daemon->err().find("running: device") != std::string::npos &&
               ::lstat(heartbeat.c_str(), &hb) == 0 && S_ISREG(hb.st_mode);
      },
      20s))
      << "heartbeat.json was not replaced by a regular file: " << daemon->err();
  daemon->signal(SIGTERM);
  auto code = daemon->wait(20s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << daemon->err();
  expectTargetUntouched("run");
}

TEST_F(StateDirSymlinks, CommissionAsRootNeitherTruncatesNorChownsAPlantedSegmentTarget) {
  // The attack: seg-….ujr -> /etc/shadow; commission found no valid frames in it and
  // truncated it, then its ownership walk ran as root over the directory.
  plant(kFirstSegment);
  auto [code, out] = testing::runToEnd({UPLINKPROBE_BIN,
                                        "commission",
                                        "--config",
                                        path("agent.toml"),
                                        "--yes",
                                        "--no-start",
                                        "--device-id",
                                        "jl-0042-p1",
                                        "--school-id",
                                        "220102-0042",
                                        "--school-name",
                                        "Nanhu",
                                        "--region",
                                        "Changchun",
                                        "--county",
                                        "Nanguan",
                                        "--carrier",
                                        "CarrierA",
                                        "--contracted-down",
                                        "100",
                                        "--contracted-up",
                                        "20",
                                        "--broker",
                                        "",
                                        "--username",
                                        "",
                                        "--server",
                                        "http://127.0.0.1:" + port_ + "/"},
                                       path("commission"), std::chrono::seconds(90));
  const std::string err = readFile(path("commission.err"));
  EXPECT_EQ(code, 2) << out << err;
  EXPECT_NE(err.find("symbolic link"), std::string::npos) << err;
  EXPECT_NE(out.find("journal:    NOT written"), std::string::npos) << out;
  expectTargetUntouched("commission");
  struct stat link {};
  ASSERT_EQ(::lstat((state() + "/" + kFirstSegment).c_str(), &link), 0);
  EXPECT_TRUE(S_ISLNK(link.st_mode)) << "the planted link itself is left for the admin to see";
}

TEST_F(StateDirSymlinks, CommissionAsRootRunsTestAndJournalAsTheServiceAccount) {
  // `nobody` stands in for `uplinkprobe` (not created on a CI machine). The state directory
  // does not exist yet: commission makes it for the account, as StateDirectory= would.
  const passwd* pw = ::getpwnam("nobody");
  ASSERT_NE(pw, nullptr);
  const bool root = ::geteuid() == 0;
  const uid_t expect_uid = root ? pw->pw_uid : ::geteuid();
  ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);  // the account must reach its directory
  std::filesystem::remove_all(state());
  auto [code, out] = testing::runToEnd({UPLINKPROBE_BIN,
                                        "commission",
                                        "--config",
                                        path("agent.toml"),
                                        "--yes",
                                        "--no-start",
                                        "--run-as",
                                        "nobody",
                                        "--device-id",
                                        "jl-0042-p1",
                                        "--school-id",
                                        "220102-0042",
                                        "--school-name",
                                        "Nanhu",
                                        "--region",
                                        "Changchun",
                                        "--county",
                                        "Nanguan",
                                        "--carrier",
                                        "CarrierA",
                                        "--contracted-down",
                                        "1",
                                        "--contracted-up",
                                        "1",
                                        "--broker",
                                        "",
                                        "--username",
                                        "",
                                        "--server",
                                        "http://127.0.0.1:" + port_ + "/"},
                                       path("commission"), std::chrono::seconds(90));
  const std::string err = readFile(path("commission.err"));
  EXPECT_TRUE(code == 0 || code == 1) << code << out << err;
  EXPECT_NE(out.find("journal:    " + state() + " seq 1-2"), std::string::npos) << out << err;
  if (root) {
    EXPECT_NE(out.find("run as user nobody"), std::string::npos) << out;
  }
  for (const char* name : {"", "journal.state", "journal.lock", kFirstSegment}) {
    struct stat st {};
    const std::string p = std::string(name).empty() ? state() : state() + "/" + name;
    ASSERT_EQ(::lstat(p.c_str(), &st), 0) << p;
    EXPECT_EQ(st.st_uid, expect_uid) << p << " was not written by the service account";
  }
}

}  // namespace
}  // namespace uplinkprobe
