// The context that makes a result fair: traffic on the WAN that was not ours, and whether our
// own CPU, not the link, was the limit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "platform/netdev_counters.h"

namespace uplinkprobe::measure {

// Bytes a NIC counts for `payload` bytes of TCP payload in segments of `mss` with
// `header_bytes` of IP+TCP headers each, plus the 14-byte Ethernet header that Linux
// interface counters include.
double wireBytesForPayload(uint64_t payload, int mss, int header_bytes);

// Cross traffic during one direction, in bit/s: the interface counter growth in the
// direction's dominant way (rx for download, tx for upload) minus what our own payload
// costs on the wire, divided by the duration; clamped at 0 (counters and our byte count are
// read at slightly different moments, so a small negative remainder is noise, not traffic).
// nullopt when a counter is missing or the duration is not positive.
std::optional<double> crossTrafficBps(const std::optional<platform::NetdevCounters>& before,
                                      const std::optional<platform::NetdevCounters>& after,
                                      bool download, uint64_t our_payload, int mss,
                                      int header_bytes, double duration_s);

// The engine runs every stream on one thread, so it can use at most one core. When that
// thread was busy ≥ kClientLimitedThreadPct of the wall time, the client could not have
// gone faster: the result is a lower bound on the link, flagged client_limited. 85 % leaves
// room for the poll wake-ups that a saturated single thread still spends waiting.
constexpr double kClientLimitedThreadPct = 85.0;
bool isClientLimited(std::optional<double> engine_thread_cpu_pct);

// The interface a test's traffic leaves by: `configured` ([throughput] wan_interface) when
// set, else the default route's (IPv4 first unless ip_family is 6); "" when there is none.
std::string wanInterface(const std::string& configured, int ip_family);

// maxBandwidth to ask a UDP capacity server for: `wanted`, but never above the NIC's link
// speed when that is known — a 100 Mbit port carries no more whatever the contract says, and
// every Mbit asked above it is load the server would send only to have it dropped.
int boundByNicSpeed(int wanted_mbps, std::optional<int> nic_speed_mbps);

}  // namespace uplinkprobe::measure
