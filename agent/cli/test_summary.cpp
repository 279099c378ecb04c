#include "agent/cli/test_summary.h"

#include <fmt/format.h>

#include "common/terminal_text.h"

#include "agent/cli/display_format.h"
#include "agent/cli/i18n.h"
#include "agent/cli/json_fields.h"
#include "agent/cli/message_words.h"
#include "agent/cli/verdict_words.h"

namespace uplinkprobe::cli {
namespace {

bool hasError(const nlohmann::json& j) {
  return j.is_object() && j.contains("error") && j["error"].is_object();
}

std::string directionLines(const std::string& label, const nlohmann::json& d, bool cancelled) {
  if (!d.is_object())
    return cancelled ? wrapLine(label, tr("not measured (cancelled)")) : std::string();
  if (hasError(d)) {
    if (str(d["error"], "kind") == "cancelled")
      return wrapLine(label, outcomeWord(Outcome::kCancelled) + " (Ctrl-C)");
    return wrapLine(label, fmt::format(fmt::runtime(tr("{}: {}")), outcomeWord(Outcome::kError),
                                       str(d["error"], "message")));
  }
  std::string out = wrapLine(label, fmt::format(fmt::runtime(tr("{} goodput = {} IP capacity")),
                                                formatRate(numberAt(d, {"goodput_mbps"})),
                                                formatRate(numberAt(d, {"ip_capacity_mbps"}))));
  const auto streams = numberAt(d, {"streams"});
  out += wrapLine("", fmt::format(fmt::runtime(tr("{} streams, {}, {}, stop: {}, retrans {}")),
                                  streams ? fmt::format("{:.0f}", *streams) : kUnknown,
                                  formatSeconds(numberAt(d, {"duration_s"})),
                                  formatBytes(numberAt(d, {"bytes"})),
                                  str(d, "stop_reason").empty() ? kUnknown : str(d, "stop_reason"),
                                  formatPercent(numberAt(d, {"retransmit_pct"}))));
  return out;
}

// "download 1.00 Gbps IP capacity, needs ≥ 95.0 Mbps (target 100 Mbps, −5 %)"
std::string targetLine(const std::string& dir, std::optional<double> measured,
                       std::optional<double> target, std::optional<double> tol) {
  const double t = target.value_or(0);
  const double floor = t * (1 - tol.value_or(0) / 100);
  return wrapLine("", fmt::format(fmt::runtime(tr("{:<8} {} IP capacity, needs ≥ {} (target {}, "
                                                  "tolerance {})")),
                                  dir, formatRate(measured), formatRate(floor), formatRate(t),
                                  formatPercent(tol)));
}

// A round trip is never 0: a record's 0 is a value below its 0.01 ms resolution.
std::string latency(std::optional<double> ms) {
  if (ms && *ms == 0) return "<0.01 ms";
  return formatMs(ms);
}

// Human summary of a method "udp" record (the TCP summary reads download/upload). Every
// field is looked up, never assumed: the record may come from a journal of another version.
std::string udpSummaryText(const nlohmann::json& rec) {
  std::string out;
  const nlohmann::json& udp = rec["udp"];  // formatTestSummary() checked it is an object
  for (const char* dir : {"download", "upload"}) {
    if (!udp.contains(dir) || !udp[dir].is_object()) continue;
    const nlohmann::json& d = udp[dir];
    const char* label = std::string(dir) == "download" ? tr("UDP download") : tr("UDP upload");
    if (hasError(d)) {
      out +=
          fmt::format("{}: {} {}\n", label, tr("ERROR"), personMessage(str(d["error"], "message")));
      continue;
    }
    const size_t subs = d.contains("sub_intervals") && d["sub_intervals"].is_array()
                            ? d["sub_intervals"].size()
                            : 0;
    out += fmt::format("{}: {:.2f} Mbps {} ({} {:.2f} %, {} {})\n", label,
                       numberAt(d, {"ip_capacity_mbps"}).value_or(0), tr("IP capacity"), tr("loss"),
                       numberAt(d, {"loss_pct"}).value_or(0), subs, tr("sub-intervals"));
  }
  if (rec.contains("verdict") && rec["verdict"].is_object()) {
    const nlohmann::json& v = rec["verdict"];
    if (v.contains("meets_target") && v["meets_target"].is_boolean()) {
      out += fmt::format("{}: {}\n", tr("verdict"),
                         v["meets_target"].get<bool>() ? tr("PASS") : tr("BELOW TARGET"));
    }
  }
  return out;
}

}  // namespace

static std::string summaryText(const nlohmann::json& r) {
  std::string out;
  const TestOutcome o = outcomeOf(r);
  const bool cancelled = o.outcome == Outcome::kCancelled;
  const nlohmann::json srv = r.is_object() && r.contains("server") ? r["server"] : nlohmann::json();
  if (srv.is_object()) {
    std::string s = str(srv, "name");
    if (!str(srv, "url").empty()) s += (s.empty() ? "" : " ") + str(srv, "url");
    std::string how;
    if (auto fam = numberAt(srv, {"ip_family"})) how = fmt::format("IPv{:.0f}", *fam);
    if (!str(srv, "public_ip").empty())
      how += (how.empty() ? "" : ", ") +
             fmt::format(fmt::runtime(tr("seen as {}")), str(srv, "public_ip"));
    if (!how.empty()) s += " (" + how + ")";
    out += wrapLine(tr("server"), s.empty() ? kUnknown : s);
  } else {
    out += wrapLine(tr("server"), kUnknown);
  }
  out += wrapLine(tr("latency"), fmt::format(fmt::runtime(tr("idle {}, under load {}")),
                                             latency(numberAt(r, {"latency", "idle_ms"})),
                                             latency(numberAt(r, {"latency", "loaded_ms"}))));
  out += directionLines(tr("download"), r.value("download", nlohmann::json()), false);
  out += directionLines(tr("upload"), r.value("upload", nlohmann::json()),
                        cancelled && !r.value("upload", nlohmann::json()).is_object() &&
                            r.value("download", nlohmann::json()).is_object());
  const auto cpu = numberAt(r, {"cpu_pct"});
  out +=
      wrapLine(tr("context"), fmt::format(fmt::runtime(tr("competing traffic {}, agent CPU {}")),
                                          formatRate(numberAt(r, {"cross_traffic_mbps"})),
                                          cpu ? fmt::format("{:.0f} %", *cpu) : kUnknown) +
                                  (r.value("client_limited", false) ? tr(", CLIENT-LIMITED") : ""));
  out += wrapLine(tr("verdict"), headline(r));
  if (o.outcome == Outcome::kError) return out;
  const nlohmann::json v =
      r.contains("verdict") && r["verdict"].is_object() ? r["verdict"] : nlohmann::json::object();
  if (o.down_judged)
    out += targetLine(tr("download"), numberAt(v, {"measured_mbps"}), numberAt(v, {"target_mbps"}),
                      numberAt(v, {"tolerance_pct"}));
  if (o.up_judged)
    out += targetLine(tr("upload"), numberAt(v, {"up_measured_mbps"}),
                      numberAt(v, {"up_target_mbps"}), numberAt(v, {"tolerance_pct"}));
  if (v.contains("unfair_reasons") && v["unfair_reasons"].is_array() &&
      !v["unfair_reasons"].empty()) {
    std::string reasons;
    for (const auto& u : v["unfair_reasons"])
      if (u.is_string()) reasons += (reasons.empty() ? "" : ", ") + u.get<std::string>();
    out += wrapLine("", fmt::format(fmt::runtime(tr("not counted towards alerts: {}")), reasons));
  }
  return out;
}

// Server names, URLs, the public IP the server reported and error messages came from outside:
// no control characters reach the terminal.
std::string formatTestSummary(const nlohmann::json& r) {
  const bool udp = r.is_object() && r.value("method", "tcp") == "udp" && r.contains("udp") &&
                   r["udp"].is_object();
  return terminalSafe(udp ? udpSummaryText(r) : summaryText(r));
}

int exitCodeForRecord(const nlohmann::json& r) { return exitCodeFor(outcomeOf(r)); }

}  // namespace uplinkprobe::cli
