// ledger_bench: fills a collector database with a synthetic province (N schools × D days of
// records through the real RecordStore write path) and times the ledger queries on it.
//
//   ledger_bench --db sqlite:///tmp/ledger.db [--schools 10000] [--days 30]
//   ledger_bench --postgres [--schools 10000] [--days 30]   (starts its own PostgreSQL:
//                initdb + pg_ctl in a temp dir, fsync on, as `nobody` when run as root)
//   --skip-load  time the ledger on an existing database
//   --sql-fill   write the same rows with INSERT … SELECT over a number series instead
//                of RecordStore (same tables, counts, value distributions and payload sizes;
//                minutes instead of an hour on a shared 2-core machine)
//
// Record mix per school and day (33 records ≈ 10^7 rows for 10^4 schools × 30 days): 4
// throughput tests in school hours, 28 availability periods of 30 min (08:00-22:00), 1 daily.
// Results go to docs/benchmarks.md.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "collector/db/database.h"
#include "collector/ledger/ledger.h"
#include "collector/store/record_store.h"
#include "collector/store/schema.h"
#include "collector/store/school_registry.h"
#include "collector/store/test_days.h"
#include "tests/support/postgres_server.h"

using namespace uplinkprobe::collector;
using Clock = std::chrono::steady_clock;

