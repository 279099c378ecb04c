#include "collector/web/web_data.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "record/throughput_record.h"

namespace uplinkprobe::collector::web {

namespace {
std::optional<double> jnum(const nlohmann::json& j, const char* a, const char* b) {
  auto ia = j.find(a);
  if (ia == j.end() || !ia->is_object()) return std::nullopt;
  auto ib = ia->find(b);
  if (ib == ia->end() || !ib->is_number()) return std::nullopt;
  return ib->get<double>();
}
}  // namespace

WebData::WebData(std::unique_ptr<db::Database> db, LedgerOptions base, std::chrono::seconds ttl)
    : db_(std::move(db)), base_(std::move(base)), ttl_(ttl) {}

std::int64_t WebData::nowMs() const {
  if (base_.now_ms) return base_.now_ms;
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {
Result<std::shared_ptr<const Ledger>> computeProvince(db::Database& db, const LedgerOptions& base,
                                                      int days, std::int64_t now) {
  LedgerOptions o = base;
  o.days = days;
  o.now_ms = now;
  auto l = computeLedger(db, LedgerGrouping::kSchool, o);
  if (!l) return l.error();
  return std::shared_ptr<const Ledger>(std::make_shared<const Ledger>(std::move(*l)));
}

std::string sinceDay(std::int64_t now_ms, int days, const LedgerOptions& o) {
  const LocalClock local = o.local_clock ? o.local_clock : LocalClock(processLocalStamp);
  return local(now_ms - std::int64_t{days - 1} * 86400000).date;
}

Result<std::shared_ptr<const std::map<std::string, BelowRun>>> computeBelowRuns(
    db::Database& db, const LedgerOptions& base, int days, std::int64_t now);

Result<std::shared_ptr<const std::vector<TrendDay>>> computeTrend(db::Database& db,
                                                                  const LedgerOptions& base,
                                                                  int days, std::int64_t now) {
  auto v = std::make_shared<std::vector<TrendDay>>();
  auto st = db.scan(
      "SELECT day, COUNT(*), SUM(CASE WHEN 2 * tests_at_target >= tests_counted THEN 1 ELSE 0 "
      "END) FROM school_days WHERE day >= ? AND tests_counted > 0 GROUP BY day ORDER BY day",
      {sinceDay(now, days, base)}, [&](const db::RowView& r) {
        v->push_back({std::string(r.text(0)), r.integer(1).value_or(0), r.integer(2).value_or(0)});
      });
  if (!st) return st.error();
  return std::shared_ptr<const std::vector<TrendDay>>(std::move(v));
}
}  // namespace

WebData::~WebData() {
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

bool WebData::usable(std::int64_t at_ms, std::int64_t now, bool refreshed) const {
  const std::int64_t ttl = ttl_.count() * 1000;
  return now >= at_ms && now - at_ms < (refreshed ? 3 * ttl : ttl);
}

void WebData::startRefresher(std::unique_ptr<db::Database> db, int days, int trend_days) {
  refresh_db_ = std::move(db);
  refresh_days_ = days;
  refresh_trend_days_ = trend_days;
  refresher_ = std::thread([this] { refreshLoop(); });
}

void WebData::refreshLoop() {
  std::unique_lock<std::mutex> lock(cache_mu_);
  while (!stop_) {
    lock.unlock();
    const std::int64_t now = nowMs();
    auto l = computeProvince(*refresh_db_, base_, refresh_days_, now);
    auto t = computeTrend(*refresh_db_, base_, refresh_trend_days_, now);
    auto r = computeBelowRuns(*refresh_db_, base_, refresh_days_, now);
    if (!r) spdlog::warn("web: below-target runs refresh failed: {}", r.error().message);
    if (!l) spdlog::warn("web: ledger refresh failed: {}", l.error().message);
    if (!t) spdlog::warn("web: trend refresh failed: {}", t.error().message);
    lock.lock();
    if (l) cache_[refresh_days_] = {now, *l};
    if (t) trend_cache_[refresh_trend_days_] = {now, *t};
    if (r) runs_cache_[refresh_days_] = {now, *r};
    stop_cv_.wait_for(lock, ttl_ / 2, [this] { return stop_; });
  }
}

Result<std::shared_ptr<const Ledger>> WebData::ledger(int days) {
  const std::int64_t now = nowMs();
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = cache_.find(days);
    if (it != cache_.end() && it->second.ledger &&
        usable(it->second.at_ms, now, days == refresh_days_))
      return it->second.ledger;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto l = computeProvince(*db_, base_, days, now);
  if (!l) return l.error();
  std::lock_guard<std::mutex> cl(cache_mu_);
  cache_[days] = {now, *l};
  return *l;
}

Result<std::optional<SchoolDetail>> WebData::school(const std::string& id, int days) {
  std::lock_guard<std::mutex> lock(mu_);
  SchoolDetail d;
  d.to_ms = nowMs();
  d.from_ms = d.to_ms - std::int64_t{days} * 86400000;
  LedgerOptions o = base_;
  o.days = days;
  o.now_ms = d.to_ms;
  o.school_id = id;
  auto l = computeLedger(*db_, LedgerGrouping::kSchool, o);
  if (!l) return l.error();
  for (auto& s : l->schools) {
    if (s.school_id == id) {
      d.row = s;
      d.in_registry = true;
    }
  }
  if (!d.in_registry) d.row.school_id = id;

  auto dev = db_->query(
      "SELECT d.device_id, d.status_state, d.agent_version, d.last_seen_ms, d.status_ts_ms, "
      "d.open_alerts, d.alert_state_payload, d.alert_state_ts_ms, a.acked_by, a.acked_ms, a.note, "
      "d.status_payload "
      "FROM devices d LEFT JOIN alert_acks a ON a.device_id = d.device_id AND "
      "a.alert_state_ts_ms = d.alert_state_ts_ms WHERE d.school_id = ? ORDER BY d.device_id",
      {id});
  if (!dev) return dev.error();
  for (const auto& r : dev->rows) {
    DeviceRow x;
    x.device_id = db::asText(r[0]).value_or("");
    x.status = db::asText(r[1]).value_or("");
    x.agent_version = db::asText(r[2]).value_or("");
    x.last_seen_ms = db::asInt(r[3]);
    x.status_ts_ms = db::asInt(r[4]);
    x.open_alerts = db::asInt(r[5]).value_or(0);
    x.alert_state_payload = db::asText(r[6]).value_or("");
    x.alert_state_ts_ms = db::asInt(r[7]);
    x.acked_by = db::asText(r[8]).value_or("");
    x.acked_ms = db::asInt(r[9]);
    x.ack_note = db::asText(r[10]).value_or("");
    auto status = nlohmann::json::parse(db::asText(r[11]).value_or("{}"), nullptr, false);
    if (status.is_object()) {
      auto h = status.find("config_hash");
      if (h != status.end() && h->is_string()) x.config_hash = h->get<std::string>().substr(0, 64);
    }
    d.devices.push_back(std::move(x));
  }
  if (!d.in_registry && d.devices.empty()) return std::optional<SchoolDetail>();

  auto tests = db_->query(
      "SELECT ts_ms, payload FROM records WHERE school_id = ? AND kind = 'throughput' AND ts_ms >= "
      "? AND ts_ms <= ? ORDER BY ts_ms LIMIT ?",
      {id, d.from_ms, d.to_ms, static_cast<std::int64_t>(kMaxPoints)});
  if (!tests) return tests.error();
  for (const auto& r : tests->rows) {
    TestPoint p;
    p.ts_ms = db::asInt(r[0]).value_or(0);
    auto j = nlohmann::json::parse(db::asText(r[1]).value_or("{}"), nullptr, false);
    if (j.is_object()) {
      p.down = record::parseThroughputRecord(j).capacity("download");
      p.up = record::parseThroughputRecord(j).capacity("upload");
      p.idle_ms = jnum(j, "latency", "idle_ms");
      p.loaded_ms = jnum(j, "latency", "loaded_ms");
      if (auto v = j.find("verdict"); v != j.end() && v->is_object()) {
        auto c = v->find("counted");
        p.counted = c != v->end() && c->is_boolean() && c->get<bool>();
      }
      if (auto e = j.find("error"); e != j.end() && e->is_object()) {
        auto k = e->find("kind");
        p.error = k != e->end() && k->is_string() ? k->get<std::string>() : "error";
      }
    }
    d.tests.push_back(std::move(p));
  }

  auto out = db_->query(
      "SELECT start_ms, end_ms, duration_s, class FROM outages WHERE school_id = ? AND end_ms >= "
      "? AND start_ms <= ? ORDER BY start_ms LIMIT ?",
      {id, d.from_ms, d.to_ms, static_cast<std::int64_t>(kMaxPoints)});
  if (!out) return out.error();
  for (const auto& r : out->rows) {
    d.outages.push_back({db::asInt(r[0]).value_or(0), db::asInt(r[1]).value_or(0),
                         db::asDouble(r[2]).value_or(0), db::asText(r[3]).value_or("")});
  }

  auto jr = db_->query(
      "SELECT device_id, journal_id, min_seq, max_seq, stored FROM journals WHERE school_id = ? "
      "ORDER BY device_id, first_ms",
      {id});
  if (!jr) return jr.error();
  for (const auto& r : jr->rows) {
    JournalRow j;
    j.device_id = db::asText(r[0]).value_or("");
    j.journal_id = db::asText(r[1]).value_or("");
    j.min_seq = db::asInt(r[2]).value_or(0);
    j.max_seq = db::asInt(r[3]).value_or(0);
    j.stored = db::asInt(r[4]).value_or(0);
    j.missing = j.max_seq - j.min_seq + 1 - j.stored;
    d.journals.push_back(std::move(j));
  }

  // The latest records of any kind, newest first (the records table has an index on
  // (school_id, kind, ts_ms): one bounded query per kind would also do; the school's window
  // keeps this scan small).
  auto recent = db_->query(
      "SELECT ts_ms, kind, device_id || ':' || journal_id || ':' || seq, payload FROM records "
      "WHERE school_id = ? AND ts_ms >= ? ORDER BY ts_ms DESC LIMIT ?",
      {id, d.from_ms, static_cast<std::int64_t>(kRecentRecords)});
  if (!recent) return recent.error();
  for (const auto& r : recent->rows) {
    RawRecord x;
    x.ts_ms = db::asInt(r[0]).value_or(0);
    x.kind = db::asText(r[1]).value_or("");
    x.id = db::asText(r[2]).value_or("");
    x.payload = db::asText(r[3]).value_or("");
    d.recent.push_back(std::move(x));
  }
  // Clock state per device: from its latest record.
  for (auto& dv : d.devices) {
    for (const auto& r : d.recent) {
      if (r.id.rfind(dv.device_id + ":", 0) != 0) continue;
      auto j = nlohmann::json::parse(r.payload, nullptr, false);
      if (j.is_object()) {
        auto c = j.find("clock_synced");
        if (c != j.end() && c->is_boolean()) dv.clock_synced = c->get<bool>();
      }
      break;
    }
  }
  return std::optional<SchoolDetail>(std::move(d));
}

Result<std::vector<RawRecord>> WebData::evidence(const std::string& id, std::int64_t from_ms,
                                                 std::int64_t to_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  auto rows = db_->query(
      "SELECT ts_ms, kind, device_id || ':' || journal_id || ':' || seq, payload FROM records "
      "WHERE school_id = ? AND ts_ms >= ? AND ts_ms <= ? ORDER BY ts_ms, device_id, journal_id, "
      "seq LIMIT ?",
      {id, from_ms, to_ms, static_cast<std::int64_t>(kMaxPoints)});
  if (!rows) return rows.error();
  std::vector<RawRecord> out;
  for (const auto& r : rows->rows) {
    out.push_back({db::asInt(r[0]).value_or(0), db::asText(r[1]).value_or(""),
                   db::asText(r[2]).value_or(""), db::asText(r[3]).value_or("")});
  }
  return out;
}

Result<std::map<std::string, std::vector<DayMark>>> WebData::dailyMarks(const std::string& city,
                                                                        const std::string& county,
                                                                        int days) {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::vector<DayMark>> out;
  auto st = db_->scan(
      "SELECT d.school_id, d.day, d.tests_counted, d.tests_at_target FROM school_days d JOIN "
      "schools s ON s.school_id = d.school_id WHERE s.city = ? AND s.county = ? AND d.day >= ? "
      "ORDER BY d.school_id, d.day",
      {city, county, sinceDay(nowMs(), days, base_)}, [&](const db::RowView& r) {
        out[std::string(r.text(0))].push_back(
            {std::string(r.text(1)), r.integer(2).value_or(0), r.integer(3).value_or(0)});
      });
  if (!st) return st.error();
  return out;
}

namespace {
Result<std::shared_ptr<const std::map<std::string, BelowRun>>> computeBelowRuns(
    db::Database& db, const LedgerOptions& base, int days, std::int64_t now) {
  auto out_ptr = std::make_shared<std::map<std::string, BelowRun>>();
  auto& out = *out_ptr;
  std::string current;
  BelowRun run;
  auto flush = [&] {
    if (!current.empty() && run.days > 0) out[current] = run;
  };
  auto st = db.scan(
      "SELECT school_id, day, tests_counted, tests_at_target FROM school_days WHERE day >= ? AND "
      "tests_counted > 0 ORDER BY school_id, day",
      {sinceDay(now, days, base)}, [&](const db::RowView& r) {
        std::string_view id = r.text(0);
        if (id != current) {
          flush();
          current = std::string(id);
          run = BelowRun{};
        }
        DayMark m{std::string(r.text(1)), r.integer(2).value_or(0), r.integer(3).value_or(0)};
        if (m.below()) {
          if (run.days == 0) run.since = m.day;
          ++run.days;
        } else {
          run = BelowRun{};
        }
      });
  if (!st) return st.error();
  flush();
  return std::shared_ptr<const std::map<std::string, BelowRun>>(std::move(out_ptr));
}
}  // namespace

Result<std::shared_ptr<const std::map<std::string, BelowRun>>> WebData::belowRuns(int days) {
  const std::int64_t now = nowMs();
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = runs_cache_.find(days);
    if (it != runs_cache_.end() && it->second.runs &&
        usable(it->second.at_ms, now, days == refresh_days_))
      return it->second.runs;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto r = computeBelowRuns(*db_, base_, days, now);
  if (!r) return r.error();
  std::lock_guard<std::mutex> cl(cache_mu_);
  runs_cache_[days] = {now, *r};
  return *r;
}

Result<std::shared_ptr<const std::vector<TrendDay>>> WebData::trend(int days) {
  const std::int64_t now = nowMs();
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    auto it = trend_cache_.find(days);
    if (it != trend_cache_.end() && it->second.days &&
        usable(it->second.at_ms, now, days == refresh_trend_days_))
      return it->second.days;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto t = computeTrend(*db_, base_, days, now);
  if (!t) return t.error();
  std::lock_guard<std::mutex> cl(cache_mu_);
  trend_cache_[days] = {now, *t};
  return *t;
}

Result<AckResult> WebData::acknowledge(const std::string& school_id, const std::string& device_id,
                                       std::int64_t state_ts_ms, const std::string& user,
                                       const std::string& note) {
  std::lock_guard<std::mutex> lock(mu_);
  auto dev = db_->query(
      "SELECT alert_state_ts_ms, open_alerts FROM devices WHERE device_id = ? AND school_id = ?",
      {device_id, school_id});
  if (!dev) return dev.error();
  if (dev->empty()) return AckResult::kUnknownDevice;
  if (db::asInt(dev->rows[0][0]) != state_ts_ms || db::asInt(dev->rows[0][1]).value_or(0) == 0)
    return AckResult::kStale;
  auto n = db_->execute(
      "INSERT INTO alert_acks (device_id, alert_state_ts_ms, school_id, acked_by, acked_ms, note) "
      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device_id, alert_state_ts_ms) DO NOTHING",
      {device_id, state_ts_ms, school_id, user, nowMs(), note});
  if (!n) return n.error();
  return *n > 0 ? AckResult::kDone : AckResult::kAlreadyAcked;
}

Result<std::optional<auth::User>> WebData::user(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  return auth::UserStore(*db_).find(name);
}

Result<std::optional<auth::User>> WebData::userByTokenDigest(const std::string& digest) {
  std::lock_guard<std::mutex> lock(mu_);
  return auth::UserStore(*db_).findByApiTokenDigest(digest);
}

}  // namespace uplinkprobe::collector::web
