// Judges one throughput result against the school's target (DESIGN.md "Measurement method").
//
// Why IP-layer capacity: a 100 Mbps line carries at most ~95.6 Mbps of TCP payload, so judging
// goodput against 100 would fail every honest 100 Mbps link. The verdict therefore compares
// ip_capacity_mbps (goodput scaled by the real header overhead) with the target, less the
// configured tolerance.
//
// Fairness: a result the carrier could rightly dispute — competing traffic on the WAN during
// the test, the probe's own CPU as the limit, or a failed test — is marked `counted: false`
// with the reasons, and must not count towards a breach.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "agent/config/config.h"
#include "record/throughput_record.h"

namespace uplinkprobe::verdict {

struct VerdictInputs {
  double down_target_mbps = 0;  // effective download target (max(floor, contract) or --target)
  double up_target_mbps = 0;    // 0 = no upload target
  double tolerance_pct = 0;
  // Competing traffic above this share of the measured rate makes a result unfair.
  double cross_traffic_share_max = 0.05;
  // [target] method: "tcp", "udp" or "both". A record of another method (its `method`,
  // absent = "tcp") is judged but not counted (unfair reason "method_not_target"): a UDP IP
  // capacity and a TCP goodput are different evidence, and the school's target names which
  // one counts.
  std::string method = "tcp";
};

VerdictInputs verdictInputsFromConfig(const config::TargetConfig& t,
                                      std::optional<double> target_override);

// The verdict on one test (record/throughput_record.h has its fields and serializer).
record::Verdict judgeThroughput(const record::ThroughputRecord& result, const VerdictInputs& in);

// The same for a record still in JSON (a body before it is journaled): parses it with
// record::parseThroughputRecord and returns the `verdict` object to store in it.
nlohmann::json judgeThroughput(const nlohmann::json& result, const VerdictInputs& in);

}  // namespace uplinkprobe::verdict
