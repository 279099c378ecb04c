#include "agent/verdict/throughput_verdict.h"

#include <algorithm>

#include "record/throughput_figures.h"

namespace uplinkprobe::verdict {
namespace {

// A direction's IP capacity where the record's method keeps it (record/throughput_figures.h),
// not judged when that direction failed.
std::optional<double> judgedCapacity(const nlohmann::json& r, const char* dir) {
  const nlohmann::json* d = record::capacityDirection(r, dir);
  if (d == nullptr) return std::nullopt;
  if (d->contains("error") && !(*d)["error"].is_null()) return std::nullopt;
  return record::ipCapacityMbps(r, dir);
}

}  // namespace

VerdictInputs verdictInputsFromConfig(const config::TargetConfig& t,
                                      std::optional<double> target_override) {
  VerdictInputs in;
  in.down_target_mbps = target_override ? *target_override : t.effectiveDownMbps();
  in.up_target_mbps = t.contracted_up_mbps;
  in.tolerance_pct = t.tolerance_pct;
  in.method = t.method;
  return in;
}

nlohmann::json judgeThroughput(const nlohmann::json& r, const VerdictInputs& in) {
  nlohmann::json v;
  const double factor = 1.0 - in.tolerance_pct / 100.0;
  v["basis"] = "ip_capacity_mbps";
  v["target_mbps"] = in.down_target_mbps;
  v["tolerance_pct"] = in.tolerance_pct;
  const std::string method = r.value("method", "tcp");
  auto down = judgedCapacity(r, "download");
  v["measured_mbps"] = down ? nlohmann::json(*down) : nlohmann::json(nullptr);
  v["meets_target"] =
      down ? nlohmann::json(*down >= in.down_target_mbps * factor) : nlohmann::json(nullptr);
  if (in.up_target_mbps > 0) {
    auto up = judgedCapacity(r, "upload");
    v["up_target_mbps"] = in.up_target_mbps;
    v["up_measured_mbps"] = up ? nlohmann::json(*up) : nlohmann::json(nullptr);
    v["up_meets_target"] =
        up ? nlohmann::json(*up >= in.up_target_mbps * factor) : nlohmann::json(nullptr);
  }

  std::vector<std::string> unfair;
  if (r.contains("error") && !r["error"].is_null()) unfair.push_back("error");
  if (!down && std::find(unfair.begin(), unfair.end(), "error") == unfair.end())
    unfair.push_back("no_download_result");
  if (r.value("client_limited", false)) unfair.push_back("client_limited");
  if (r.contains("cross_traffic_mbps") && r["cross_traffic_mbps"].is_number() && down) {
    const double cross = r["cross_traffic_mbps"].get<double>();
    if (cross > std::max(1.0, *down * in.cross_traffic_share_max))
      unfair.push_back("cross_traffic");
  }
  if (in.method != "both" && in.method != method) unfair.push_back("method_not_target");
  v["counted"] = unfair.empty();
  v["unfair_reasons"] = unfair;
  return v;
}

}  // namespace uplinkprobe::verdict
