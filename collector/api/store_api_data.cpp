#include "collector/api/store_api_data.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "common/time_format.h"

namespace uplinkprobe::collector::api {

namespace {

using nlohmann::json;

std::int64_t systemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json stamp(std::optional<std::int64_t> ms) {
  if (!ms) return nullptr;
  return formatRfc3339Utc(WallTime{} + std::chrono::milliseconds(*ms));
}

template <typename T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

LedgerGrouping grouping(LedgerBy by) {
  switch (by) {
    case LedgerBy::kProvince:
      return LedgerGrouping::kProvince;
    case LedgerBy::kCity:
      return LedgerGrouping::kCity;
    case LedgerBy::kCounty:
      return LedgerGrouping::kCounty;
    case LedgerBy::kCarrier:
      return LedgerGrouping::kCarrier;
    case LedgerBy::kSchool:
      return LedgerGrouping::kSchool;
  }
  return LedgerGrouping::kCounty;
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

json schoolRowToJson(const SchoolLedgerRow& r) {
  return {{"school_id", r.school_id},
          {"name", r.name},
          {"province", r.province},
          {"city", r.city},
          {"county", r.county},
          {"stage", r.stage},
          {"carrier", r.carrier},
          {"access", r.access},
          {"contracted_down_mbps", opt(r.contracted_down_mbps)},
          {"contracted_up_mbps", opt(r.contracted_up_mbps)},
          {"state", schoolStateName(r.state)},
          {"devices", r.devices},
          {"last_seen", stamp(r.last_seen_ms)},
          {"last_counted_test", stamp(r.last_counted_test_ms)},
          {"tests", r.tests},
          {"median_down_mbps", opt(r.median_down_mbps)},
          {"p10_down_mbps", opt(r.p10_down_mbps)},
          {"median_up_mbps", opt(r.median_up_mbps)},
          {"p10_up_mbps", opt(r.p10_up_mbps)},
          {"share_at_target", opt(r.share_at_target)},
          {"uptime_school_hours", opt(r.uptime_school_hours)},
          {"open_alerts", r.open_alerts},
          {"meets_target", opt(r.meets_target)},
          {"below_contract", opt(r.below_contract)},
          {"missing_seq", r.missing_seq},
          {"gap_announced", r.gap_announced}};
}

json ledgerToJson(const Ledger& l) {
  json j = {{"by", ledgerGroupingName(l.by)},
            {"computed_at", stamp(l.computed_at_ms)},
            {"days", l.days},
            {"target_mbps", l.target_mbps}};
  if (l.by == LedgerGrouping::kSchool) {
    json rows = json::array();
    for (const auto& s : l.schools) rows.push_back(schoolRowToJson(s));
    j["schools"] = std::move(rows);
  } else {
    json rows = json::array();
    for (const auto& g : l.groups) {
      rows.push_back({{"group", g.group},
                      {"schools", g.schools},
                      {"reporting", g.reporting},
                      {"reporting_pct", g.reporting_pct},
                      {"meeting_target", g.meeting_target},
                      {"meeting_target_pct", g.meeting_target_pct},
                      {"below_contract", g.below_contract},
                      {"open_alerts", g.open_alerts}});
    }
    j["groups"] = std::move(rows);
  }
  json unknown = json::array();
  for (const auto& u : l.unknown_school_devices) {
    unknown.push_back({{"device_id", u.device_id},
                       {"school_id", u.school_id},
                       {"last_seen", stamp(u.last_seen_ms)}});
  }
  j["unknown_school_devices"] = std::move(unknown);
  return j;
}

StoreApiData::StoreApiData(std::unique_ptr<db::Database> db, StoreApiDataOptions options)
    : db_(std::move(db)), options_(std::move(options)) {
  if (!options_.now_ms) options_.now_ms = systemNowMs;
}

std::int64_t StoreApiData::nowMs() const { return options_.now_ms(); }

Result<Ledger> StoreApiData::compute(LedgerGrouping by, int days, const std::string& school_id,
                                     const auth::Scope& scope) {
  LedgerOptions o = options_.ledger;
  o.days = days;
  o.now_ms = nowMs();
  o.school_id = school_id;
  o.city = scope.city;
  o.county = scope.county;
  return computeLedger(*db_, by, o);
}

Status StoreApiData::health() {
  std::lock_guard<std::mutex> lock(mu_);
  auto r = db_->query("SELECT 1");
  if (!r) return r.error();
  return Status::Ok();
}

Result<std::string> StoreApiData::ledgerJson(const LedgerQuery& q) {
  std::lock_guard<std::mutex> lock(mu_);
  auto l = compute(grouping(q.by), q.days, "", q.scope);
  if (!l) return l.error();
  return dump(ledgerToJson(*l));
}

Result<std::optional<std::string>> StoreApiData::schoolJson(std::string_view school_id) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string id(school_id);
  auto l = compute(LedgerGrouping::kSchool, options_.ledger.days, id);
  if (!l) return l.error();
  const SchoolLedgerRow* row = nullptr;
  for (const auto& s : l->schools) {
    if (s.school_id == id) row = &s;
  }
  json j;
  if (row) {
    j = schoolRowToJson(*row);
    j["in_registry"] = true;
  } else {
    // Not in the registry: known only if a device reports it (listed, never dropped).
    j = {{"school_id", id}, {"in_registry", false}};
  }
  j["computed_at"] = stamp(l->computed_at_ms);
  j["days"] = l->days;
  j["target_mbps"] = l->target_mbps;

  auto devices = db_->query(
      "SELECT device_id, first_seen_ms, last_seen_ms, status_state, agent_version, open_alerts "
      "FROM devices WHERE school_id = ? ORDER BY device_id",
      {id});
  if (!devices) return devices.error();
  json dev = json::array();
  for (const auto& r : devices->rows) {
    dev.push_back({{"device_id", db::asText(r[0]).value_or("")},
                   {"first_seen", stamp(db::asInt(r[1]))},
                   {"last_seen", stamp(db::asInt(r[2]))},
                   {"status", opt(db::asText(r[3]))},
                   {"agent_version", opt(db::asText(r[4]))},
                   {"open_alerts", db::asInt(r[5]).value_or(0)}});
  }
  if (!row && dev.empty()) return std::optional<std::string>();
  j["device_list"] = std::move(dev);

  auto journals = db_->query(
      "SELECT device_id, journal_id, min_seq, max_seq, stored, gap_announced, first_ms, last_ms "
      "FROM journals WHERE school_id = ? ORDER BY device_id, first_ms",
      {id});
  if (!journals) return journals.error();
  json jr = json::array();
  for (const auto& r : journals->rows) {
    std::int64_t min = db::asInt(r[2]).value_or(0), max = db::asInt(r[3]).value_or(0);
    std::int64_t stored = db::asInt(r[4]).value_or(0);
    jr.push_back({{"device_id", db::asText(r[0]).value_or("")},
                  {"journal_id", db::asText(r[1]).value_or("")},
                  {"min_seq", min},
                  {"max_seq", max},
                  {"stored", stored},
                  {"missing", max - min + 1 - stored},
                  {"gap_announced", db::asInt(r[5]).value_or(0)},
                  {"first", stamp(db::asInt(r[6]))},
                  {"last", stamp(db::asInt(r[7]))}});
  }
  j["journals"] = std::move(jr);
  return std::optional<std::string>(dump(j));
}

Result<std::optional<std::vector<std::string>>> StoreApiData::records(const RecordsQuery& q) {
  std::lock_guard<std::mutex> lock(mu_);
  auto known = db_->query(
      "SELECT 1 FROM schools WHERE school_id = ? UNION ALL "
      "SELECT 1 FROM devices WHERE school_id = ? LIMIT 1",
      {q.school_id, q.school_id});
  if (!known) return known.error();
  if (known->empty()) return std::optional<std::vector<std::string>>();

  // One statement text per filter combination (prepared statements are cached by text).
  std::string sql = "SELECT payload FROM records WHERE school_id = ?";
  db::Params params{q.school_id};
  if (q.kind) {
    sql += " AND kind = ?";
    params.emplace_back(*q.kind);
  }
  if (q.since_ms) {
    sql += " AND ts_ms >= ?";
    params.emplace_back(*q.since_ms);
  }
  sql += " ORDER BY ts_ms, device_id, journal_id, seq LIMIT ?";
  params.emplace_back(static_cast<std::int64_t>(q.limit));
  auto rows = db_->query(sql, params);
  if (!rows) return rows.error();
  std::vector<std::string> out;
  out.reserve(rows->size());
  for (auto& r : rows->rows) {
    if (auto* s = std::get_if<std::string>(&r[0])) out.push_back(std::move(*s));
  }
  return std::optional<std::vector<std::string>>(std::move(out));
}

Result<std::string> StoreApiData::ledgerExport(const LedgerQuery& q, ExportFormat format) {
  if (!options_.exporter) {
    return makeError(ErrorKind::kExport, "no ledger exporter is wired into this collector build");
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto l = compute(grouping(q.by), q.days, "", q.scope);
  if (!l) return l.error();
  return options_.exporter(*l, format);
}

Result<std::optional<SchoolPlace>> StoreApiData::schoolPlace(std::string_view school_id) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string id(school_id);
  auto reg = db_->query("SELECT city, county FROM schools WHERE school_id = ?", {id});
  if (!reg) return reg.error();
  if (!reg->empty()) {
    return std::optional<SchoolPlace>(SchoolPlace{db::asText(reg->rows[0][0]).value_or(""),
                                                  db::asText(reg->rows[0][1]).value_or("")});
  }
  auto dev = db_->query("SELECT 1 FROM devices WHERE school_id = ? LIMIT 1", {id});
  if (!dev) return dev.error();
  if (dev->empty()) return std::optional<SchoolPlace>();
  return std::optional<SchoolPlace>(SchoolPlace{});
}

void StoreApiData::writeMetrics(MetricsText& out) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::int64_t now = nowMs();
  const std::int64_t ttl_ms = std::chrono::milliseconds(options_.gauge_ttl).count();
  if (!gauges_.ok || now - gauges_.computed_ms >= ttl_ms || now < gauges_.computed_ms) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::pair<std::string, Ledger>> levels;
    bool ok = true;
    for (LedgerGrouping g : {LedgerGrouping::kProvince, LedgerGrouping::kCity,
                             LedgerGrouping::kCounty, LedgerGrouping::kCarrier}) {
      auto l = compute(g, options_.ledger.days, "");
      if (!l) {
        spdlog::warn("metrics: region gauges not computed: {}", l.error().message);
        ok = false;
        break;
      }
      levels.emplace_back(ledgerGroupingName(g), std::move(*l));
    }
    if (ok) {
      gauges_.by_level = std::move(levels);
      gauges_.computed_ms = now;
      gauges_.compute_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      gauges_.ok = true;
    }
  }
  if (!gauges_.ok) return;  // never computed: no region families rather than zeros
  using T = MetricsText::Type;
  struct Family {
    const char* name;
    const char* help;
    double (*value)(const GroupLedgerRow&);
  };
  const Family families[] = {
      {"uplinkprobe_collector_region_schools", "Registry schools per region or carrier.",
       [](const GroupLedgerRow& g) { return static_cast<double>(g.schools); }},
      {"uplinkprobe_collector_region_reporting_ratio",
       "Share (0-1) of the region's registry schools with a live device.",
       [](const GroupLedgerRow& g) { return g.reporting_pct / 100.0; }},
      {"uplinkprobe_collector_region_meeting_target_ratio",
       "Share (0-1) of the region's registry schools whose median download meets the target.",
       [](const GroupLedgerRow& g) { return g.meeting_target_pct / 100.0; }},
      {"uplinkprobe_collector_region_open_alerts", "Open alerts of the region's schools.",
       [](const GroupLedgerRow& g) { return static_cast<double>(g.open_alerts); }},
  };
  for (const auto& f : families) {
    out.family(f.name, T::kGauge, f.help);
    for (const auto& [level, ledger] : gauges_.by_level) {
      for (const auto& g : ledger.groups) {
        out.sample(f.value(g), {{"level", level}, {"region", g.group.empty() ? "未填" : g.group}});
      }
    }
  }
  out.gauge("uplinkprobe_collector_ledger_compute_seconds",
            "Seconds the last computation of the region gauges took (cached for the TTL).",
            gauges_.compute_seconds);
}

}  // namespace uplinkprobe::collector::api
