// LoadPacer: which load datagrams are due, for one sending-rate row, as the reference's two
// transmitters send them (transmitter 1: burstSize1 datagrams of udpPayload1 every
// txInterval1 µs; transmitter 2: burstSize2 of udpPayload2 plus one add-on of udpAddon2 every
// txInterval2 µs). The socket loop calls due() on a short tick; a late tick sends what fell due
// since, bounded to kMaxCatchUp intervals per transmitter so a stalled loop never bursts
// seconds of load at once. Random sizes (kRandomBit) are drawn between the minimum payload
// and the row's value.
// Thread-safety: none; one instance per test.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "common/clock.h"
#include "udpst/protocol.h"

namespace uplinkprobe::udpst {

inline constexpr std::uint32_t kMinPayload = kLoadHeaderSize + 20;
inline constexpr int kMaxCatchUp = 20;

class LoadPacer {
 public:
  explicit LoadPacer(bool ipv6 = false) : ipv6_(ipv6) {}
  // A new row takes effect from `now` (timers keep their phase when the interval is equal).
  void setRow(const SendingRate& sr, SteadyTime now);
  // Payload sizes (whole UDP payload) to send now, appended to `out`.
  void due(SteadyTime now, std::vector<std::uint16_t>& out);
  const SendingRate& row() const { return row_; }

 private:
  std::uint16_t size(std::uint32_t value);
  bool ipv6_;
  SendingRate row_;
  std::optional<SteadyTime> next1_, next2_;
  std::minstd_rand rng_{12345};
};

}  // namespace uplinkprobe::udpst
