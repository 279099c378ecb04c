#include "udpst/session.h"

#include <algorithm>

namespace uplinkprobe::udpst {
namespace {
constexpr auto kTick = std::chrono::milliseconds(1);
// Transmitter 1 sends every 100 µs: a 1 ms tick would send ten of its bursts at once, which a
// shallow bottleneck queue (tbf with a small limit) drops as if the rate were too high.
constexpr auto kFastTick = std::chrono::microseconds(100);
constexpr std::size_t kRxBufferSize = 65536;
constexpr std::uint16_t kMaxUdpPayload = 65507;
}  // namespace

DataSession::DataSession(asio::ip::udp::socket socket, SessionConfig config, const Clock& clock,
                         Done done)
    : socket_(std::move(socket)),
      cfg_(config),
      clock_(clock),
      done_(std::move(done)),
      timer_(socket_.get_executor()),
      rx_buf_(kRxBufferSize),
      tx_buf_(65536),
      table_(cfg_.jumbo, cfg_.traditional_mtu),
      pacer_(cfg_.ipv6),
      tracker_(clock, cfg_.trial_int_ms, cfg_.sub_int_period_ms) {
  if (cfg_.is_server) {
    cfg_.rate.high_speed_threshold = table_.highSpeedThreshold();
    cfg_.rate.table_size = table_.size();
    adjuster_.emplace(cfg_.rate);
  }
}

void DataSession::start(const SendingRate& initial_row) {
  start_ = clock_.steadyNow();
  last_rx_ = start_;
  next_status_ = start_ + std::chrono::milliseconds(cfg_.trial_int_ms);
  if (cfg_.sends_load) {
    pacer_.setRow(adjuster_ ? table_.row(adjuster_->index()) : initial_row, start_);
  }
  asio::error_code ec;
  socket_.non_blocking(true, ec);
  receive();
  timer_.expires_after(kTick);
  timer_.async_wait([self = shared_from_this()](const asio::error_code& e) {
    if (!e) self->tick();
  });
}

void DataSession::stop(const std::string& reason) { finish(false, reason); }

void DataSession::receive() {
  socket_.async_receive(asio::buffer(rx_buf_),
                        [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                          if (self->finished_) return;
                          if (!ec) self->onDatagram(n);
                          // ICMP port unreachable shows as connection_refused on a connected
                          // socket: keep listening, the watchdog decides.
                          if (!self->finished_) self->receive();
                        });
}

void DataSession::onDatagram(std::size_t n) {
  std::span<const std::uint8_t> bytes(rx_buf_.data(), n);
  std::uint16_t id = pduId(bytes);
  if (id == kLoadId && !cfg_.sends_load) {
    auto h = decodeLoadHeader(bytes);
    if (h) onLoad(*h);
  } else if (id == kStatusId && cfg_.sends_load) {
    auto s = decodeStatus(bytes);
    if (s) onStatus(*s);
  } else if (id == kActivationId && !cfg_.activation_request.empty() &&
             activation_repeats_ < kMaxControlRepeats &&
             std::equal(bytes.begin(), bytes.end(), cfg_.activation_request.begin(),
                        cfg_.activation_request.end())) {
    ++activation_repeats_;  // the client did not get our answer: the same answer again
    asio::error_code ec;
    socket_.send(asio::buffer(cfg_.activation_response), 0, ec);
  }
}

void DataSession::onLoad(const LoadHeader& h) {
  last_rx_ = clock_.steadyNow();
  if (h.test_action != kActionTest) {
    if (cfg_.is_server) {
      finish(true, "completed");
    } else if (action_ == kActionTest) {
      action_ = h.test_action;
      sendStatus();  // confirm the stop
      finish(true, "completed");
    }
    return;
  }
  if (action_ != kActionTest) return;
  ++result_.received_datagrams;
  result_.received_bytes += h.udp_payload;
  tracker_.onLoad(h);
}

void DataSession::onStatus(const StatusPdu& s) {
  const SteadyTime now = clock_.steadyNow();
  last_rx_ = now;
  if (s.spdu_seq_no >= last_spdu_seq_ + 1) {
    spdu_seq_err_ = static_cast<std::uint16_t>(
        std::min<std::uint32_t>(s.spdu_seq_no - last_spdu_seq_ - 1, 0xFFFF));
    last_spdu_seq_ = s.spdu_seq_no;
  } else {
    spdu_seq_err_ = 0xFFFF;
  }
  spdu_sec_ = s.spdu_time_sec;
  spdu_nsec_ = s.spdu_time_nsec;
  spdu_rx_at_ = now;
  if (s.rtt_minimum != kNoDelay) result_.rtt_min_ms = s.rtt_minimum;
  if (s.sub_int_seq_no != last_sub_int_seq_) {
    last_sub_int_seq_ = s.sub_int_seq_no;
    if (result_.sub_intervals.size() < kMaxSubIntervals) result_.sub_intervals.push_back(s.sis_sav);
  }
  if (s.test_action != kActionTest) {
    if (cfg_.is_server) {
      finish(true, "completed");
    } else if (action_ == kActionTest) {
      action_ = s.test_action;
      sendLoad(static_cast<std::uint16_t>(kMinPayload));  // confirm the stop
      finish(true, "completed");
    }
    return;
  }
  if (action_ != kActionTest) return;
  if (adjuster_) {
    TrialFeedback fb;
    fb.seq_err_loss = s.seq_err_loss;
    fb.seq_err_ooo = s.seq_err_ooo;
    fb.seq_err_dup = s.seq_err_dup;
    fb.delay_var_min = s.delay_var_min;
    fb.delay_var_sum = s.delay_var_sum;
    fb.delay_var_cnt = s.delay_var_cnt;
    fb.rtt_var_sample = s.rtt_var_sample;
    fb.sub_int_seq_no = s.sub_int_seq_no;
    pacer_.setRow(table_.row(adjuster_->adjust(fb)), now);
    result_.last_row = adjuster_->index();
  } else {
    // Client sending upstream: the server's status carries the row to use next.
    pacer_.setRow(s.sr, now);
  }
}

void DataSession::sendLoad(std::uint16_t payload) {
  payload = std::clamp<std::uint16_t>(payload, static_cast<std::uint16_t>(kLoadHeaderSize),
                                      kMaxUdpPayload);
  LoadHeader h;
  h.test_action = action_;
  h.seq_no = ++load_seq_;
  h.udp_payload = payload;
  h.spdu_seq_err = spdu_seq_err_;
  h.spdu_time_sec = spdu_sec_;
  h.spdu_time_nsec = spdu_nsec_;
  const SteadyTime now = clock_.steadyNow();
  auto wall = clock_.wallNow().time_since_epoch();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(wall);
  h.lpdu_time_sec = static_cast<std::uint32_t>(secs.count());
  h.lpdu_time_nsec = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(wall - secs).count());
  if (spdu_rx_at_) {
    auto held = std::chrono::duration_cast<std::chrono::milliseconds>(now - *spdu_rx_at_).count();
    h.rtt_resp_delay = static_cast<std::uint16_t>(std::clamp<std::int64_t>(held, 0, 0xFFFF));
  }
  encodeLoadHeader(h, std::span<std::uint8_t>(tx_buf_.data(), payload));
  std::fill(tx_buf_.begin() + kLoadHeaderSize, tx_buf_.begin() + payload, 0);
  asio::error_code ec;
  socket_.send(asio::buffer(tx_buf_.data(), payload), 0, ec);
  if (!ec) {
    ++result_.sent_datagrams;
    result_.sent_bytes += payload;
  }
}

