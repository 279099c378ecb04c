#include "agent/cli/record_line.h"

#include <fmt/format.h>
#include "agent/cli/json_fields.h"
#include "common/time_format.h"

#include <nlohmann/json.hpp>

namespace uplinkprobe::cli {
namespace {

std::string describe(const nlohmann::json& r) {
  const std::string kind = str(r, "kind");
  if (kind == "throughput") {
    if (r.contains("error") && r["error"].is_object())
      return "FAILED " + str(r["error"], "kind") + ": " + str(r["error"], "message");
    const auto& v = r.value("verdict", nlohmann::json::object());
    std::string verdict = v.contains("meets_target") && v["meets_target"].is_boolean()
                              ? (v["meets_target"].get<bool>() ? "PASS" : "FAIL")
                              : "-";
    return fmt::format("down {:.1f} up {:.1f} Mbps cap. {}{}",
                       num(r.value("download", nlohmann::json()), "ip_capacity_mbps"),
                       num(r.value("upload", nlohmann::json()), "ip_capacity_mbps"), verdict,
                       v.value("counted", true) ? "" : " (not counted)");
  }
  if (kind == "outage")
    return fmt::format("{} outage {:.0f} s from {}", str(r, "class"), num(r, "duration_s"),
                       displayLocal(str(r, "start")));
  if (kind == "power")
    return fmt::format("{} for {:.0f} s from {}", str(r, "cause"), num(r, "duration_s"),
                       displayLocal(str(r, "start")));
  if (kind == "event") return str(r, "event");
  if (kind == "gap")
    return fmt::format("GAP seq {}-{} ({})", num(r, "first_seq"), num(r, "last_seq"),
                       str(r, "reason"));
  if (kind == "alert") return str(r, "alert") + " " + str(r, "type");
  if (kind == "alert_state") {
    std::string open;
    for (const auto& b : r.value("breaches", nlohmann::json::array()))
      if (b.is_object()) open += " " + str(b, "type");
    return open.empty() ? "no open alerts" : "open:" + open;
  }
  if (kind == "daily") {
    const auto& t = r.value("tests", nlohmann::json::object());
    const auto& up = r.value("uptime_pct", nlohmann::json());
    return fmt::format("{} uptime {} tests {}/{} counted", str(r, "date"),
                       up.is_number() ? fmt::format("{:.2f}%", up.get<double>()) : "-",
                       t.value("counted", 0), t.value("run", 0));
  }
  if (kind == "availability")
    return fmt::format("up {:.0f} s, down {:.0f} s", num(r, "up_s"), num(r, "down_s"));
  return "";
}

}  // namespace

std::string formatRecordLine(const std::string& record_json) {
  auto r = nlohmann::json::parse(record_json, nullptr, false);
  if (!r.is_object()) return "(unreadable record)";
  // Records carry UTC; people read the local time of the school with its offset.
  const std::string ts = displayLocal(str(r, "ts"));
  return fmt::format("{:>6} {} {:<12} {}", static_cast<uint64_t>(num(r, "seq")), ts, str(r, "kind"),
                     describe(r));
}

}  // namespace uplinkprobe::cli
