// `uplinkprobe test --method udp` against a real `uplinkprobe-server --udpst-listen` with a key,
// on loopback: the rate search the record says it used is the one --udp-algorithm asked for
// (B by default, TR-471's), and a wrong value or a TCP test with it is a usage error that
// says what to write. Behaviour only, no rates.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "tests/support/child_process.h"
#include "tests/support/udpst_server.h"

namespace uplinkprobe {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::runToEnd;

class UdpTestCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("uplinkprobe-udp-cli-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    testing::writeFile(path("udpst.keys"), "9,cli-lab-key\n");
    std::string why;
    auto server = testing::startUdpstServer({"--udpst-key-file", path("udpst.keys"),
                                             "--udpst-max-mbps", "50", "--udpst-max-seconds", "5"},
                                            path("server"), &why);
    ASSERT_TRUE(server) << why;
    url_ = server->url();
    server_ = std::move(server->process);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::vector<std::string> udpTest(std::vector<std::string> extra) const {
    std::vector<std::string> args{UPLINKPROBE_BIN,   "test",  "--method",   "udp",
                                  "--server",        url_,    "--key-file", path("udpst.keys"),
                                  "--key-id",        "9",     "--target",   "10",
                                  "--download-only", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  std::filesystem::path dir_;
  std::unique_ptr<ChildProcess> server_;
  std::string url_;
};

TEST_F(UdpTestCommand, TheRecordCarriesTheRateSearchAskedFor) {
  for (const auto& [flag, expected] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{}, "B"}, {{"--udp-algorithm", "C"}, "C"}, {{"--udp-algorithm", "b"}, "B"}}) {
    auto [code, out] = runToEnd(udpTest(flag), path("test"), 60s);
    ASSERT_TRUE(code == 0 || code == 1) << code << "\n"
                                        << out << testing::readFile(path("test.err"));
    const auto rec = nlohmann::json::parse(out);
    EXPECT_EQ(rec["udp"]["rate_algorithm"], expected) << out;
    EXPECT_GT(rec["udp"]["download"].value("ip_capacity_mbps", 0.0), 0) << out;
  }
}

TEST_F(UdpTestCommand, AWrongAlgorithmOrATcpTestWithOneIsAUsageError) {
  auto [code, out] = runToEnd(udpTest({"--udp-algorithm", "D"}), path("bad"));
  EXPECT_EQ(code, 64);
  EXPECT_NE(testing::readFile(path("bad.err")).find("--udp-algorithm: expected B or C"),
            std::string::npos)
      << testing::readFile(path("bad.err"));
  auto [tcp, tcp_out] = runToEnd({UPLINKPROBE_BIN, "test", "--server", "http://127.0.0.1:9/",
                                  "--udp-algorithm", "C", "--lang", "en"},
                                 path("tcp"));
  EXPECT_EQ(tcp, 64);
  EXPECT_NE(testing::readFile(path("tcp.err")).find("--udp-algorithm needs --method udp"),
            std::string::npos)
      << testing::readFile(path("tcp.err"));
}

// The server's counters reach the operator's log: at stop it prints what it accepted and
// refused (a client with a key the server does not hold is refused, not served).
TEST_F(UdpTestCommand, TheServerSaysItsCountersWhenItStops) {
  testing::writeFile(path("other.keys"), "9,not-the-servers-key\n");
  auto args = udpTest({});
  *(std::find(args.begin(), args.end(), "--key-file") + 1) = path("other.keys");
  auto [refused, refused_out] = runToEnd(args, path("refused"), 60s);
  EXPECT_EQ(refused, 2) << refused_out;
  auto [code, out] = runToEnd(udpTest({}), path("served"), 60s);
  EXPECT_TRUE(code == 0 || code == 1) << out;
  server_->signal(SIGTERM);
  ASSERT_TRUE(server_->wait(10s).has_value());
  EXPECT_NE(server_->out().find("udpst: accepted 1, completed 1, refused 1, replayed 0"),
            std::string::npos)
      << server_->out() << server_->err();
}

}  // namespace
}  // namespace uplinkprobe