namespace {

std::string stamp(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

double seconds(Clock::time_point a) {
  return std::chrono::duration<double>(Clock::now() - a).count();
}

struct Gen {
  std::mt19937_64 rng{42};
  std::string school, device, journal;
  int64_t seq = 0;
  double base_down = 100, base_up = 30;

  nlohmann::json envelope(const char* kind, int64_t ts) {
    ++seq;
    return {{"schema", "uplinkprobe/1"},
            {"kind", kind},
            {"id", device + ":" + journal + ":" + std::to_string(seq)},
            {"seq", seq},
            {"device_id", device},
            {"journal_id", journal},
            {"school_id", school},
            {"ts", stamp(ts)},
            {"clock_synced", true},
            {"boot_id", "4f1c2a9e-7d53-4b8e-9a61-0c2d3e4f5a6b"},
            {"mono_s", 123456.789},
            {"agent_version", "0.1.0"}};
  }
  nlohmann::json throughput(int64_t ts) {
    std::normal_distribution<double> n(1.0, 0.12);
    const double down = std::max(1.0, base_down * n(rng)), up = std::max(0.5, base_up * n(rng));
    auto r = envelope("throughput", ts);
    auto dir = [&](double mbps) {
      return nlohmann::json{{"goodput_mbps", mbps * 0.95},
                            {"ip_capacity_mbps", mbps},
                            {"bytes", int64_t(mbps * 5e5)},
                            {"duration_s", 4.2},
                            {"streams", 8},
                            {"stop_reason", "stable"},
                            {"error", nullptr}};
    };
    r["download"] = dir(down);
    r["upload"] = dir(up);
    r["latency"] = {{"idle_ms", 8.4}, {"loaded_ms", 35.2}};
    r["server"] = {{"name", "county-1"}, {"url", "http://speed.example.edu.cn/"}};
    r["cross_traffic_mbps"] = 0.4;
    r["client_limited"] = false;
    r["trigger"] = "schedule";
    r["verdict"] = {{"basis", "ip_capacity_mbps"},
                    {"target_mbps", 100.0},
                    {"tolerance_pct", 5.0},
                    {"measured_mbps", down},
                    {"meets_target", down >= 95},
                    {"counted", true},
                    {"unfair_reasons", nlohmann::json::array()}};
    r["error"] = nullptr;
    return r;
  }
  nlohmann::json availability(int64_t end_ms) {
    std::uniform_real_distribution<double> u(0, 1);
    const double up = u(rng) < 0.03 ? 1800 * u(rng) : 1800;
    auto r = envelope("availability", end_ms);
    r["period_start"] = stamp(end_ms - 1800 * 1000);
    r["period_end"] = stamp(end_ms);
    r["period_s"] = 1800.0;
    r["up_s"] = up;
    r["down_s"] = 1800.0 - up;
    r["rounds"] = 60;
    r["good_rounds"] = up >= 1800 ? 60 : 55;
    r["targets"] = {{"gateway", {{"ok", 60}, {"fail", 0}}},
                    {"dns", {{"ok", 60}, {"fail", 0}}},
                    {"http", {{"ok", up >= 1800 ? 60 : 55}, {"fail", up >= 1800 ? 0 : 5}}}};
    return r;
  }
  nlohmann::json daily(int64_t ts, const std::string& date) {
    auto r = envelope("daily", ts);
    r["date"] = date;
    r["uptime_pct"] = 99.8;
    r["tests"] = 4;
    r["tests_meeting_target"] = base_down >= 100 ? 4 : 0;
    r["outage_s"] = 120.0;
    return r;
  }
};

// CPU seconds of this process, plus (PostgreSQL) of the server backend serving it: what a
// query costs on an otherwise idle core, whatever the load of the shared machine.
double processCpu() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
double backendCpu(long pid) {
  if (pid <= 0) return 0;
  FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (!f) return 0;
  char buf[2048];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* p = std::strrchr(buf, ')');
  if (!p) return 0;
  unsigned long ut = 0, st = 0;
  // fields after ")": state(3) … utime(14) stime(15)
  std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
  return static_cast<double>(ut + st) / sysconf(_SC_CLK_TCK);
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// SQL bulk fill (PostgreSQL or SQLite) with the RecordStore's row shapes: 33 records per school and
// local day (28 availability, 4 throughput, 1 daily), keys, tests, daily roll-ups, journals,
// devices. Payloads are real generator records of each kind (same size as the RecordStore path).
bool sqlFill(db::Database& db, int schools, int days, int64_t now) {
  // The few places the two dialects differ: number series, hashing, casts, random().
  const bool pg = db.dialect() == db::Dialect::kPostgres;
  auto range = [pg](const std::string& name, int last) {
    return pg ? "generate_series(0, " + std::to_string(last) + ") " + name
              : "(WITH RECURSIVE r(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM r WHERE x < " +
                    std::to_string(last) + ") SELECT x AS " + name + " FROM r) " + name;
  };
  auto hash = [pg](const std::string& text, const std::string& int_seed) {
    return pg ? "hashtext(" + text + ")" : "((" + int_seed + ") * 2654435761 % 4294967296)";
  };
  const std::string big = pg ? "::bigint" : "";
  const std::string uniform = pg ? "random()" : "((random() & 1048575) / 1048576.0)";
  auto round2 = [pg](const std::string& x) {
    return pg ? "round((" + x + ")::numeric, 2)::float8" : "round(" + x + ", 2)";
  };
  Gen g;
  g.school = "220000-0000";
  g.device = "probe-220000-0000";
  g.journal = "0123456789abcdef";
  const std::string p_avail = g.availability(now).dump(), p_tput = g.throughput(now).dump(),
                    p_daily = g.daily(now, "2026-12-01").dump();
  const int64_t day_ms = 86400LL * 1000;
  const int64_t start = (now + 8 * 3600 * 1000) / day_ms * day_ms - 8 * 3600 * 1000 - days * day_ms;
  // slot k of 33 per day: 0..27 availability ending 08:30 + 30 min × k; 28..31 tests at
  // 09:59, 12:59, 14:59, 16:59 (minus school-dependent seconds); 32 daily at 23:59.
  const std::string series =
      "FROM (SELECT school_id, source_row AS n FROM schools) s "
      "CROSS JOIN " +
      range("d", days - 1) + " CROSS JOIN " + range("k", 32) + " ";
  const std::string ts = "(" + std::to_string(start) + big + " + d * 86400000" + big +
                         " + CASE "
                         "WHEN k < 28 THEN (8 * 3600 + (k + 1) * 1800) * 1000" +
                         big +
                         " "
                         "WHEN k = 28 THEN 36000000 - 60000 - (s.n % 50) * 1000 "
                         "WHEN k = 29 THEN 46800000 - 60000 - (s.n % 50) * 1000 "
                         "WHEN k = 30 THEN 54000000 - 60000 - (s.n % 50) * 1000 "
                         "WHEN k = 31 THEN 61200000 - 60000 - (s.n % 50) * 1000 "
                         "ELSE 86400000 - 60000 END)";
  const std::string mow = "(((" + ts + ") / 60000 + 480 + 3 * 1440) % 10080)";
  const std::string kind =
      "CASE WHEN k < 28 THEN 'availability' WHEN k < 32 THEN 'throughput' ELSE 'daily' END";
  auto step = [&](const char* what, const std::string& sql, const db::Params& params = {}) {
    auto t0 = Clock::now();
    auto r = db.execute(sql, params);
    if (!r) {
      std::fprintf(stderr, "%s: %s\n", what, r.error().message.c_str());
      return false;
    }
    std::printf("sql-fill %-12s %10lld rows in %6.1f s\n", what, static_cast<long long>(*r),
                seconds(t0));
    std::fflush(stdout);
    return true;
  };
  auto t0 = Clock::now();
  // Partitions for every month of the window.
  for (int64_t t = start; pg && t < now + day_ms * 31; t += day_ms * 28)
    if (auto st = db.exec(recordsPartitionDdl(t)); !st) return false;
  const std::string seq = "(d * 33 + k + 1)";
  const std::string dev = "'probe-' || s.school_id";
  const std::string jid =
      pg ? "substr(md5(s.school_id), 1, 16)" : "substr(hex(s.school_id), 1, 16)";
  if (!step("record_keys", "INSERT INTO record_keys (device_id, journal_id, seq, ts_ms) SELECT " +
                               dev + ", " + jid + ", " + seq + ", " + ts + " " + series))
    return false;
  if (!step("records",
            "INSERT INTO records (device_id, journal_id, seq, school_id, kind, ts_ms, local_mow, "
            "received_ms, topic, payload) SELECT " +
                dev + ", " + jid + ", " + seq + ", s.school_id, " + kind + ", " + ts + ", " + mow +
                ", " + ts +
                " + 1000, 'uplinkprobe/v1/' || s.school_id || '/probe-' || s.school_id || '/' || " +
                kind + ", CASE WHEN k < 28 THEN ? WHEN k < 32 THEN ? ELSE ? END " + series,
            {p_avail, p_tput, p_daily}))
    return false;
  // Per-school base capacity 40..440 Mbps, ±12 % noise per test (the RecordStore path's mix).
  const std::string base = "(40 + (" + hash("s.school_id", "s.n") + " & 1023) % 400)";
  // Two decimals, as the agent writes them (agent/measure/throughput_result.cpp round2).
  const std::string down = round2(base + " * (0.88 + 0.24 * " + uniform + ")");
  if (!step("tests",
            "INSERT INTO tests (device_id, journal_id, seq, school_id, ts_ms, local_mow, "
            "down_ip_mbps, up_ip_mbps, down_goodput_mbps, up_goodput_mbps, target_mbps, "
            "meets_target, counted, trig, error_kind) SELECT dev, jid, sq, school_id, ts, mow, "
            "down, up, down * 0.95, up * 0.95, 100, CASE WHEN down >= 95 THEN 1 ELSE 0 END, 1, "
            "'schedule', NULL FROM (SELECT " +
                dev + " AS dev, " + jid + " AS jid, " + seq + " AS sq, s.school_id, " + ts +
                " AS ts, " + mow + " AS mow, " + down + " AS down, " +
                round2("(10 + (" + hash("s.school_id", "s.n") + " & 255) % 80) * (0.88 + 0.24 * " +
                       uniform + ")") +
                " AS up " + series + " WHERE k BETWEEN 28 AND 31) x"))
    return false;
  if (!step("test_days", testDaysBackfillSql(db.dialect()))) return false;
  const std::string local_day =
      pg ? "to_char(to_timestamp(day0 / 1000.0) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')"
         : "date(day0 / 1000 + 8 * 3600, 'unixepoch')";
  const std::string jitter = hash("school_id || d", "source_row * 31 + d");
  if (!step("school_days",
            "INSERT INTO school_days (school_id, day, records, period_s, up_s, school_period_s, "
            "school_up_s, tests, tests_counted, tests_at_target, last_counted_ms) SELECT "
            "school_id, " +
                local_day + ", 33, 50400, 50400 - 30 * (" + jitter +
                " & 7), "
                "CASE WHEN ((day0 / 60000 + 480 + 3 * 1440) % 10080) / 1440 < 5 THEN 16200 ELSE "
                "0 END, "
                "CASE WHEN ((day0 / 60000 + 480 + 3 * 1440) % 10080) / 1440 < 5 THEN 16200 - 30 * "
                "(" +
                jitter +
                " & 3) ELSE 0 END, 4, 4, 2, day0 + 61200000 FROM (SELECT school_id, source_row, "
                "d, " +
                std::to_string(start) + big + " + d * 86400000" + big +
                " AS day0 FROM schools CROSS JOIN " + range("d", days - 1) + ") x"))
    return false;
  const std::string last_seq = std::to_string(days * 33);
  if (!step(
          "journals",
          "INSERT INTO journals (device_id, journal_id, school_id, min_seq, max_seq, stored, "
          "gap_announced, first_ms, last_ms) SELECT 'probe-' || school_id, " +
              std::string(pg ? "substr(md5(school_id), 1, 16)" : "substr(hex(school_id), 1, 16)") +
              ", school_id, 1, " + last_seq + ", " + last_seq + ", 0, " + std::to_string(start) +
              ", " + std::to_string(now) + " FROM schools"))
    return false;
  if (!step("devices",
            "INSERT INTO devices (device_id, school_id, first_seen_ms, last_seen_ms, "
            "last_record_ts_ms, last_counted_test_ms, open_alerts) SELECT 'probe-' || school_id, "
            "school_id, " +
                std::to_string(start) + ", " + std::to_string(now) +
                " - (source_row % "
                "97) * 3600000, " +
                std::to_string(now) + ", " + std::to_string(now) +
                " - 7200000, CASE WHEN source_row % 23 = 0 THEN 1 ELSE 0 END FROM schools"))
    return false;
  std::printf("sql-fill: %.1f s\n", seconds(t0));
  t0 = Clock::now();
  (void)db.exec(pg ? "VACUUM ANALYZE" : "ANALYZE");
  std::printf("%s: %.1f s\n", pg ? "VACUUM ANALYZE" : "ANALYZE", seconds(t0));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  bool postgres = false, skip_load = false, sql_fill = false, hold = false;
  int schools = 10000, days = 30;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--db" && i + 1 < argc)
      url = argv[++i];
    else if (a == "--postgres")
      postgres = true;
    else if (a == "--skip-load")
      skip_load = true;
    else if (a == "--sql-fill")
      sql_fill = true;
    else if (a == "--hold")
      hold = true;
    else if (a == "--schools" && i + 1 < argc)
      schools = std::atoi(argv[++i]);
    else if (a == "--days" && i + 1 < argc)
      days = std::atoi(argv[++i]);
    else {
      std::fprintf(
          stderr,
          "usage: ledger_bench (--db URL | --postgres) [--schools N] [--days D] [--skip-load]\n");
      return 64;
    }
  }
  setenv("TZ", "Asia/Shanghai", 1);
  tzset();
  std::unique_ptr<uplinkprobe::testing::PostgresServer> pg;
  if (postgres) {
    uplinkprobe::testing::PostgresServer::Options o;
    o.fsync = true;
    o.shared_buffers = "512MB";
    pg = std::make_unique<uplinkprobe::testing::PostgresServer>(o);
    if (!pg->ok() || !pg->createDatabase("bench")) {
      std::fprintf(stderr, "postgres: %s\n", pg->error().c_str());
      return 2;
    }
    url = pg->url("bench");
  }
  if (url.empty()) return 64;
  auto opened = db::openDatabase(url);
  if (!opened) {
    std::fprintf(stderr, "%s\n", opened.error().message.c_str());
    return 2;
  }
  auto& db = **opened;
  if (auto v = migrateStore(db); !v) {
    std::fprintf(stderr, "%s\n", v.error().message.c_str());
    return 2;
  }
  auto hours = *SchoolHours::parse({"Mon-Fri 08:00-17:00"});
  const int64_t now = nowMs();
  const char* cities[] = {"长春市", "吉林市", "四平市", "辽源市", "通化市",
                          "白山市", "松原市", "白城市", "延边州"};
  const char* carriers[] = {"电信", "联通", "移动"};

  if (!skip_load) {
    std::vector<RegistrySchool> reg;
    for (int s = 0; s < schools; ++s) {
      char id[32];
      std::snprintf(id, sizeof id, "22%04d-%04d", s / 100, s);
      const char* city = cities[s % 9];
      reg.push_back({s + 2, id, "学校" + std::to_string(s), "吉林省", city,
                     std::string(city) + "第" + std::to_string(s % 60 / 9 + 1) + "区", "小学",
                     carriers[s % 3], "光纤", 100.0 + 100 * (s % 3), 30.0});
    }
    auto t0 = Clock::now();
    if (auto r = importSchools(db, reg, now); !r) {
      std::fprintf(stderr, "%s\n", r.error().message.c_str());
      return 2;
    }
    std::printf("registry: %d schools imported in %.2f s\n", schools, seconds(t0));

    if (sql_fill) {
      if (!sqlFill(db, schools, days, now)) return 2;
      skip_load = true;
    }
  }
  if (!skip_load) {
    std::vector<RegistrySchool> reg;
    {
      auto r = db.query("SELECT school_id FROM schools ORDER BY source_row");
      if (!r) return 2;
      for (auto& row : r->rows) {
        RegistrySchool school;
        school.school_id = db::asText(row[0]).value_or("");
        reg.push_back(std::move(school));
      }
    }
    auto t0 = Clock::now();
    std::vector<Gen> gens(schools);
    std::mt19937_64 rng(7);
    for (int s = 0; s < schools; ++s) {
      gens[s].school = reg[s].school_id;
      gens[s].device = "probe-" + reg[s].school_id;
      char j[17];
      std::snprintf(j, sizeof j, "%016llx", static_cast<unsigned long long>(rng()));
      gens[s].journal = j;
      gens[s].base_down = 40 + static_cast<double>(rng() % 400);
      gens[s].base_up = 10 + static_cast<double>(rng() % 80);
      gens[s].rng.seed(s);
    }
    RecordStore store(db, StoreOptions{nullptr, hours, nullptr});
    std::vector<ValidRecord> batch;
    size_t total = 0;
    auto flush = [&]() -> bool {
      auto r = store.commitBatch(batch, {});
      if (!r) {
        std::fprintf(stderr, "commit: %s\n", r.error().message.c_str());
        return false;
      }
      total += r->stored;
      batch.clear();
      return true;
    };
    auto add = [&](nlohmann::json rec, Gen& g, const char* kind) {
      std::string payload = rec.dump();
      batch.push_back({"uplinkprobe/v1/" + g.school + "/" + g.device + "/" + kind,
                       std::move(payload), std::move(rec)});
    };
    t0 = Clock::now();
    // Midnight Beijing time `days` days ago, in UTC ms.
    const int64_t day_ms = 86400LL * 1000;
    const int64_t start =
        (now + 8 * 3600 * 1000) / day_ms * day_ms - 8 * 3600 * 1000 - days * day_ms;
    for (int d = 0; d < days; ++d) {
      const int64_t midnight = start + d * day_ms;  // 00:00 Beijing
      char date[16];
      {
        std::time_t t = static_cast<std::time_t>((midnight + 8 * 3600 * 1000) / 1000);
        std::tm tm{};
        gmtime_r(&t, &tm);
        std::strftime(date, sizeof date, "%Y-%m-%d", &tm);
      }
      for (int s = 0; s < schools; ++s) {
        Gen& g = gens[s];
        for (int k = 0; k < 28; ++k) {
          const int64_t end = midnight + (8 * 3600 + (k + 1) * 1800) * 1000LL;
          add(g.availability(end), g, "availability");
          if (k == 3 || k == 9 || k == 13 || k == 17)  // 10:00, 13:00, 15:00, 17:00 - 1 min
            add(g.throughput(end - 60000 - (s % 50) * 1000), g, "throughput");
        }
        add(g.daily(midnight + day_ms - 60000, date), g, "daily");
        if (batch.size() >= 1000 && !flush()) return 2;
      }
      std::printf("day %d/%d: %zu records, %.0f records/s\n", d + 1, days, total,
                  total / seconds(t0));
      std::fflush(stdout);
    }
    if (!batch.empty() && !flush()) return 2;
    const double load_s = seconds(t0);
    std::printf("load: %zu records in %.1f s = %.0f records/s (RecordStore, batches of 1000)\n",
                total, load_s, total / load_s);
    if (postgres) {
      t0 = Clock::now();
      (void)db.exec("VACUUM ANALYZE");
      std::printf("VACUUM ANALYZE: %.1f s\n", seconds(t0));
    } else {
      (void)db.exec("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE");
    }
  }

  // Size.
  double bytes = 0;
  if (postgres) {
    auto r = db.query("SELECT pg_database_size(current_database())");
    if (r) bytes = db::asDouble(r->rows[0][0]).value_or(0);
  } else {
    auto r = db.query("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()");
    if (r) bytes = db::asDouble(r->rows[0][0]).value_or(0);
  }
  auto nrec = db.query("SELECT COUNT(*) FROM record_keys");
  const double rows = nrec ? db::asDouble(nrec->rows[0][0]).value_or(0) : 0;
  std::printf(
      "database: %.0f records, %.2f GB, %.0f bytes/record, %.1f MB per school per year "
      "(at this record mix)\n",
      rows, bytes / 1e9, rows > 0 ? bytes / rows : 0, bytes / schools / days * 365 / 1e6);

  // Ledger timings.
  LedgerOptions o;
  o.days = days;
  o.now_ms = now;
  o.school_hours = hours;
  long backend = 0;
  if (postgres || url.rfind("postgres", 0) == 0)
    if (auto r = db.query("SELECT pg_backend_pid()"))
      backend = db::asInt(r->rows[0][0]).value_or(0);
  {
    double l1 = 0, l5 = 0, l15 = 0;
    if (FILE* f = std::fopen("/proc/loadavg", "r")) {
      if (std::fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) != 3) l1 = 0;
      std::fclose(f);
    }
    std::printf("load average before the ledger runs: %.2f %.2f %.2f\n", l1, l5, l15);
  }
  for (auto by : {LedgerGrouping::kSchool, LedgerGrouping::kCounty, LedgerGrouping::kCity,
                  LedgerGrouping::kCarrier, LedgerGrouping::kProvince}) {
    double best = 1e9, first = 0, best_cpu = 1e9;
    size_t n = 0;
    for (int rep = 0; rep < 3; ++rep) {
      auto t0 = Clock::now();
      const double c0 = processCpu() + backendCpu(backend);
      auto l = computeLedger(db, by, o);
      const double s = seconds(t0);
      best_cpu = std::min(best_cpu, processCpu() + backendCpu(backend) - c0);
      if (!l) {
        std::fprintf(stderr, "ledger: %s\n", l.error().message.c_str());
        return 2;
      }
      n = by == LedgerGrouping::kSchool ? l->schools.size() : l->groups.size();
      if (rep == 0) first = s;
      best = std::min(best, s);
    }
    std::printf("ledger --by %-8s: %zu rows, first %.3f s, best of 3 %.3f s wall, %.3f s CPU\n",
                ledgerGroupingName(by), n, first, best, best_cpu);
  }
  {
    o.school_id = "220050-5000";
    auto t0 = Clock::now();
    auto l = computeLedger(db, LedgerGrouping::kSchool, o);
    std::printf("ledger one school: %.3f s (%s)\n", seconds(t0),
                l ? "ok" : l.error().message.c_str());
  }
  if (hold) {  // keep the (PostgreSQL) server for EXPLAIN until stdin closes
    std::printf("holding: %s (close stdin to stop)\n", url.c_str());
    std::fflush(stdout);
    while (std::getchar() != EOF) {
    }
  }
  return 0;
}
