#include "collector/ledger/ledger.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <unordered_map>

#include "collector/store/test_days.h"

namespace uplinkprobe::collector {
namespace {

using db::asDouble;
using db::asInt;
using db::asText;

int64_t systemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Nearest-rank percentile of a sorted, non-empty vector (p in 0..100).
double percentile(const std::vector<double>& sorted, double p) {
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  if (rank == 0) rank = 1;
  return sorted[std::min(rank, sorted.size()) - 1];
}

double median(const std::vector<double>& sorted) {
  const size_t n = sorted.size();
  return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

// Heterogeneous lookup: scan rows give string_view ids, no string is built per row.
struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct TestAcc {
  std::vector<double> down, up;
  int64_t counted = 0, at_target = 0;
};

std::string groupKey(const SchoolLedgerRow& r, LedgerGrouping by) {
  switch (by) {
    case LedgerGrouping::kProvince:
      return r.province;
    case LedgerGrouping::kCity:
      return r.city;
    case LedgerGrouping::kCounty:
      return r.county;
    case LedgerGrouping::kCarrier:
      return r.carrier;
    case LedgerGrouping::kSchool:
      return r.school_id;
  }
  return "";
}

}  // namespace

std::optional<LedgerGrouping> parseLedgerGrouping(const std::string& s) {
  if (s == "school") return LedgerGrouping::kSchool;
  if (s == "province") return LedgerGrouping::kProvince;
  if (s == "city") return LedgerGrouping::kCity;
  if (s == "county") return LedgerGrouping::kCounty;
  if (s == "carrier") return LedgerGrouping::kCarrier;
  return std::nullopt;
}

const char* ledgerGroupingName(LedgerGrouping g) {
  switch (g) {
    case LedgerGrouping::kSchool:
      return "school";
    case LedgerGrouping::kProvince:
      return "province";
    case LedgerGrouping::kCity:
      return "city";
    case LedgerGrouping::kCounty:
      return "county";
    case LedgerGrouping::kCarrier:
      return "carrier";
  }
  return "?";
}

const char* schoolStateName(SchoolState s) {
  switch (s) {
    case SchoolState::kLive:
      return "live";
    case SchoolState::kStale:
      return "stale";
    case SchoolState::kNever:
      return "never";
  }
  return "?";
}

Result<Ledger> computeLedger(db::Database& db, LedgerGrouping by, const LedgerOptions& o) {
  // UPLINKPROBE_LEDGER_TIMING=1: each step's time on stderr (bench/ledger_bench, tuning).
  const bool timing = std::getenv("UPLINKPROBE_LEDGER_TIMING") != nullptr;
  auto mark = std::chrono::steady_clock::now();
  auto lap = [&](const char* step) {
    if (!timing) return;
    auto t = std::chrono::steady_clock::now();
    std::fprintf(stderr, "ledger %-10s %.3f s\n", step,
                 std::chrono::duration<double>(t - mark).count());
    mark = t;
  };
  Ledger out;
  out.by = by;
  out.days = o.days;
  out.target_mbps = o.target_mbps;
  const int64_t now = o.now_ms ? o.now_ms : systemNowMs();
  out.computed_at_ms = now;
  const int64_t since_ms = now - int64_t{o.days} * 86400 * 1000;
  const LocalClock local = o.local_clock ? o.local_clock : LocalClock(processLocalStamp);
  const std::string since_day = local(since_ms).date;
  const bool one = !o.school_id.empty();

  // 1. The registry.
  db::Params p;
  std::string sql =
      "SELECT school_id, name, province, city, county, stage, carrier, access, "
      "contracted_down_mbps, contracted_up_mbps FROM schools";
  std::string where;
  if (one) {
    where += " AND school_id = ?";
    p.emplace_back(o.school_id);
  }
  if (!o.city.empty()) {
    where += " AND city = ?";
    p.emplace_back(o.city);
    if (!o.county.empty()) {
      where += " AND county = ?";
      p.emplace_back(o.county);
    }
  }
  if (!where.empty()) sql += " WHERE" + where.substr(4);
  auto schools = db.query(sql + " ORDER BY school_id", p);
  if (!schools) return schools.error();
  std::unordered_map<std::string, size_t, TextHash, std::equal_to<>> index;
  out.schools.reserve(schools->size());
  for (auto& r : schools->rows) {
    SchoolLedgerRow row;
    row.school_id = asText(r[0]).value_or("");
    row.name = asText(r[1]).value_or("");
    row.province = asText(r[2]).value_or("");
    row.city = asText(r[3]).value_or("");
    row.county = asText(r[4]).value_or("");
    row.stage = asText(r[5]).value_or("");
    row.carrier = asText(r[6]).value_or("");
    row.access = asText(r[7]).value_or("");
    row.contracted_down_mbps = asDouble(r[8]);
    row.contracted_up_mbps = asDouble(r[9]);
    index.emplace(row.school_id, out.schools.size());
    out.schools.push_back(std::move(row));
  }
  auto find = [&](const db::Value& id) -> SchoolLedgerRow* {
    auto s = asText(id);
    if (!s) return nullptr;
    auto it = index.find(std::string_view(*s));
    return it == index.end() ? nullptr : &out.schools[it->second];
  };
  db::Params only;
  if (one) only.emplace_back(o.school_id);
  const std::string where_one = one ? " WHERE school_id = ?" : "";
  const std::string and_one = one ? " AND school_id = ?" : "";

  lap("registry");
  // 2. Devices: liveness, alerts, last counted test.
  auto devices = db.query(
      "SELECT school_id, COUNT(*), MAX(last_seen_ms), SUM(open_alerts), "
      "MAX(last_counted_test_ms) FROM devices" +
          where_one + " GROUP BY school_id",
      only);
  if (!devices) return devices.error();
  for (auto& r : devices->rows) {
    SchoolLedgerRow* s = find(r[0]);
    if (!s) continue;
    s->devices = static_cast<int>(asInt(r[1]).value_or(0));
    s->last_seen_ms = asInt(r[2]);
    s->open_alerts = asInt(r[3]).value_or(0);
    s->last_counted_test_ms = asInt(r[4]);
    if (s->last_seen_ms)
      s->state =
          now - *s->last_seen_ms <= o.stale_after_ms ? SchoolState::kLive : SchoolState::kStale;
  }

  lap("devices");
  // 3. Counted tests in school hours in the window, from the per-day roll-up (test_days.h):
  //    ~30 rows per school instead of every test row. The window and the school hours are
  //    applied per test here, so the result equals a scan of `tests`. Percentiles are
  //    computed here because percentile_cont exists on PostgreSQL only.
  db::Params tp{since_ms / kUtcDayMs};
  if (one) tp.emplace_back(o.school_id);
  std::vector<TestAcc> acc(out.schools.size());
  bool corrupt = false;
  auto st = db.scan("SELECT school_id, packed FROM test_days WHERE utc_day >= ?" + and_one, tp,
                    [&](const db::RowView& r) {
                      auto it = index.find(r.text(0));
                      if (it == index.end()) return;
                      TestAcc& a = acc[it->second];
                      corrupt |= !forEachPackedTest(r.text(1), [&](const PackedTest& t) {
                        if (t.ts_ms < since_ms || !o.school_hours.contains(t.local_mow)) return;
                        if (t.down_mbps) a.down.push_back(*t.down_mbps);
                        if (t.up_mbps) a.up.push_back(*t.up_mbps);
                        ++a.counted;
                        if (t.meets_target.value_or(false)) ++a.at_target;
                      });
                    });
  if (!st) return st.error();
  if (corrupt)
    return makeError(ErrorKind::kDb,
                     "the test_days roll-up holds an entry that does not parse; rebuild it: "
                     "DELETE FROM test_days, then " +
                         testDaysBackfillSql(db.dialect()));
  for (size_t i = 0; i < acc.size(); ++i) {
    TestAcc& a = acc[i];
    SchoolLedgerRow& s = out.schools[i];
    s.tests = a.counted;
    if (a.counted) s.share_at_target = static_cast<double>(a.at_target) / a.counted;
    if (!a.down.empty()) {
      std::sort(a.down.begin(), a.down.end());
      s.median_down_mbps = median(a.down);
      s.p10_down_mbps = percentile(a.down, 10);
    }
    if (!a.up.empty()) {
      std::sort(a.up.begin(), a.up.end());
      s.median_up_mbps = median(a.up);
      s.p10_up_mbps = percentile(a.up, 10);
    }
  }

  lap("tests");
  // 4. Uptime in school hours (daily roll-up kept by the store).
  db::Params dp{since_day};
  if (one) dp.emplace_back(o.school_id);
  auto days = db.query(
      "SELECT school_id, SUM(school_up_s), SUM(school_period_s) FROM school_days WHERE day >= ?" +
          and_one + " GROUP BY school_id",
      dp);
  if (!days) return days.error();
  for (auto& r : days->rows) {
    SchoolLedgerRow* s = find(r[0]);
    if (!s) continue;
    const double up = asDouble(r[1]).value_or(0), period = asDouble(r[2]).value_or(0);
    if (period > 0) s->uptime_school_hours = std::clamp(up / period, 0.0, 1.0);
  }

  lap("days");
  // 5. Missing evidence.
  auto journals = db.query(
      "SELECT school_id, SUM(max_seq - min_seq + 1 - stored), SUM(gap_announced) FROM journals" +
          where_one + " GROUP BY school_id",
      only);
  if (!journals) return journals.error();
  for (auto& r : journals->rows) {
    SchoolLedgerRow* s = find(r[0]);
    if (!s) continue;
    s->missing_seq = asInt(r[1]).value_or(0);
    s->gap_announced = asInt(r[2]).value_or(0);
  }

  lap("journals");
  // 6. Devices that name a school the registry does not have.
  if (o.city.empty()) {
    auto unknown = db.query(
        "SELECT d.device_id, d.school_id, d.last_seen_ms FROM devices d LEFT JOIN schools s "
        "ON s.school_id = d.school_id WHERE s.school_id IS NULL ORDER BY d.school_id, "
        "d.device_id");
    if (!unknown) return unknown.error();
    for (auto& r : unknown->rows)
      out.unknown_school_devices.push_back(
          {asText(r[0]).value_or(""), asText(r[1]).value_or(""), asInt(r[2]).value_or(0)});
  }

  lap("unknown");
  for (auto& s : out.schools) {
    if (s.median_down_mbps) {
      s.meets_target = *s.median_down_mbps >= o.target_mbps;
      if (s.contracted_down_mbps && *s.contracted_down_mbps > 0)
        s.below_contract = *s.median_down_mbps < *s.contracted_down_mbps;
    }
  }

  if (by != LedgerGrouping::kSchool) {
    std::map<std::string, GroupLedgerRow> groups;
    for (const auto& s : out.schools) {
      auto& g = groups[groupKey(s, by)];
      ++g.schools;
      if (s.state == SchoolState::kLive) ++g.reporting;
      if (s.meets_target.value_or(false)) ++g.meeting_target;
      if (s.below_contract.value_or(false)) ++g.below_contract;
      g.open_alerts += s.open_alerts;
    }
    for (auto& [name, g] : groups) {
      g.group = name;
      g.reporting_pct = 100.0 * g.reporting / g.schools;
      g.meeting_target_pct = 100.0 * g.meeting_target / g.schools;
      out.groups.push_back(g);
    }
  }
  return out;
}

}  // namespace uplinkprobe::collector
