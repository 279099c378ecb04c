// UdpstServer: the OB-UDPST (TR-471) server behind `uplinkprobe-server --udpst-listen`.
//
// Not a traffic cannon (issue 17 item 3):
// - a key table is required unless the operator passed --udpst-no-auth (labs); a setup
//   request without authentication, with a wrong key, outside ±5 s, or repeating a
//   (keyId, authUnixTime, digest) already seen is refused (AUTHREQ / AUTHFAIL / AUTHTIME);
// - maxBandwidth is required and capped per client (CAPEXC above max_mbps); the row sent
//   never goes above the granted row (rate_adjuster.h); duration is capped at max_seconds;
// - at most max_tests_per_address tests per client address and max_tests in all (CONNFAIL),
//   and the granted bandwidth of all running tests stays within total_mbps (CAPEXC);
// - load goes only to the address and port that sent an authenticated activation to the
//   test port handed out (the test socket is connected to it; activations from another IP
//   than the setup's are ignored), and a test port that gets no activation in 3 s is closed;
// - a test ends when the peer's PDUs stop for 3 s (watchdog).
// Refusals and accepted tests are counted (counters()); `uplinkprobe-server` prints them
// (countersLine()) every minute they changed and when it stops, for the operator's log.
// Thread-safety: runs on the given io_context, one thread; counters() from any thread.
#pragma once

#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>

#include "common/clock.h"
#include "common/result.h"
#include "udpst/auth.h"
#include "udpst/protocol.h"
#include "udpst/session.h"

namespace uplinkprobe::server {

struct UdpstServerConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = udpst::kDefaultControlPort;
  std::optional<udpst::KeyTable> keys;  // nullopt only with --udpst-no-auth
  int max_mbps = 1000;                  // per test
  int total_mbps = 10000;               // all running tests
  int max_seconds = 30;
  int max_tests = 16;
  int max_tests_per_address = 2;
};

struct UdpstCounters {
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::uint64_t> replayed{0};
  std::atomic<std::uint64_t> completed{0};
  std::atomic<std::uint64_t> repeated{0};  // setup requests answered again (answer lost)
};

// "udpst: accepted A, completed C, refused R, replayed P, repeated Q" (a snapshot).
std::string countersLine(const UdpstCounters& c);

class UdpstServer {
 public:
  UdpstServer(asio::io_context& io, UdpstServerConfig config, const Clock& clock);
  ~UdpstServer();
  // Binds the control port; returns "ADDR:PORT" as bound (port 0 = ephemeral).
  Result<std::string> bind();
  void start();
  void stop();
  const UdpstCounters& counters() const { return counters_; }

 private:
  struct Test;
  void receiveControl();
  void onSetup(std::size_t n);
  void refuse(udpst::SetupPdu pdu, std::uint8_t code, const udpst::Key32* server_key);
  void sendSetupResponse(const udpst::SetupPdu& pdu, const udpst::Key32* server_key);
  // A byte-identical repeat of a recent request from the same endpoint: answered as before.
  bool answerRepeat(std::span<const std::uint8_t> request);
  void awaitActivation(std::shared_ptr<Test> t);
  void onActivation(std::shared_ptr<Test> t, std::size_t n);
  void endTest(const std::shared_ptr<Test>& t);
  bool seenBefore(std::uint8_t key_id, std::uint32_t time, const std::array<std::uint8_t, 32>& d);
  std::int64_t unixNow() const;

  asio::io_context& io_;
  UdpstServerConfig cfg_;
  const Clock& clock_;
  asio::ip::udp::socket control_;
  asio::ip::udp::endpoint peer_;
  std::vector<std::uint8_t> buf_;
  std::map<Test*, std::shared_ptr<Test>> tests_;
  std::map<std::string, int> per_address_;
  int granted_mbps_ = 0;
  // Digests of accepted authenticated PDUs within the time window: a replay is refused.
  std::deque<std::tuple<std::int64_t, std::uint8_t, std::uint32_t, std::array<std::uint8_t, 32>>>
      seen_;
  UdpstCounters counters_;
  bool stopped_ = false;
  struct RecentAnswer {
    SteadyTime at;
    asio::ip::udp::endpoint peer;
    std::vector<std::uint8_t> request;
    std::vector<std::uint8_t> answer;
    int repeats = 0;
  };
  std::vector<std::uint8_t> request_;  // the setup request being answered
  std::deque<RecentAnswer> recent_;
};

}  // namespace uplinkprobe::server
