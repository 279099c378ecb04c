#include "agent/measure/capacity.h"

#include <algorithm>

namespace uplinkprobe::measure {

namespace {
constexpr int kTcpHeader = 20;
constexpr int kTimestampOption = 12;
constexpr int kEthernetWireOverhead = 38;  // 14 header + 4 FCS + 8 preamble + 12 gap
}  // namespace

int headerBytes(const SegmentShape& shape) {
  return (shape.ip_family == 6 ? 40 : 20) + kTcpHeader + (shape.timestamps ? kTimestampOption : 0);
}

double ipCapacityBps(double goodput_bps, const SegmentShape& shape) {
  if (shape.mss <= 0) return goodput_bps;
  return goodput_bps * static_cast<double>(shape.mss + headerBytes(shape)) / shape.mss;
}

std::optional<double> payloadCeilingBps(std::optional<int> nic_mbps, const SegmentShape& shape) {
  if (!nic_mbps || *nic_mbps <= 0 || shape.mss <= 0) return std::nullopt;
  const double wire = shape.mss + headerBytes(shape) + kEthernetWireOverhead;
  return *nic_mbps * 1e6 * shape.mss / wire;
}

CapacityFigures capacityFigures(double goodput_bps, double peak_bps, const SegmentShape& shape,
                                std::optional<int> nic_mbps) {
  CapacityFigures f;
  f.goodput_bps = std::max(0.0, goodput_bps);
  f.peak_bps = std::max(f.goodput_bps, peak_bps);
  if (auto ceiling = payloadCeilingBps(nic_mbps, shape)) {
    if (f.goodput_bps > *ceiling || f.peak_bps > *ceiling) f.clamped = true;
    f.goodput_bps = std::min(f.goodput_bps, *ceiling);
    f.peak_bps = std::min(f.peak_bps, *ceiling);
  }
  f.ip_capacity_bps = ipCapacityBps(f.goodput_bps, shape);
  return f;
}

}  // namespace uplinkprobe::measure
