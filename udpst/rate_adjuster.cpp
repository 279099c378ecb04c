#include "udpst/rate_adjuster.h"

#include <algorithm>

namespace uplinkprobe::udpst {
namespace {
constexpr int kHsDeltaBackup = 3;
constexpr int kRetryThreshAlgoC = 5;
}  // namespace

RateAdjuster::RateAdjuster(const RateParams& params) : p_(params) {
  p_.max_index = std::clamp(p_.max_index, 0, p_.table_size - 1);
  search_max_ = std::min(p_.table_size - 1,
                         2 * p_.max_index + kHsDeltaBackup * std::max(p_.high_speed_delta, 1));
  if (p_.sr_index_conf != kSrIndexAuto && p_.sr_index_is_start) index_ = p_.sr_index_conf;
  index_ = std::min(index_, p_.max_index);
}

int RateAdjuster::adjust(const TrialFeedback& fb) {
  int seqerr = static_cast<int>(fb.seq_err_loss);
  if (!p_.ignore_ooo_dup) seqerr += static_cast<int>(fb.seq_err_ooo + fb.seq_err_dup);
  int delay = p_.low_thresh_ms;  // "no change" when no data
  if (p_.use_one_way_delay) {
    if (fb.delay_var_cnt > 0) {
      delay = static_cast<int>((((fb.delay_var_sum * 10ull) / fb.delay_var_cnt) + 5) / 10);
    }
  } else if (fb.rtt_var_sample != kNoDelay) {
    delay = static_cast<int>(std::min<std::uint32_t>(fb.rtt_var_sample, 1u << 30));
  }
  const int hs = p_.high_speed_threshold;
  const int last = p_.table_size - 1;
  const bool good = seqerr <= p_.seq_err_thresh && delay < p_.low_thresh_ms;
  const bool bad = seqerr > p_.seq_err_thresh || delay > p_.upper_thresh_ms;

  if (p_.sr_adj_supp_count > 0 &&
      fb.sub_int_seq_no < static_cast<std::uint32_t>(p_.sr_adj_supp_count)) {
    if (p_.sr_index_conf != kSrIndexAuto && !p_.sr_index_is_start) index_ = 0;
  } else if (p_.sr_index_conf != kSrIndexAuto && !p_.sr_index_is_start) {
    index_ = p_.sr_index_conf;
  } else if (p_.algorithm == kAlgorithmB) {
    if (good) {
      if (index_ < hs && slow_adj_count_ < p_.slow_adj_thresh) {
        index_ = std::min(index_ + p_.high_speed_delta, hs);
        slow_adj_count_ = 0;
      } else if (index_ < last) {
        ++index_;
      }
    } else if (bad) {
      ++slow_adj_count_;
      if (index_ < hs && slow_adj_count_ == p_.slow_adj_thresh) {
        int back = p_.high_speed_delta * kHsDeltaBackup;
        index_ = index_ > back ? index_ - back : 0;
      } else if (index_ > 0) {
        --index_;
      }
    }
  } else {
    if (algo_c_retry_thresh_ == 0) algo_c_retry_thresh_ = kRetryThreshAlgoC;
    if (good) {
      if (index_ < hs && slow_adj_count_ < p_.slow_adj_thresh) {
        if (index_ * 2 > hs) {
          index_ = hs;
        } else {
          if (index_ == 0) ++index_;
          if (algo_c_update_) {
            index_ *= 2;
            algo_c_update_ = false;
          } else {
            algo_c_update_ = true;
          }
        }
        slow_adj_count_ = 0;
      } else {
        if (index_ < last) {
          ++index_;
          ++algo_c_retry_count_;
        }
        if (algo_c_retry_count_ >= algo_c_retry_thresh_) {
          slow_adj_count_ = 0;
          algo_c_retry_count_ = 0;
          algo_c_retry_thresh_ += kRetryThreshAlgoC;
        }
      }
    } else if (bad) {
      ++slow_adj_count_;
      if (index_ < hs && slow_adj_count_ == p_.slow_adj_thresh) {
        int back = p_.high_speed_delta * kHsDeltaBackup;
        index_ = index_ > back ? index_ - back : 0;
      } else if (index_ > 0) {
        --index_;
        ++algo_c_retry_count_;
        if (algo_c_retry_count_ >= algo_c_retry_thresh_) {
          slow_adj_count_ = 0;
          algo_c_retry_count_ = 0;
        }
      }
    }
  }
  index_ = std::clamp(index_, 0, search_max_);
  return index();
}

}  // namespace uplinkprobe::udpst
