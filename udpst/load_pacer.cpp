#include "udpst/load_pacer.h"

#include <algorithm>
#include <chrono>

namespace uplinkprobe::udpst {

void LoadPacer::setRow(const SendingRate& sr, SteadyTime now) {
  if (!(sr.tx_interval1 == row_.tx_interval1 && next1_)) {
    next1_ = sr.tx_interval1 > 0 ? std::optional<SteadyTime>(now) : std::nullopt;
  }
  if (!(sr.tx_interval2 == row_.tx_interval2 && next2_)) {
    next2_ = sr.tx_interval2 > 0 ? std::optional<SteadyTime>(now) : std::nullopt;
  }
  if (sr.tx_interval1 == 0) next1_.reset();
  if (sr.tx_interval2 == 0) next2_.reset();
  row_ = sr;
}

std::uint16_t LoadPacer::size(std::uint32_t value) {
  std::uint32_t max = value & ~kRandomBit;
  std::uint32_t min = kMinPayload;
  if (ipv6_ && max >= kMinPayload) max -= 20;
  if (ipv6_) min -= 20;
  if ((value & kRandomBit) != 0 && max > min) {
    max = std::uniform_int_distribution<std::uint32_t>(min, max)(rng_);
  }
  return static_cast<std::uint16_t>(std::clamp<std::uint32_t>(max, kLoadHeaderSize, 65507));
}

void LoadPacer::due(SteadyTime now, std::vector<std::uint16_t>& out) {
  using std::chrono::microseconds;
  if (next1_) {
    const auto step = microseconds(row_.tx_interval1);
    int n = 0;
    while (*next1_ <= now && n < kMaxCatchUp) {
      for (std::uint32_t i = 0; i < row_.burst_size1 && i < 1000; ++i) {
        out.push_back(size(row_.udp_payload1));
      }
      *next1_ += step;
      ++n;
    }
    if (*next1_ <= now) *next1_ = now + step;  // too far behind: drop, do not burst
  }
  if (next2_) {
    const auto step = microseconds(row_.tx_interval2);
    int n = 0;
    while (*next2_ <= now && n < kMaxCatchUp) {
      if ((row_.udp_payload2 & ~kRandomBit) > 0) {
        for (std::uint32_t i = 0; i < row_.burst_size2 && i < 1000; ++i) {
          out.push_back(size(row_.udp_payload2));
        }
      }
      if ((row_.udp_addon2 & ~kRandomBit) > 0) out.push_back(size(row_.udp_addon2));
      *next2_ += step;
      ++n;
    }
    if (*next2_ <= now) *next2_ = now + step;
  }
}

}  // namespace uplinkprobe::udpst
