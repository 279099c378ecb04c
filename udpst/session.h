// DataSession: the load and status phase of one OB-UDPST test on a connected UDP socket,
// shared by the server (uplinkprobe-server --udpst-listen) and the agent's client. The
// decisions are in the pure classes (LoadPacer, ReceiverTracker, RateAdjuster); this is the
// socket loop: a 1 ms tick (100 µs while transmitter 1 sends) paces load and sends status every
// trial interval, an async receive takes the peer's PDUs.
//
// Roles (reference 9.0.0): the load sender is the server downstream and the client upstream;
// the server always runs the rate search — from the client's status PDUs downstream, from its
// own receive counters upstream, sending the next row in its status PDUs. The server ends the
// test after its duration with a stop action; the client answers it with one PDU carrying the
// stop and ends; the server ends when that arrives.
// Bounds: the session ends when no PDU came for `watchdog` (3 s as in the reference), and in
// any case `hard_limit` after start; sub-intervals kept ≤ kMaxSubIntervals.
// Thread-safety: runs on one io_context thread; `done` is called once, on that thread.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "udpst/load_pacer.h"
#include "udpst/protocol.h"
#include "udpst/rate_adjuster.h"
#include "udpst/receiver_tracker.h"
#include "udpst/sending_rates.h"

namespace uplinkprobe::udpst {

// How many times the server answers a repeated control request (setup or activation) whose
// first answer the client did not get; more repeats are ignored or refused as replays.
inline constexpr int kMaxControlRepeats = 3;

struct SessionConfig {
  bool is_server = false;
  bool sends_load = false;
  int trial_int_ms = 50;
  int sub_int_period_ms = 1000;
  int test_seconds = 10;  // server: when to stop
  bool jumbo = true;
  bool traditional_mtu = false;
  bool ipv6 = false;
  RateParams rate;  // server only
  std::chrono::milliseconds watchdog{3000};
  std::chrono::milliseconds hard_limit{60000};
  // Server: the activation request this session answered, and the answer. A byte-identical
  // repeat (the client's answer was lost on a lossy path) gets the same answer again, at most
  // kMaxControlRepeats times; nothing in it is acted on.
  std::vector<std::uint8_t> activation_request;
  std::vector<std::uint8_t> activation_response;
};

struct SessionResult {
  bool completed = false;  // the stop handshake happened
  std::string end_reason;  // "completed", "peer silent for 3 s", "time limit", "stopped", ...
  // The receiver's sub-intervals: own when this side received load, else from status PDUs.
  std::vector<SubIntervalStats> sub_intervals;
  std::uint64_t sent_datagrams = 0;
  std::uint64_t sent_bytes = 0;  // UDP payload bytes
  std::uint64_t received_datagrams = 0;
  std::uint64_t received_bytes = 0;
  std::uint32_t rtt_min_ms = kNoDelay;
  int last_row = 0;
};

class DataSession : public std::enable_shared_from_this<DataSession> {
 public:
  using Done = std::function<void(const SessionResult&)>;
  DataSession(asio::ip::udp::socket socket, SessionConfig config, const Clock& clock, Done done);
  // initial_row: the row to send at first (client upstream: from the activation response).
  void start(const SendingRate& initial_row);
  // Ends the session now (shutdown); `done` still runs once.
  void stop(const std::string& reason);
  bool finished() const { return finished_; }

 private:
  void receive();
  void onDatagram(std::size_t n);
  void onLoad(const LoadHeader& h);
  void onStatus(const StatusPdu& s);
  void tick();
  void sendLoad(std::uint16_t payload);
  void sendStatus();
  void finish(bool completed, const std::string& reason);

  asio::ip::udp::socket socket_;
  SessionConfig cfg_;
  const Clock& clock_;
  Done done_;
  asio::steady_timer timer_;
  std::vector<std::uint8_t> rx_buf_;
  std::vector<std::uint8_t> tx_buf_;
  std::vector<std::uint16_t> due_;
  SendingRateTable table_;
  std::optional<RateAdjuster> adjuster_;
  LoadPacer pacer_;
  ReceiverTracker tracker_;
  SteadyTime start_;
  SteadyTime last_rx_;
  SteadyTime next_status_;
  std::uint8_t action_ = kActionTest;
  bool finished_ = false;
  int activation_repeats_ = 0;
  std::uint32_t load_seq_ = 0;
  // Echo of the last status PDU received, for RTT at the receiver.
  std::uint32_t spdu_sec_ = 0, spdu_nsec_ = 0;
  std::optional<SteadyTime> spdu_rx_at_;
  std::uint32_t last_spdu_seq_ = 0;
  std::uint16_t spdu_seq_err_ = 0;
  std::uint32_t last_sub_int_seq_ = 0;
  SessionResult result_;
};

}  // namespace uplinkprobe::udpst
