#include "record/availability_records.h"

#include "common/time_format.h"
#include "record/json_read.h"

namespace uplinkprobe::record {
namespace {

using json = nlohmann::json;
using namespace json_read;  // the tolerant member reads (record/json_read.h)

bool hasKind(const json& r, const char* kind) { return text(r, "kind") == kind; }

// What every interval record (outage, power) needs to mean anything.
struct Interval {
  WallTime start, end;
  double duration_s;
};
std::optional<Interval> interval(const json& r, const char* kind) {
  if (!hasKind(r, kind)) return std::nullopt;
  auto start = time(r, "start"), end = time(r, "end");
  auto duration = number(r, "duration_s");
  if (!start || !end || !duration) return std::nullopt;
  return Interval{*start, *end, *duration};
}

json orNull(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

TargetFigures parseTarget(const json& t) {
  TargetFigures f;
  f.probes = count(t, "probes").value_or(0);
  f.failed = count(t, "failed").value_or(0);
  f.loss_pct = number(t, "loss_pct").value_or(0);
  if (const json* rtt = member(t, "rtt_ms"); rtt != nullptr && rtt->is_object()) {
    auto lo = number(*rtt, "min"), mid = number(*rtt, "median"), hi = number(*rtt, "p95");
    if (lo && mid && hi) f.rtt = TargetFigures::Rtt{*lo, *mid, *hi};
  }
  f.jitter_ms = number(t, "jitter_ms");
  return f;
}

OutageEvidence parseEvidence(const json& e) {
  OutageEvidence ev;
  ev.rounds = count(e, "rounds").value_or(0);
  ev.failed_rounds = count(e, "failed_rounds").value_or(0);
  ev.targets_dropped = count(e, "targets_dropped").value_or(0);
  if (const json* by = member(e, "rounds_by_class"); by != nullptr && by->is_object()) {
    for (const auto& [cls, n] : by->items())
      if (n.is_number_integer() && n.get<int64_t>() >= 0)
        ev.rounds_by_class[cls] = n.get<int64_t>();
  }
  if (const json* probes = member(e, "probes"); probes != nullptr && probes->is_array()) {
    for (const json& p : *probes) {
      if (!p.is_object()) continue;
      ev.probes.push_back({text(p, "target"), count(p, "failed").value_or(0),
                           count(p, "of").value_or(0), text(p, "last_error")});
    }
  }
  return ev;
}

}  // namespace

json AvailabilityRecord::toJson() const {
  json by_target = json::object();
  for (const auto& [name, t] : targets) {
    json j = {{"probes", t.probes}, {"failed", t.failed}, {"loss_pct", t.loss_pct}};
    j["rtt_ms"] =
        t.rtt ? json{{"min", t.rtt->min_ms}, {"median", t.rtt->median_ms}, {"p95", t.rtt->p95_ms}}
              : json(nullptr);
    j["jitter_ms"] = orNull(t.jitter_ms);
    by_target[name] = std::move(j);
  }
  return {{"kind", "availability"},
          {"period_start", formatRfc3339Utc(period_start)},
          {"period_end", formatRfc3339Utc(period_end)},
          {"period_s", period_s},
          {"up_s", up_s},
          {"down_s", down_s},
          {"rounds", rounds},
          {"good_rounds", good_rounds},
          {"targets", std::move(by_target)},
          {"targets_dropped", targets_dropped},
          {"interval_s", interval_s}};
}

std::optional<AvailabilityRecord> parseAvailabilityRecord(const json& r) {
  if (!hasKind(r, "availability")) return std::nullopt;
  auto ps = time(r, "period_start"), pe = time(r, "period_end");
  auto up = number(r, "up_s"), down = number(r, "down_s");
  if (!ps || !pe || !up || !down) return std::nullopt;
  AvailabilityRecord a;
  a.period_start = *ps;
  a.period_end = *pe;
  a.up_s = *up;
  a.down_s = *down;
  a.period_s = number(r, "period_s").value_or(toSeconds(*pe - *ps));
  a.rounds = count(r, "rounds").value_or(0);
  a.good_rounds = count(r, "good_rounds").value_or(0);
  a.targets_dropped = count(r, "targets_dropped").value_or(0);
  a.interval_s = number(r, "interval_s").value_or(0);
  if (const json* t = member(r, "targets"); t != nullptr && t->is_object()) {
    for (const auto& [name, figures] : t->items())
      if (figures.is_object()) a.targets[name] = parseTarget(figures);
  }
  return a;
}

json OutageEvidence::toJson() const {
  json list = json::array();
  for (const Probe& p : probes)
    list.push_back(
        {{"target", p.target}, {"failed", p.failed}, {"of", p.of}, {"last_error", p.last_error}});
  json by_class = json::object();
  for (const auto& [cls, n] : rounds_by_class) by_class[cls] = n;
  return {{"rounds", rounds},
          {"failed_rounds", failed_rounds},
          {"rounds_by_class", std::move(by_class)},
          {"probes", std::move(list)},
          {"targets_dropped", targets_dropped}};
}

json OutageRecord::toJson() const {
  return {{"kind", "outage"},
          {"start", formatRfc3339Utc(start)},
          {"end", formatRfc3339Utc(end)},
          {"duration_s", duration_s},
          {"class", outage_class},
          {"open", false},
          {"restored", restored},
          {"evidence", evidence.toJson()}};
}

std::optional<OutageRecord> parseOutageRecord(const json& r) {
  const auto span = interval(r, "outage");
  if (!span) return std::nullopt;
  OutageRecord o;
  o.start = span->start;
  o.end = span->end;
  o.duration_s = span->duration_s;
  o.outage_class = text(r, "class");
  o.restored = boolean(r, "restored").value_or(false);
  if (const json* e = member(r, "evidence"); e != nullptr && e->is_object())
    o.evidence = parseEvidence(*e);
  return o;
}

json OutageStartedEvent::toJson() const {
  return {{"kind", "event"},
          {"event", "outage_started"},
          {"start", formatRfc3339Utc(start)},
          {"class", outage_class},
          {"failed_rounds", failed_rounds}};
}

std::optional<OutageStartedEvent> parseOutageStartedEvent(const json& r) {
  if (!hasKind(r, "event") || text(r, "event") != "outage_started") return std::nullopt;
  auto start = time(r, "start");
  if (!start) return std::nullopt;
  OutageStartedEvent e;
  e.start = *start;
  e.outage_class = text(r, "class");
  e.failed_rounds = count(r, "failed_rounds").value_or(0);
  return e;
}

json PowerRecord::toJson() const {
  json p = {{"kind", "power"},
            {"start", formatRfc3339Utc(start)},
            {"end", formatRfc3339Utc(end)},
            {"duration_s", duration_s},
            {"cause", cause},
            {"uncertainty_s", uncertainty_s},
            {"clean_shutdown", clean_shutdown}};
  // The schema allows only `true` here: absent means consistent.
  if (clock_inconsistent) p["clock_inconsistent"] = true;
  return p;
}

std::optional<PowerRecord> parsePowerRecord(const json& r) {
  const auto span = interval(r, "power");
  if (!span) return std::nullopt;
  PowerRecord p;
  p.start = span->start;
  p.end = span->end;
  p.duration_s = span->duration_s;
  p.cause = text(r, "cause");
  p.uncertainty_s = number(r, "uncertainty_s").value_or(0);
  p.clean_shutdown = boolean(r, "clean_shutdown").value_or(false);
  p.clock_inconsistent = boolean(r, "clock_inconsistent").value_or(false);
  return p;
}

}  // namespace uplinkprobe::record
