#include "agent/verdict/throughput_verdict.h"

#include <algorithm>

namespace uplinkprobe::verdict {

VerdictInputs verdictInputsFromConfig(const config::TargetConfig& t,
                                      std::optional<double> target_override) {
  VerdictInputs in;
  in.down_target_mbps = target_override ? *target_override : t.effectiveDownMbps();
  in.up_target_mbps = t.contracted_up_mbps;
  in.tolerance_pct = t.tolerance_pct;
  in.method = t.method;
  return in;
}

record::Verdict judgeThroughput(const record::ThroughputRecord& r, const VerdictInputs& in) {
  record::Verdict v;
  const double factor = 1.0 - in.tolerance_pct / 100.0;
  v.target_mbps = in.down_target_mbps;
  v.tolerance_pct = in.tolerance_pct;
  // A direction that failed is not judged, whatever figure it kept.
  const auto down = r.judgedCapacity("download");
  v.measured_mbps = down;
  if (down) v.meets_target = *down >= in.down_target_mbps * factor;
  if (in.up_target_mbps > 0) {
    const auto up = r.judgedCapacity("upload");
    v.up_target_mbps = in.up_target_mbps;
    v.up_measured_mbps = up;
    if (up) v.up_meets_target = *up >= in.up_target_mbps * factor;
  }

  std::vector<std::string>& unfair = v.unfair_reasons;
  if (r.failed) unfair.push_back("error");
  if (!down && !r.failed) unfair.push_back("no_download_result");
  if (r.client_limited) unfair.push_back("client_limited");
  if (r.cross_traffic_mbps && down &&
      *r.cross_traffic_mbps > std::max(1.0, *down * in.cross_traffic_share_max))
    unfair.push_back("cross_traffic");
  if (in.method != "both" && in.method != r.method) unfair.push_back("method_not_target");
  v.counted = unfair.empty();
  return v;
}

nlohmann::json judgeThroughput(const nlohmann::json& result, const VerdictInputs& in) {
  return judgeThroughput(record::parseThroughputRecord(result), in).toJson();
}

}  // namespace uplinkprobe::verdict
