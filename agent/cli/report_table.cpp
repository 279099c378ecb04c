#include "agent/cli/report_table.h"

#include <fmt/format.h>
#include "agent/cli/json_fields.h"

#include <algorithm>

#include "agent/verdict/daily_summary.h"
#include "agent/verdict/local_day.h"
#include "common/time_format.h"

namespace uplinkprobe::cli {
namespace {

std::optional<double> num(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* p = &j;
  for (const char* k : path) {
    if (!p->is_object() || !p->contains(k)) return std::nullopt;
    p = &(*p)[k];
  }
  if (!p->is_number()) return std::nullopt;
  return p->get<double>();
}

std::string mbps(std::optional<double> v) { return v ? fmt::format("{:.1f}", *v) : "-"; }

// "2024-05-06T08:30:00.123Z" -> "05-06 16:30 +08:00" in the process's (the school's) zone.
std::string shortTime(const std::string& ts) {
  const std::string local = displayLocal(ts);  // "2024-05-06 16:30:00 +08:00"
  if (local.size() < 20 || local == ts) return ts;
  return local.substr(5, 11) + local.substr(19);
}

std::string verdictWord(const nlohmann::json& day) {
  const auto& m = day["verdict"]["meets_target"];
  if (m.is_boolean()) return m.get<bool>() ? "meets" : "BELOW";
  return "no test";
}

std::string csvNum(std::optional<double> v) { return v ? fmt::format("{}", *v) : ""; }

}  // namespace

std::vector<nlohmann::json> reportDays(const ReportInput& in) {
  const int n = std::clamp(in.days, 1, kReportMaxDays);
  std::vector<verdict::LocalDay> days{verdict::localDayOf(in.now)};
  while (static_cast<int>(days.size()) < n) days.push_back(verdict::previousDay(days.back()));
  std::reverse(days.begin(), days.end());
  std::vector<nlohmann::json> out;
  for (const auto& d : days)
    out.push_back(verdict::summarizeDay(in.records, d, std::min(in.now, d.end), in.target));
  return out;
}

std::string formatReportTable(const ReportInput& in, const std::vector<nlohmann::json>& days) {
  std::string s;
  s += fmt::format("uplinkprobe report: school {} device {}\n", in.school_id, in.device_id);
  s += fmt::format(
      "target {:.0f} Mbps down (IP capacity, tolerance {:.0f} %); figures over "
      "counted tests\n\n",
      in.target.down_target_mbps, in.target.tolerance_pct);
  //            10    1 5     1 11          1 6      1 7       1 7      1 4   2 7
  s += "date       tests down med/p10   up med  uptime outages  cov  verdict\n";
  bool any_partial = false;
  for (const auto& d : days) {
    const auto& t = d["tests"];
    const std::string tests = fmt::format("{}/{}", t.value("counted", 0), t.value("run", 0));
    const auto med = num(d, {"download", "ip_capacity_mbps", "median"});
    const auto p10 = num(d, {"download", "ip_capacity_mbps", "p10"});
    const std::string down = med ? mbps(med) + "/" + mbps(p10) : "-";
    const auto up = num(d, {"upload", "ip_capacity_mbps", "median"});
    const auto uptime = num(d, {"uptime_pct"});
    const int outage_n = d["outages"].value("count", 0);
    const double outage_s = d["outages"].value("seconds", 0.0);
    const std::string outages =
        outage_n ? fmt::format("{}/{:.0f}m", outage_n, outage_s / 60.0) : "0";
    const double cov = d.value("coverage", 0.0);
    std::string note;
    if (!d.value("complete", true))
      note = " (so far)";
    else if (d.value("partial", false)) {
      note = " *";
      any_partial = true;
    }
    s += fmt::format("{:<10} {:>5} {:>11} {:>6} {:>7} {:>7} {:>3.0f}%  {}{}\n", str(d, "date"),
                     tests, down, mbps(up), uptime ? fmt::format("{:.2f}%", *uptime) : "-", outages,
                     cov * 100.0, verdictWord(d), note);
  }
  if (any_partial)
    s += "* agent not running all day: figures cover the observed share (cov) only\n";

  s += "\nopen alerts:\n";
  const auto& breaches = in.alert_state.value("breaches", nlohmann::json::array());
  if (breaches.empty()) s += "  none\n";
  for (const auto& b : breaches) {
    std::string ev;
    for (const auto& e : b.value("evidence", nlohmann::json::array()))
      if (e.is_string()) ev += " " + e.get<std::string>();
    std::string line = fmt::format("  {} since {}, evidence:{}", str(b, "type"),
                                   b["since"].is_string() ? shortTime(str(b, "since")) : "?", ev);
    if (line.size() > 79) line = line.substr(0, 76) + "...";
    s += line + "\n";
  }

  s += "\nlast tests:\n";
  if (in.last_tests.empty()) s += "  none\n";
  for (const auto& r : in.last_tests) {
    const auto& v = r.value("verdict", nlohmann::json::object());
    std::string judged;
    if (r.contains("error") && r["error"].is_object())
      judged = "error: " + str(r["error"], "kind");
    else if (!v.value("counted", false)) {
      judged = "not counted:";
      for (const auto& u : v.value("unfair_reasons", nlohmann::json::array()))
        if (u.is_string()) judged += " " + u.get<std::string>();
    } else {
      judged = v.value("meets_target", false) ? "meets" : "BELOW";
    }
    std::string line =
        fmt::format("  {} down {:>6} up {:>6} Mbps  {}  [{}]", shortTime(str(r, "ts")),
                    mbps(num(r, {"download", "ip_capacity_mbps"})),
                    mbps(num(r, {"upload", "ip_capacity_mbps"})), judged, str(r, "id"));
    if (line.size() > 79) line = line.substr(0, 76) + "...";
    s += line + "\n";
  }
  return s;
}

std::string formatReportCsv(const std::vector<nlohmann::json>& days) {
  std::string s =
      "date,tests_run,tests_counted,tests_failed,down_median_mbps,down_p10_mbps,"
      "down_min_mbps,down_max_mbps,up_median_mbps,up_p10_mbps,uptime_pct,outages,outage_s,"
      "power_off_s,coverage,partial,complete,meets_target\n";
  for (const auto& d : days) {
    const auto& v = d["verdict"]["meets_target"];
    s += fmt::format(
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", str(d, "date"),
        d["tests"].value("run", 0), d["tests"].value("counted", 0), d["tests"].value("failed", 0),
        csvNum(num(d, {"download", "ip_capacity_mbps", "median"})),
        csvNum(num(d, {"download", "ip_capacity_mbps", "p10"})),
        csvNum(num(d, {"download", "ip_capacity_mbps", "min"})),
        csvNum(num(d, {"download", "ip_capacity_mbps", "max"})),
        csvNum(num(d, {"upload", "ip_capacity_mbps", "median"})),
        csvNum(num(d, {"upload", "ip_capacity_mbps", "p10"})), csvNum(num(d, {"uptime_pct"})),
        d["outages"].value("count", 0), d["outages"].value("seconds", 0.0),
        d.value("power_off_s", 0.0), d.value("coverage", 0.0), d.value("partial", false),
        d.value("complete", false), v.is_boolean() ? (v.get<bool>() ? "true" : "false") : "");
  }
  return s;
}

}  // namespace uplinkprobe::cli
