// From TCP goodput to the IP-layer capacity a carrier bills, and the physical ceilings that
// no honest measurement can exceed.
//
// A 100 Mbit/s Ethernet link carries at most 100 × 1448/1538 ≈ 94.1 Mbit/s of TCP payload
// on the wire (1448 payload + 12 TCP options + 20 TCP + 20 IP + 14 Ethernet + 4 FCS
// + 8 preamble + 12 inter-frame gap), and a token-bucket shaper that counts frames without
// preamble/FCS gives 100 × 1448/1514 ≈ 95.6. Judging goodput against 100 would fail every
// honest link, so records carry ip_capacity = goodput × (MSS + headers) / MSS, where headers
// is the real per-segment overhead: IP (20, IPv6 40) + TCP (20) + options (12 when
// timestamps are on, which is why Linux reports MSS 1448 on a 1500 MTU).
#pragma once

#include <optional>

namespace uplinkprobe::measure {

struct SegmentShape {
  int mss = 0;             // tcpi_snd_mss: payload bytes per segment
  bool timestamps = true;  // TCP timestamp option present (12 bytes with padding)
  int ip_family = 4;
};

// IP + TCP header bytes per segment for this shape.
int headerBytes(const SegmentShape& shape);

// goodput × (mss + headers) / mss; goodput itself when the MSS is unknown (≤ 0).
double ipCapacityBps(double goodput_bps, const SegmentShape& shape);

// The most TCP payload a NIC of nic_mbps can carry: every segment also costs headers and 38
// bytes of Ethernet framing on the wire. nullopt when the NIC speed or MSS is unknown.
std::optional<double> payloadCeilingBps(std::optional<int> nic_mbps, const SegmentShape& shape);

struct CapacityFigures {
  double goodput_bps = 0;
  double ip_capacity_bps = 0;
  double peak_bps = 0;
  bool clamped = false;  // a figure was above the physical ceiling and was lowered to it
};

// Computes ip capacity and clamps goodput, capacity and peak to what the NIC can physically
// carry. Exceeding it can only be measurement error (bytes buffered before the window, a
// wrong NIC speed), never a real rate, so the record shows the ceiling instead.
CapacityFigures capacityFigures(double goodput_bps, double peak_bps, const SegmentShape& shape,
                                std::optional<int> nic_mbps);

}  // namespace uplinkprobe::measure
