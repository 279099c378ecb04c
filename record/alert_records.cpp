#include "record/alert_records.h"

#include <algorithm>

#include "common/time_format.h"
#include "record/json_read.h"

namespace uplinkprobe::record {
namespace {

using json = nlohmann::json;
using namespace json_read;  // the tolerant member reads (record/json_read.h)

json timeOrNull(const std::optional<WallTime>& t) {
  return t ? json(formatRfc3339Utc(*t)) : json(nullptr);
}
json textOrNull(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

// A kind named otherwise is another record; a body without "kind" (as the engine hands it
// out before the factory wraps it) is read as this kind.
bool kindIs(const json& r, const char* kind) {
  return member(r, "kind") == nullptr || text(r, "kind") == kind;
}

std::optional<std::string> optionalText(const json& r, const char* key) {
  const json* v = member(r, key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return v->get<std::string>();
}

std::vector<std::string> idList(const json& r, const char* key) {
  std::vector<std::string> ids;
  if (const json* list = member(r, key); list != nullptr && list->is_array())
    for (const json& id : *list)
      if (id.is_string() && ids.size() < kMaxAlertEvidence) ids.push_back(id.get<std::string>());
  return ids;
}

json idsJson(const std::vector<std::string>& ids) {
  json out = json::array();
  for (const auto& id : ids) {
    if (out.size() >= kMaxAlertEvidence) break;
    out.push_back(id);
  }
  return out;
}

json ruleJson(const BreachRule& r) {
  return {{"breach_after", r.breach_after},
          {"breach_window", r.breach_window},
          {"clear_after", r.clear_after}};
}

std::optional<BreachRule> parseRule(const json& r) {
  const json* rule = member(r, "rule");
  if (rule == nullptr || !rule->is_object()) return std::nullopt;
  return BreachRule{count(*rule, "breach_after").value_or(0),
                    count(*rule, "breach_window").value_or(0),
                    count(*rule, "clear_after").value_or(0)};
}

}  // namespace

json AlertRecord::toJson() const {
  json b = {{"kind", "alert"},
            {"alert", opened ? "breach_opened" : "breach_closed"},
            {"type", type},
            {"evidence", idsJson(evidence)},
            {"since", timeOrNull(since)}};
  if (!opened) b["opened_alert_id"] = textOrNull(opened_alert_id);
  if (reconciled) b["reconciled"] = true;
  if (!cause.empty()) b["cause"] = cause;
  if (throughput) {
    json measured = json::array();
    for (double m : throughput->measured_mbps) {
      if (measured.size() >= kMaxAlertEvidence) break;
      measured.push_back(m);
    }
    b["target_mbps"] = throughput->target_mbps;
    b["measured_mbps"] = std::move(measured);
    if (throughput->rule) b["rule"] = ruleJson(*throughput->rule);
  }
  if (long_outage) {
    const LongOutageFigures& f = *long_outage;
    b["class"] = f.outage_class;
    if (f.start) b["start"] = formatRfc3339Utc(*f.start);
    if (f.end) b["end"] = formatRfc3339Utc(*f.end);
    if (f.duration_s) b["duration_s"] = *f.duration_s;
    if (f.open_for_s) b["open_for_s"] = *f.open_for_s;
    if (f.as_of) b["as_of"] = formatRfc3339Utc(*f.as_of);
    b["outage_alert_minutes"] = f.outage_alert_minutes;
  }
  if (low_uptime) {
    b["date"] = low_uptime->date;
    b["uptime_pct"] = low_uptime->uptime_pct;
    b["coverage"] = low_uptime->coverage ? json(*low_uptime->coverage) : json(nullptr);
    b["min_daily_uptime_pct"] = low_uptime->min_daily_uptime_pct;
  }
  return b;
}

std::optional<double> AlertRecord::medianMeasuredMbps() const {
  if (!throughput || throughput->measured_mbps.empty()) return std::nullopt;
  std::vector<double> v = throughput->measured_mbps;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::optional<AlertRecord> parseAlertRecord(const json& r) {
  if (!r.is_object() || !kindIs(r, "alert")) return std::nullopt;
  const std::string alert = text(r, "alert");
  AlertRecord a;
  if (alert == "breach_opened") {
    a.opened = true;
  } else if (alert == "breach_closed") {
    a.opened = false;
  } else {
    return std::nullopt;
  }
  a.type = text(r, "type");
  if (a.type.empty()) return std::nullopt;
  a.id = text(r, "id");
  a.evidence = idList(r, "evidence");
  a.since = time(r, "since");
  a.opened_alert_id = optionalText(r, "opened_alert_id");
  a.reconciled = boolean(r, "reconciled").value_or(false);
  a.cause = text(r, "cause");
  if (a.type == "throughput" && member(r, "target_mbps") != nullptr) {
    ThroughputAlertFigures f;
    f.target_mbps = number(r, "target_mbps").value_or(0);
    if (const json* m = member(r, "measured_mbps"); m != nullptr && m->is_array())
      for (const json& v : *m)
        if (v.is_number() && f.measured_mbps.size() < kMaxAlertEvidence)
          f.measured_mbps.push_back(v.get<double>());
    f.rule = parseRule(r);
    a.throughput = std::move(f);
  }
  if (a.cause == "long_outage" && member(r, "outage_alert_minutes") != nullptr) {
    LongOutageFigures f;
    f.outage_class = text(r, "class");
    f.start = time(r, "start");
    f.end = time(r, "end");
    f.duration_s = number(r, "duration_s");
    f.open_for_s = number(r, "open_for_s");
    f.as_of = time(r, "as_of");
    f.outage_alert_minutes = number(r, "outage_alert_minutes").value_or(0);
    a.long_outage = std::move(f);
  }
  if (a.cause == "low_uptime" && member(r, "date") != nullptr) {
    a.low_uptime =
        LowUptimeFigures{text(r, "date"), number(r, "uptime_pct").value_or(0),
                         number(r, "coverage"), number(r, "min_daily_uptime_pct").value_or(0)};
  }
  return a;
}

json AlertState::toJson() const {
  json open = json::array();
  for (const Breach& b : breaches)
    open.push_back({{"type", b.type},
                    {"opened_alert_id", textOrNull(b.opened_alert_id)},
                    {"since", timeOrNull(b.since)},
                    {"evidence", idsJson(b.evidence)}});
  json win = json::array();
  for (const WindowEntry& w : window) win.push_back({{"id", w.id}, {"good", w.good}});
  json outage = nullptr;
  if (open_outage)
    outage = {{"start", formatRfc3339Utc(open_outage->start)},
              {"class", open_outage->outage_class},
              {"event_id", open_outage->event_id}};
  return {{"kind", "alert_state"},
          {"open", !breaches.empty()},
          {"breaches", std::move(open)},
          {"as_of_seq", as_of_seq},
          {"throughput",
           {{"open", throughput_open},
            {"target_mbps", target_mbps},
            {"window", std::move(win)},
            {"bad_in_window", bad_in_window},
            {"good_streak", good_streak},
            {"rule", ruleJson(rule)}}},
          {"availability",
           {{"open", availability_open},
            {"open_outage", std::move(outage)},
            {"long_outage", long_outage},
            {"low_uptime_day", textOrNull(low_uptime_day)},
            {"outage_alert_minutes", outage_alert_minutes},
            {"min_daily_uptime_pct", min_daily_uptime_pct}}}};
}

std::optional<AlertState> parseAlertState(const json& r) {
  if (!r.is_object() || !kindIs(r, "alert_state")) return std::nullopt;
  const json* list = member(r, "breaches");
  if (list == nullptr || !list->is_array()) return std::nullopt;
  AlertState s;
  for (const json& b : *list) {
    if (!b.is_object() || text(b, "type").empty()) continue;
    s.breaches.push_back({text(b, "type"), optionalText(b, "opened_alert_id"), time(b, "since"),
                          idList(b, "evidence")});
  }
  if (auto seq = count(r, "as_of_seq")) s.as_of_seq = static_cast<uint64_t>(*seq);
  if (const json* t = member(r, "throughput"); t != nullptr && t->is_object()) {
    s.throughput_open = boolean(*t, "open").value_or(false);
    s.target_mbps = number(*t, "target_mbps").value_or(0);
    if (const json* w = member(*t, "window"); w != nullptr && w->is_array())
      for (const json& e : *w)
        if (e.is_object()) s.window.push_back({text(e, "id"), boolean(e, "good").value_or(false)});
    s.bad_in_window = count(*t, "bad_in_window").value_or(0);
    s.good_streak = count(*t, "good_streak").value_or(0);
    s.rule = parseRule(*t).value_or(BreachRule{});
  }
  if (const json* a = member(r, "availability"); a != nullptr && a->is_object()) {
    s.availability_open = boolean(*a, "open").value_or(false);
    if (const json* o = member(*a, "open_outage"); o != nullptr && o->is_object())
      if (auto start = time(*o, "start"))
        s.open_outage = AlertState::OpenOutage{*start, text(*o, "class"), text(*o, "event_id")};
    s.long_outage = boolean(*a, "long_outage").value_or(false);
    s.low_uptime_day = optionalText(*a, "low_uptime_day");
    s.outage_alert_minutes = number(*a, "outage_alert_minutes").value_or(0);
    s.min_daily_uptime_pct = number(*a, "min_daily_uptime_pct").value_or(0);
  }
  return s;
}

}  // namespace uplinkprobe::record
