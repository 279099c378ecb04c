#include "udpst/sending_rates.h"

namespace uplinkprobe::udpst {
namespace {
constexpr std::uint32_t kBaseTimer1 = 100;   // us
constexpr std::uint32_t kBaseTimer2 = 1000;  // us
constexpr std::uint32_t kMaxL3 = 1250;
constexpr std::uint32_t kMaxJumboL3 = 9000;
constexpr std::uint32_t kMaxTraditionalL3 = 1500;
constexpr std::uint32_t kMaxBurst = 100;
}  // namespace

SendingRateTable::SendingRateTable(bool jumbo, bool traditional_mtu) {
  rows_.reserve(kMaxSendingRates);
  const int jmax_low = traditional_mtu ? 11 : 9;
  const int kmax = traditional_mtu ? 8 : 10;
  const std::uint32_t payload = (traditional_mtu ? kMaxTraditionalL3 : kMaxL3) - kL3Overhead;
  bool stop = false;
  for (int k = 0; k <= kmax && !stop; ++k) {
    for (int i = 0; i < 10 && !stop; ++i) {
      SendingRate sr;
      if (k > 0) {
        sr.tx_interval1 = kBaseTimer1;
        sr.udp_payload1 = payload;
        sr.burst_size1 = static_cast<std::uint32_t>(k);
      }
      if (i > 0) {
        sr.tx_interval2 = kBaseTimer2;
        sr.udp_payload2 = payload;
        sr.burst_size2 = static_cast<std::uint32_t>(i);
      }
      if (k == 0 && i == 0) {
        sr.tx_interval2 = 50000;
        sr.udp_addon2 = payload | kRandomBit;
      }
      rows_.push_back(sr);
      if (!(k == 0 && i == 0) && !traditional_mtu && k == kmax) break;
      for (int j = 1; j <= jmax_low; ++j) {
        SendingRate r;
        if (k > 0) {
          r.tx_interval1 = kBaseTimer1;
          r.udp_payload1 = payload;
          r.burst_size1 = static_cast<std::uint32_t>(k);
        }
        r.tx_interval2 = kBaseTimer2;
        if (i > 0) {
          r.udp_payload2 = payload;
          r.burst_size2 = static_cast<std::uint32_t>(i);
        }
        r.udp_addon2 = static_cast<std::uint32_t>((j * 1000) / 8) - kL3Overhead;
        rows_.push_back(r);
        if (rows_.size() > 1000) {  // explicit stop at 1 Gbps
          stop = true;
          break;
        }
      }
    }
  }
  high_speed_threshold_ = static_cast<int>(rows_.size()) - 1;
  int jmax;
  std::uint32_t top_payload;
  if (jumbo) {
    for (std::uint32_t l3 = kMaxL3 + 125; l3 <= kMaxJumboL3; l3 += 125) {
      SendingRate r;
      r.tx_interval1 = kBaseTimer1;
      r.udp_payload1 = l3 - kL3Overhead;
      r.burst_size1 = 10;
      rows_.push_back(r);
    }
    jmax = 11;
    top_payload = kMaxJumboL3 - kL3Overhead;
  } else if (traditional_mtu) {
    jmax = 9;
    top_payload = kMaxTraditionalL3 - kL3Overhead;
  } else {
    jmax = 11;
    top_payload = kMaxL3 - kL3Overhead;
  }
  for (int j = jmax; rows_.size() < static_cast<std::size_t>(kMaxSendingRates); ++j) {
    SendingRate r;
    r.tx_interval1 = kBaseTimer1;
    r.udp_payload1 = top_payload;
    r.burst_size1 =
        static_cast<std::uint32_t>(j) < kMaxBurst ? static_cast<std::uint32_t>(j) : kMaxBurst;
    rows_.push_back(r);
  }
  rows_.resize(kMaxSendingRates);
}

double SendingRateTable::rowMbps(const SendingRate& sr) {
  double bits_per_us = 0;
  auto size = [](std::uint32_t payload) { return double((payload & ~kRandomBit) + kL3Overhead); };
  if (sr.tx_interval1 > 0)
    bits_per_us += size(sr.udp_payload1) * sr.burst_size1 * 8 / sr.tx_interval1;
  if (sr.tx_interval2 > 0) {
    if ((sr.udp_payload2 & ~kRandomBit) > 0) {
      bits_per_us += size(sr.udp_payload2) * sr.burst_size2 * 8 / sr.tx_interval2;
    }
    if ((sr.udp_addon2 & ~kRandomBit) > 0) bits_per_us += size(sr.udp_addon2) * 8 / sr.tx_interval2;
  }
  return bits_per_us;  // bits per microsecond = Mbps
}

int SendingRateTable::rowFor(double mbps) const {
  for (int i = 0; i < size(); ++i) {
    if (rowMbps(rows_[static_cast<std::size_t>(i)]) >= mbps - 1e-9) return i;
  }
  return size() - 1;
}

}  // namespace uplinkprobe::udpst
