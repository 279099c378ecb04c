#include "collector/web/alert_view.h"

#include <nlohmann/json.hpp>

#include "collector/web/html.h"
#include "record/alert_records.h"

namespace uplinkprobe::collector::web {
namespace {

std::int64_t epochMs(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string rawBlock(Lang lang, std::string_view payload) {
  return "<details><summary>" + esc(tr(lang, "alert.raw")) + "</summary><pre class=\"raw\">" +
         esc(payload) + "</pre></details>";
}

// What the breach is about beyond its type: the availability cause's figures, or the
// throughput target.
std::string detail(Lang lang, const record::AlertState& s, const std::string& type) {
  std::string d;
  if (type == "throughput" && s.target_mbps > 0) {
    d = std::string(tr(lang, "alert.target")) + " " + num1(s.target_mbps) + " " +
        std::string(tr(lang, "unit.mbps"));
  } else if (type == "availability") {
    if (s.open_outage) {
      const std::string cls =
          s.open_outage->outage_class.empty()
              ? std::string()
              : " (" + std::string(tr(lang, "outage." + s.open_outage->outage_class)) + ")";
      d = std::string(tr(lang, "alert.open_outage")) + " " +
          localTime(epochMs(s.open_outage->start)) + cls;
    }
    if (s.low_uptime_day) {
      if (!d.empty()) d += "; ";
      d += std::string(tr(lang, "alert.low_uptime_day")) + " " + *s.low_uptime_day;
    }
  }
  return d.empty() ? "—" : d;
}

}  // namespace

std::string openAlertsHtml(Lang lang, std::string_view alert_state_payload) {
  const auto j = nlohmann::json::parse(alert_state_payload, nullptr, false);
  const auto state = record::parseAlertState(j);
  if (!state || state->breaches.empty()) return rawBlock(lang, alert_state_payload);
  std::string b = "<table><thead><tr><th>" + esc(tr(lang, "alert.kind")) + "</th><th>" +
                  esc(tr(lang, "alert.since")) + "</th><th>" + esc(tr(lang, "alert.evidence")) +
                  "</th><th>" + esc(tr(lang, "alert.detail")) + "</th></tr></thead><tbody>";
  for (const auto& br : state->breaches) {
    const std::string key = "alert." + br.type;
    const std::string_view kind = tr(lang, key);
    b += "<tr><td>" + esc(kind == key ? br.type : kind) + "</td><td>" +
         esc(br.since ? localTime(epochMs(*br.since)) : "—") + "</td><td class=\"n\">" +
         std::to_string(br.evidence.size()) + "</td><td>" + esc(detail(lang, *state, br.type)) +
         "</td></tr>";
  }
  return b + "</tbody></table>" + rawBlock(lang, alert_state_payload);
}

}  // namespace uplinkprobe::collector::web
