// The server's sending-rate table, built as the reference 9.0.0 builds it
// (udpst_srates.c def_sending_rates): 1153 rows; rows 1-1000 step 1 Mbps of IP-layer rate
// (index = Mbps), above that larger or jumbo payloads. The table depends on two setup flags
// that client and server must agree on: jumbo sizes above 1 Gbps, and 1500-byte ("traditional
// MTU") datagrams instead of the default 1250-byte ones.
// Thread-safety: immutable after construction.
#pragma once

#include <cstdint>
#include <vector>

#include "udpst/protocol.h"

namespace uplinkprobe::udpst {

inline constexpr int kMaxSendingRates = 1153;
inline constexpr std::uint32_t kL3Overhead = 28;  // UDP + IPv4 headers
inline constexpr std::uint32_t kIpv6ExtraBytes = 20;

class SendingRateTable {
 public:
  SendingRateTable(bool jumbo, bool traditional_mtu);
  const SendingRate& row(int index) const { return rows_.at(static_cast<std::size_t>(index)); }
  int size() const { return static_cast<int>(rows_.size()); }
  // Last row of the fine-grained part (rate search takes big steps only below it).
  int highSpeedThreshold() const { return high_speed_threshold_; }
  // Nominal IP-layer rate of a row in Mbps (random sizes counted at their maximum).
  static double rowMbps(const SendingRate& sr);
  // Smallest row whose rate reaches `mbps`, the last row when none does.
  int rowFor(double mbps) const;

 private:
  std::vector<SendingRate> rows_;
  int high_speed_threshold_ = 0;
};

}  // namespace uplinkprobe::udpst
