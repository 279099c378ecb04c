#include "udpst/receiver_tracker.h"

#include <algorithm>
#include <chrono>

namespace uplinkprobe::udpst {
namespace {

std::int64_t roundMs(std::chrono::nanoseconds d) {
  return (d.count() + (d.count() >= 0 ? 500000 : -500000)) / 1000000;
}
std::int64_t roundUs(std::chrono::nanoseconds d) {
  return (d.count() + (d.count() >= 0 ? 500 : -500)) / 1000;
}

}  // namespace

double ipRateMbps(const SubIntervalStats& s, bool ipv6) {
  if (s.delta_time_us == 0) return 0.0;
  double overhead = 28.0 + (ipv6 ? 20.0 : 0.0);
  return (double(s.rx_datagrams) * overhead + double(s.rx_bytes)) * 8.0 / s.delta_time_us;
}

ReceiverTracker::ReceiverTracker(const Clock& clock, int trial_int_ms, int sub_int_period_ms)
    : clock_(clock),
      trial_int_ms_(trial_int_ms),
      sub_int_period_ms_(sub_int_period_ms),
      trial_start_(clock.steadyNow()) {
  resetSubInterval();
}

std::int64_t ReceiverTracker::wallMs() const {
  return roundMs(clock_.wallNow().time_since_epoch());
}

void ReceiverTracker::resetSubInterval() {
  active_ = SubIntervalStats{};
  active_.delay_var_min = kNoDelay;
  active_.rtt_var_min = kNoDelay;
}

void ReceiverTracker::onLoad(const LoadHeader& h) {
  const bool first = !got_load_;
  got_load_ = true;
  last_load_at_ = clock_.steadyNow();
  const std::uint32_t payload = h.udp_payload;
  ++active_.rx_datagrams;
  active_.rx_bytes += payload;
  ++ti_datagrams_;
  ti_bytes_ += payload;
  ++total_datagrams_;
  total_bytes_ += payload;

  // Sequence: loss on a gap, reordering (late) or duplicate (in the history) otherwise.
  int skip = 0;
  const std::uint32_t seq = h.seq_no;
  if (seq >= last_seq_ + 1) {
    if (seq > last_seq_ + 1) {
      std::uint32_t lost = seq - last_seq_ - 1;
      seq_err_loss_ += lost;
      active_.seq_err_loss += lost;
    }
    last_seq_ = seq;
  } else if (std::find(history_.begin(), history_.end(), seq) != history_.end()) {
    ++seq_err_dup_;
    ++active_.seq_err_dup;
    skip = 2;
  } else {
    ++seq_err_ooo_;
    ++active_.seq_err_ooo;
    skip = 1;
    if (seq_err_loss_ > 0) --seq_err_loss_;  // the late datagram was counted lost
    if (active_.seq_err_loss > 0) --active_.seq_err_loss;
  }
  if (skip < 2) {
    history_[history_idx_] = seq;
    history_idx_ = (history_idx_ + 1) % history_.size();
  }
  if (skip > 0) return;

  const std::int64_t now_ms = wallMs();
  const std::int64_t sent_ms =
      std::int64_t{h.lpdu_time_sec} * 1000 + (std::int64_t{h.lpdu_time_nsec} + 500000) / 1000000;
  const std::int64_t delta = now_ms - sent_ms;

  // RTT: from the status PDU the sender last received until this load PDU, minus the time the
  // sender held it (rttRespDelay).
  if (h.spdu_time_sec != spdu_sec_ || h.spdu_time_nsec != spdu_nsec_) {
    if (h.spdu_time_sec != 0 || h.spdu_time_nsec != 0) {
      const std::int64_t st_ms = std::int64_t{h.spdu_time_sec} * 1000 +
                                 (std::int64_t{h.spdu_time_nsec} + 500000) / 1000000;
      std::int64_t rtt = std::max<std::int64_t>(now_ms - st_ms, 0);
      const std::int64_t resp = h.rtt_resp_delay;
      if (resp <= rtt) {
        rtt -= resp;
      } else if (resp == rtt + 1) {
        rtt = 0;
      }
      auto r = static_cast<std::uint32_t>(std::min<std::int64_t>(rtt, 0x7FFFFFFF));
      if (r < rtt_minimum_) {
        rtt_minimum_ = r;
        delay_min_upd_ = true;
      }
      rtt_var_sample_ = r - rtt_minimum_;
      active_.rtt_var_min = std::min(active_.rtt_var_min, rtt_var_sample_);
      active_.rtt_var_max = std::max(active_.rtt_var_max, rtt_var_sample_);
    }
    spdu_sec_ = h.spdu_time_sec;
    spdu_nsec_ = h.spdu_time_nsec;
  }

  if (first) {
    clock_delta_min_ = delta;
    delay_min_upd_ = true;
    return;
  }
  if (delta < clock_delta_min_) {
    clock_delta_min_ = delta;
    delay_min_upd_ = true;
  }
  auto var =
      static_cast<std::uint32_t>(std::min<std::int64_t>(delta - clock_delta_min_, 0x7FFFFFFF));
  delay_var_min_ = std::min(delay_var_min_, var);
  delay_var_max_ = std::max(delay_var_max_, var);
  delay_var_sum_ += var;
  ++delay_var_cnt_;
  active_.delay_var_min = std::min(active_.delay_var_min, var);
  active_.delay_var_max = std::max(active_.delay_var_max, var);
  active_.delay_var_sum += var;
  ++active_.delay_var_cnt;
}

TrialFeedback ReceiverTracker::feedback() const {
  TrialFeedback f;
  f.seq_err_loss = seq_err_loss_;
  f.seq_err_ooo = seq_err_ooo_;
  f.seq_err_dup = seq_err_dup_;
  f.delay_var_min = delay_var_min_;
  f.delay_var_sum = delay_var_sum_;
  f.delay_var_cnt = delay_var_cnt_;
  f.rtt_var_sample = rtt_var_sample_;
  f.sub_int_seq_no = sub_int_seq_no_;
  return f;
}

std::optional<StatusPdu> ReceiverTracker::makeStatus(std::uint8_t test_action,
                                                     const SendingRate& sr) {
  if (!got_load_) return std::nullopt;
  const SteadyTime now = clock_.steadyNow();
  StatusPdu s;
  s.test_action = test_action;
  s.spdu_seq_no = ++spdu_seq_no_;
  s.sr = sr;
  s.sub_int_seq_no = sub_int_seq_no_;
  s.sis_sav = saved_;
  s.seq_err_loss = seq_err_loss_;
  s.seq_err_ooo = seq_err_ooo_;
  s.seq_err_dup = seq_err_dup_;
  s.clock_delta_min = static_cast<std::uint32_t>(static_cast<std::int32_t>(clock_delta_min_));
  s.delay_var_min = delay_var_min_;
  s.delay_var_max = delay_var_max_;
  s.delay_var_sum = delay_var_sum_;
  s.delay_var_cnt = delay_var_cnt_;
  s.rtt_minimum = rtt_minimum_;
  s.rtt_var_sample = rtt_var_sample_;
  s.delay_min_upd = delay_min_upd_ ? 1 : 0;
  s.ti_delta_time_us = static_cast<std::uint32_t>(roundUs(now - trial_start_));
  s.ti_rx_datagrams = ti_datagrams_;
  s.ti_rx_bytes = ti_bytes_;
  auto wall = clock_.wallNow().time_since_epoch();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(wall);
  s.spdu_time_sec = static_cast<std::uint32_t>(secs.count());
  s.spdu_time_nsec = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(wall - secs).count());

  seq_err_loss_ = seq_err_ooo_ = seq_err_dup_ = 0;
  delay_var_min_ = kNoDelay;
  delay_var_max_ = delay_var_sum_ = delay_var_cnt_ = 0;
  rtt_var_sample_ = kNoDelay;
  delay_min_upd_ = false;
  trial_start_ = now;
  ti_datagrams_ = ti_bytes_ = 0;

  if (!sub_int_start_) {
    resetSubInterval();
    sub_int_start_ = now;
    accum_ms_ = 0;
  } else if (roundMs(now - *sub_int_start_) > sub_int_period_ms_ - trial_int_ms_ / 2) {
    ++sub_int_seq_no_;
    active_.delta_time_us = static_cast<std::uint32_t>(roundUs(now - *sub_int_start_));
    accum_ms_ += static_cast<std::uint32_t>(roundMs(now - *sub_int_start_));
    active_.accum_time_ms = accum_ms_;
    saved_ = active_;
    if (completed_.size() < kMaxSubIntervals) completed_.push_back(saved_);
    resetSubInterval();
    sub_int_start_ = now;
  }
  return s;
}

}  // namespace uplinkprobe::udpst
