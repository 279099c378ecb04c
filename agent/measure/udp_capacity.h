// The UDP IP-capacity method (issue 17 item 2; RFC 9097 / BBF TR-471 "Maximum IP-Layer
// Capacity"): one OB-UDPST test per direction (udpst/client.h) turned into a throughput
// record body with method "udp". Per direction the record carries the maximum IP-layer rate
// over the receiver's sub-intervals (TR-471's definition), loss, reordering, duplicates, the
// delay-variation and RTT-variation ranges, and the sub-interval series (bounded by the test
// length: ≤ 3600 s / 100 ms, 10 entries at the defaults).
// Thread-safety: runUdpCapacityTest blocks the calling thread; no shared state.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "udpst/client.h"

namespace uplinkprobe::measure {

struct UdpCapacityOptions {
  std::string server_name;
  std::string url;  // udpst://host:port as configured
  std::string host;
  std::uint16_t port = udpst::kDefaultControlPort;
  bool download = true;
  bool upload = true;
  // maxBandwidth asked per direction; runUdpCapacityTest lowers it to the NIC link speed when
  // that is known (boundByNicSpeed).
  int max_mbps_down = 1000;
  int max_mbps_up = 1000;
  int seconds = 10;
  std::uint8_t algorithm = udpst::kAlgorithmB;  // see docs/udp-capacity.md "Open"
  std::optional<std::string> key;
  std::uint8_t key_id = 0;
  std::string wan_interface;  // "" = interface of the default route
};

struct UdpDirectionResult {
  double ip_capacity_mbps = 0;  // max over sub-intervals
  double mean_mbps = 0;         // over all sub-intervals
  std::uint64_t datagrams = 0;
  std::uint64_t bytes = 0;  // UDP payload bytes received
  std::uint64_t lost = 0, reordered = 0, duplicates = 0;
  std::optional<std::uint32_t> delay_var_min_ms, delay_var_max_ms;
  std::optional<std::uint32_t> rtt_var_min_ms, rtt_var_max_ms;
  std::optional<std::uint32_t> rtt_min_ms;
  std::vector<udpst::SubIntervalStats> sub_intervals;
  std::uint64_t bytes_on_wire = 0;  // sent + received, for the data budget
  std::string error;
  std::optional<ErrorKind> error_kind;  // with error; none = ErrorKind::kUdpst in the record
  nlohmann::json toJson() const;
};

// Reduces a client result to the record's figures.
UdpDirectionResult summarise(const udpst::ClientResult& r);

// "udpst://host:port" (port default 24601; IPv6 as [addr]:port) → host, port.
bool parseUdpstUrl(const std::string& url, std::string& host, std::uint16_t& port);

struct UdpCapacityResult {
  std::optional<UdpDirectionResult> download, upload;
  std::string wan_interface;          // "" when unknown
  std::optional<int> nic_speed_mbps;  // its link speed: bounds the maxBandwidth asked
  // A full throughput record body (kind "throughput" fields, TCP directions null).
  nlohmann::json toJson(const UdpCapacityOptions& o) const;
  std::uint64_t bytesTotal() const;
};

UdpCapacityResult runUdpCapacityTest(const UdpCapacityOptions& o, const Clock& clock,
                                     const std::atomic<bool>* cancel = nullptr);

}  // namespace uplinkprobe::measure
