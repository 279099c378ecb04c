// The receiver's side of an OB-UDPST test (reference 9.0.0 service_loadpdu, send_statuspdu,
// proc_subinterval), apart from sockets: it counts load PDUs (loss, reordering, duplicates by
// sequence number with a 32-entry history), one-way delay variation against the minimum
// clock delta, RTT from the status time the sender echoes, and closes a sub-interval when its
// period has passed at a status time (granularity: one trial interval). Its status PDUs carry
// the trial interval's counters and the last completed sub-interval.
// Time: wall clock for PDU timestamps (the peer's clock; only differences from the minimum are
// used), steady clock for intervals. Bounded: at most kMaxSubIntervals kept (3600 s / 100 ms).
// Thread-safety: none; one instance per test on one thread or strand.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "common/clock.h"
#include "udpst/protocol.h"
#include "udpst/rate_adjuster.h"

namespace uplinkprobe::udpst {

inline constexpr std::size_t kMaxSubIntervals = 36000;

// IP-layer rate of a sub-interval in Mbps: (payload bytes + 28 per datagram) × 8 / time.
double ipRateMbps(const SubIntervalStats& s, bool ipv6 = false);

class ReceiverTracker {
 public:
  ReceiverTracker(const Clock& clock, int trial_int_ms, int sub_int_period_ms);

  void onLoad(const LoadHeader& h);
  bool anyLoad() const { return last_seq_ != 0 || got_load_; }
  // This trial interval's counters, for the server's rate search before it sends status.
  TrialFeedback feedback() const;
  // The status PDU for the trial interval that ends now (sr and test_action from the caller);
  // resets the trial counters and closes a sub-interval when due. nullopt before any load
  // (the reference sends no status until load arrives).
  std::optional<StatusPdu> makeStatus(std::uint8_t test_action, const SendingRate& sr);
  // Sub-intervals completed so far, oldest first.
  const std::vector<SubIntervalStats>& subIntervals() const { return completed_; }
  std::uint64_t totalDatagrams() const { return total_datagrams_; }
  std::uint64_t totalBytes() const { return total_bytes_; }
  // The last time a load PDU arrived (steady), for "traffic stopped" checks.
  std::optional<SteadyTime> lastLoadAt() const { return last_load_at_; }

 private:
  void resetSubInterval();
  std::int64_t wallMs() const;

  const Clock& clock_;
  int trial_int_ms_;
  int sub_int_period_ms_;
  bool got_load_ = false;
  std::uint32_t last_seq_ = 0;
  std::array<std::uint32_t, 32> history_{};
  std::size_t history_idx_ = 0;
  // trial interval
  std::uint32_t seq_err_loss_ = 0, seq_err_ooo_ = 0, seq_err_dup_ = 0;
  std::uint32_t delay_var_min_ = kNoDelay, delay_var_max_ = 0, delay_var_sum_ = 0,
                delay_var_cnt_ = 0;
  std::uint32_t rtt_minimum_ = kNoDelay, rtt_var_sample_ = kNoDelay;
  bool delay_min_upd_ = false;
  std::int64_t clock_delta_min_ = 0;
  std::uint32_t ti_datagrams_ = 0, ti_bytes_ = 0;
  SteadyTime trial_start_;
  // echo of the sender's last status time, to detect a new RTT sample
  std::uint32_t spdu_sec_ = 0, spdu_nsec_ = 0;
  // sub-interval
  SubIntervalStats active_;
  SubIntervalStats saved_;
  std::uint32_t sub_int_seq_no_ = 0;
  std::optional<SteadyTime> sub_int_start_;
  std::uint32_t accum_ms_ = 0;
  std::vector<SubIntervalStats> completed_;
  std::uint32_t spdu_seq_no_ = 0;
  std::uint64_t total_datagrams_ = 0, total_bytes_ = 0;
  std::optional<SteadyTime> last_load_at_;
};

}  // namespace uplinkprobe::udpst