void DataSession::sendStatus() {
  SendingRate sr;
  if (adjuster_) {
    sr = table_.row(adjuster_->adjust(tracker_.feedback()));
    result_.last_row = adjuster_->index();
  }
  auto s = tracker_.makeStatus(action_, sr);
  if (!s) {
    if (action_ == kActionTest) return;
    StatusPdu stop;  // stop before any load arrived
    stop.test_action = action_;
    s = stop;
  }
  if (s->rtt_minimum != kNoDelay) result_.rtt_min_ms = s->rtt_minimum;
  auto bytes = encodeStatus(*s);
  asio::error_code ec;
  socket_.send(asio::buffer(bytes), 0, ec);
}

void DataSession::tick() {
  if (finished_) return;
  const SteadyTime now = clock_.steadyNow();
  if (now - last_rx_ > cfg_.watchdog) {
    finish(false, "peer silent for " + std::to_string(cfg_.watchdog.count() / 1000) + " s");
    return;
  }
  if (now - start_ > cfg_.hard_limit) {
    finish(false, "time limit");
    return;
  }
  if (cfg_.is_server && action_ == kActionTest &&
      now - start_ >= std::chrono::milliseconds(cfg_.test_seconds * 1000 + 500)) {
    action_ = kActionStop2;
  }
  if (cfg_.sends_load) {
    due_.clear();
    pacer_.due(now, due_);
    if (action_ != kActionTest && !due_.empty()) due_.resize(1);  // stop in progress: minimum load
    for (std::uint16_t size : due_) sendLoad(size);
  } else if (now >= next_status_) {
    next_status_ += std::chrono::milliseconds(cfg_.trial_int_ms);
    if (next_status_ <= now) next_status_ = now + std::chrono::milliseconds(cfg_.trial_int_ms);
    sendStatus();
  }
  if (finished_) return;
  const bool fast = cfg_.sends_load && pacer_.row().tx_interval1 > 0 && action_ == kActionTest;
  timer_.expires_after(fast ? std::chrono::duration_cast<std::chrono::nanoseconds>(kFastTick)
                            : std::chrono::duration_cast<std::chrono::nanoseconds>(kTick));
  timer_.async_wait([self = shared_from_this()](const asio::error_code& e) {
    if (!e) self->tick();
  });
}

void DataSession::finish(bool completed, const std::string& reason) {
  if (finished_) return;
  finished_ = true;
  result_.completed = completed;
  result_.end_reason = reason;
  if (!cfg_.sends_load) result_.sub_intervals = tracker_.subIntervals();
  asio::error_code ec;
  timer_.cancel();
  socket_.close(ec);
  if (done_) {
    auto d = std::move(done_);
    d(result_);
  }
}

}  // namespace uplinkprobe::udpst
