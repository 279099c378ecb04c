#include "agent/cli/test_summary.h"

#include <fmt/format.h>
#include "agent/cli/json_fields.h"

#include "agent/cli/exit_codes.h"

namespace uplinkprobe::cli {
namespace {

bool hasError(const nlohmann::json& j) {
  return j.is_object() && j.contains("error") && j["error"].is_object();
}

std::string directionLine(const char* label, const nlohmann::json& d) {
  if (!d.is_object()) return "";
  if (hasError(d)) return fmt::format("  {:<9} FAILED: {}\n", label, str(d["error"], "message"));
  return fmt::format(
      "  {:<9} {:7.1f} Mbps goodput = {:7.1f} Mbps IP capacity\n"
      "            {} streams, {:.1f} s, {:.1f} MB, stop: {}, retrans {:.2f} %\n",
      label, num(d, "goodput_mbps"), num(d, "ip_capacity_mbps"),
      static_cast<int>(num(d, "streams")), num(d, "duration_s"), num(d, "bytes") / 1e6,
      str(d, "stop_reason"), num(d, "retransmit_pct"));
}

}  // namespace

std::string formatTestSummary(const nlohmann::json& r) {
  std::string out;
  const auto& srv = r.value("server", nlohmann::json::object());
  out += fmt::format("server    {} {} (IPv{}{})\n", str(srv, "name"), str(srv, "url"),
                     static_cast<int>(num(srv, "ip_family", 4)),
                     str(srv, "public_ip").empty() ? "" : ", seen as " + str(srv, "public_ip"));
  const auto& lat = r.value("latency", nlohmann::json::object());
  if (lat.is_object())
    out += fmt::format("latency   idle {:.1f} ms, under load {:.1f} ms\n", num(lat, "idle_ms"),
                       num(lat, "loaded_ms"));
  out += directionLine("download", r.value("download", nlohmann::json()));
  out += directionLine("upload", r.value("upload", nlohmann::json()));
  out += fmt::format("context   competing traffic {:.1f} Mbps, agent CPU {:.0f} %{}\n",
                     num(r, "cross_traffic_mbps"), num(r, "cpu_pct"),
                     r.value("client_limited", false) ? ", CLIENT-LIMITED" : "");
  if (hasError(r)) {
    out += fmt::format("verdict   ERROR ({}): {}\n", str(r["error"], "kind"),
                       str(r["error"], "message"));
    return out;
  }
  const auto& v = r.value("verdict", nlohmann::json::object());
  const double target = num(v, "target_mbps");
  const double floor = target * (1 - num(v, "tolerance_pct") / 100);
  const bool meets = v.value("meets_target", false);
  out += fmt::format(
      "verdict   {}: download {:.1f} Mbps IP capacity {} {:.1f} (target {:.0f} Mbps, "
      "tolerance {:.0f} %)\n",
      meets ? "PASS" : "FAIL", num(v, "measured_mbps"), meets ? ">=" : "<", floor, target,
      num(v, "tolerance_pct"));
  if (v.contains("up_meets_target") && v["up_meets_target"].is_boolean())
    out += fmt::format("          upload {:.1f} Mbps IP capacity, target {:.0f}: {}\n",
                       num(v, "up_measured_mbps"), num(v, "up_target_mbps"),
                       v["up_meets_target"].get<bool>() ? "PASS" : "FAIL");
  if (v.contains("unfair_reasons") && !v["unfair_reasons"].empty())
    out += "          not counted towards alerts: " + v["unfair_reasons"].dump() + "\n";
  return out;
}

int exitCodeForRecord(const nlohmann::json& r) {
  if (hasError(r)) return kExitError;
  const auto& v = r.value("verdict", nlohmann::json::object());
  bool below = v.contains("meets_target") && v["meets_target"] == false;
  below = below || (v.contains("up_meets_target") && v["up_meets_target"] == false);
  return below ? kExitBelowTarget : kExitOk;
}

}  // namespace uplinkprobe::cli
