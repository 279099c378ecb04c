#include "collector/store/schema.h"

#include <cstdio>
#include <ctime>

#include "collector/store/test_days.h"

namespace uplinkprobe::collector {
namespace {

// Version 1. Timestamps: BIGINT ms since the epoch, UTC (`*_ms`). `local_mow`: minute of the
// week in the ledger's time zone (school hours filter). Booleans: INTEGER 0/1.
std::string v1(bool postgres) {
  std::string records_tail = postgres ? ") PARTITION BY RANGE (ts_ms);\n" : ");\n";
  std::string rejected_id =
      postgres ? "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY" : "id INTEGER PRIMARY KEY";
  return R"(
CREATE TABLE schools (
  school_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  province TEXT NOT NULL DEFAULT '',
  city TEXT NOT NULL DEFAULT '',
  county TEXT NOT NULL DEFAULT '',
  stage TEXT NOT NULL DEFAULT '',
  carrier TEXT NOT NULL DEFAULT '',
  access TEXT NOT NULL DEFAULT '',
  contracted_down_mbps DOUBLE PRECISION,
  contracted_up_mbps DOUBLE PRECISION,
  source_row INTEGER,
  updated_ms BIGINT NOT NULL
);
CREATE INDEX schools_city ON schools(city, county);
CREATE TABLE devices (
  device_id TEXT PRIMARY KEY,
  school_id TEXT NOT NULL,
  first_seen_ms BIGINT NOT NULL,
  last_seen_ms BIGINT NOT NULL,
  last_record_ts_ms BIGINT,
  last_counted_test_ms BIGINT,
  status_state TEXT,
  status_ts_ms BIGINT,
  agent_version TEXT,
  status_payload TEXT,
  open_alerts INTEGER NOT NULL DEFAULT 0,
  alert_state_ts_ms BIGINT,
  alert_state_payload TEXT
);
CREATE INDEX devices_school ON devices(school_id);
CREATE TABLE record_keys (
  device_id TEXT NOT NULL,
  journal_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  ts_ms BIGINT NOT NULL,
  PRIMARY KEY (device_id, journal_id, seq)
);
CREATE TABLE records (
  device_id TEXT NOT NULL,
  journal_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  school_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  ts_ms BIGINT NOT NULL,
  local_mow INTEGER NOT NULL,
  received_ms BIGINT NOT NULL,
  topic TEXT NOT NULL,
  payload TEXT NOT NULL
)" + records_tail +
         R"(
CREATE INDEX records_school_kind_ts ON records(school_id, kind, ts_ms);
CREATE INDEX records_device_seq ON records(device_id, journal_id, seq);
CREATE TABLE tests (
  device_id TEXT NOT NULL,
  journal_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  school_id TEXT NOT NULL,
  ts_ms BIGINT NOT NULL,
  local_mow INTEGER NOT NULL,
  down_ip_mbps DOUBLE PRECISION,
  up_ip_mbps DOUBLE PRECISION,
  down_goodput_mbps DOUBLE PRECISION,
  up_goodput_mbps DOUBLE PRECISION,
  target_mbps DOUBLE PRECISION,
  meets_target INTEGER,
  counted INTEGER,
  trig TEXT,
  error_kind TEXT,
  PRIMARY KEY (device_id, journal_id, seq)
);
CREATE INDEX tests_ts ON tests(ts_ms, school_id, local_mow, counted, down_ip_mbps, up_ip_mbps);
CREATE INDEX tests_school_ts ON tests(school_id, ts_ms);
CREATE TABLE outages (
  device_id TEXT NOT NULL,
  journal_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  school_id TEXT NOT NULL,
  start_ms BIGINT,
  end_ms BIGINT,
  duration_s DOUBLE PRECISION,
  class TEXT,
  PRIMARY KEY (device_id, journal_id, seq)
);
CREATE INDEX outages_school_start ON outages(school_id, start_ms);
CREATE TABLE school_days (
  school_id TEXT NOT NULL,
  day TEXT NOT NULL,
  records BIGINT NOT NULL DEFAULT 0,
  period_s DOUBLE PRECISION NOT NULL DEFAULT 0,
  up_s DOUBLE PRECISION NOT NULL DEFAULT 0,
  school_period_s DOUBLE PRECISION NOT NULL DEFAULT 0,
  school_up_s DOUBLE PRECISION NOT NULL DEFAULT 0,
  tests BIGINT NOT NULL DEFAULT 0,
  tests_counted BIGINT NOT NULL DEFAULT 0,
  tests_at_target BIGINT NOT NULL DEFAULT 0,
  last_counted_ms BIGINT,
  PRIMARY KEY (school_id, day)
);
CREATE INDEX school_days_day ON school_days(day);
CREATE TABLE journals (
  device_id TEXT NOT NULL,
  journal_id TEXT NOT NULL,
  school_id TEXT NOT NULL,
  min_seq BIGINT NOT NULL,
  max_seq BIGINT NOT NULL,
  stored BIGINT NOT NULL,
  gap_announced BIGINT NOT NULL DEFAULT 0,
  first_ms BIGINT NOT NULL,
  last_ms BIGINT NOT NULL,
  PRIMARY KEY (device_id, journal_id)
);
CREATE INDEX journals_school ON journals(school_id);
CREATE TABLE rejected (
  )" + rejected_id +
         R"(,
  received_ms BIGINT NOT NULL,
  topic TEXT NOT NULL,
  reason TEXT NOT NULL,
  head TEXT NOT NULL
);
CREATE INDEX rejected_received ON rejected(received_ms);
)";
}

}  // namespace

const std::vector<db::Migration>& storeMigrations() {
  static const std::vector<db::Migration> m = {
      {1, "initial tables", v1(false), v1(true)},
      // The ledger's two scans become index-only (no table lookups): the window's counted
      // tests with every column the ledger reads, and the window's daily roll-ups.
      {2, "covering indexes for the ledger",
       "DROP INDEX tests_ts;\n"
       "CREATE INDEX tests_window ON tests(ts_ms, counted, local_mow, school_id, meets_target, "
       "down_ip_mbps, up_ip_mbps);\n"
       "DROP INDEX school_days_day;\n"
       "CREATE INDEX school_days_window ON school_days(day, school_id, school_up_s, "
       "school_period_s);\n",
       ""},
      // People of the web UI and API (collector/auth): argon2id password hash, role, the
      // region they may see, and the digest of their API token (never the token itself).
      {3, "users",
       "CREATE TABLE users (\n"
       "  name TEXT PRIMARY KEY,\n"
       "  role TEXT NOT NULL,\n"
       "  scope_city TEXT NOT NULL DEFAULT '',\n"
       "  scope_county TEXT NOT NULL DEFAULT '',\n"
       "  password_hash TEXT NOT NULL,\n"
       "  api_token_digest TEXT,\n"
       "  created_ms BIGINT NOT NULL,\n"
       "  updated_ms BIGINT NOT NULL\n"
       ");\n"
       "CREATE UNIQUE INDEX users_api_token ON users(api_token_digest);\n",
       ""},
      // Operators' acknowledgements of a device's open alerts (collector/web): one per retained
      // alert state (alert_state_ts_ms), so a new breach needs a new acknowledgement.
      {4, "alert acknowledgements",
       "CREATE TABLE alert_acks (\n"
       "  device_id TEXT NOT NULL,\n"
       "  alert_state_ts_ms BIGINT NOT NULL,\n"
       "  school_id TEXT NOT NULL,\n"
       "  acked_by TEXT NOT NULL,\n"
       "  acked_ms BIGINT NOT NULL,\n"
       "  note TEXT NOT NULL DEFAULT '',\n"
       "  PRIMARY KEY (device_id, alert_state_ts_ms)\n"
       ");\n",
       ""},
      // The audit log of signed remote commands (collector/control/command_log.h). Version 5:
      // 3 and 4 are kept for the web UI's users and sessions.
      {5, "remote command audit log",
       "CREATE TABLE command_log (\n"
       "  command_id TEXT PRIMARY KEY,\n"
       "  issued_ms BIGINT NOT NULL,\n"
       "  expires_ms BIGINT NOT NULL,\n"
       "  issued_by TEXT NOT NULL,\n"
       "  key_id TEXT NOT NULL,\n"
       "  verb TEXT NOT NULL,\n"
       "  args TEXT NOT NULL,\n"
       "  target TEXT NOT NULL\n"
       ");\n"
       "CREATE INDEX command_log_issued ON command_log(issued_ms);\n"
       "CREATE TABLE command_devices (\n"
       "  command_id TEXT NOT NULL,\n"
       "  device_id TEXT NOT NULL,\n"
       "  school_id TEXT NOT NULL,\n"
       "  sent INTEGER NOT NULL,\n"
       "  PRIMARY KEY (command_id, device_id)\n"
       ");\n",
       ""},
      // A school page lists that school's recent commands (web UI "test now").
      {6, "remote commands by school",
       "CREATE INDEX command_devices_school ON command_devices(school_id, command_id);\n", ""},
      // The ledger's roll-up of counted tests per school and UTC day (collector/store/
      // test_days.h), built here from the tests already stored. Clustered by day (SQLite
      // WITHOUT ROWID; PostgreSQL's primary key index) so a window is one range read.
      {7, "counted tests per school and day",
       "CREATE TABLE test_days (\n"
       "  utc_day BIGINT NOT NULL,\n"
       "  school_id TEXT NOT NULL,\n"
       "  tests BIGINT NOT NULL,\n"
       "  packed TEXT NOT NULL,\n"
       "  PRIMARY KEY (utc_day, school_id)\n"
       ") WITHOUT ROWID;\n"
       "CREATE INDEX test_days_school ON test_days(school_id, utc_day);\n" +
           testDaysBackfillSql(db::Dialect::kSqlite) + ";\n",
       "CREATE TABLE test_days (\n"
       "  utc_day BIGINT NOT NULL,\n"
       "  school_id TEXT NOT NULL,\n"
       "  tests BIGINT NOT NULL,\n"
       "  packed TEXT NOT NULL,\n"
       "  PRIMARY KEY (utc_day, school_id)\n"
       ");\n"
       "CREATE INDEX test_days_school ON test_days(school_id, utc_day);\n"
       "SET LOCAL extra_float_digits = 1;\n" +
           testDaysBackfillSql(db::Dialect::kPostgres) + ";\n"},
  };
  return m;
}

Result<int> migrateStore(db::Database& db) { return db::migrate(db, storeMigrations()); }

std::string recordsPartitionDdl(int64_t utc_ms) {
  std::time_t t = static_cast<std::time_t>(utc_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  int y = tm.tm_year + 1900, m = tm.tm_mon + 1;
  auto monthStartMs = [](int year, int month) {
    std::tm s{};
    s.tm_year = year - 1900;
    s.tm_mon = month - 1;
    s.tm_mday = 1;
    return static_cast<int64_t>(timegm(&s)) * 1000;
  };
  int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "CREATE TABLE IF NOT EXISTS records_p%04d%02d PARTITION OF records FOR VALUES "
                "FROM (%lld) TO (%lld)",
                y, m, static_cast<long long>(monthStartMs(y, m)),
                static_cast<long long>(monthStartMs(ny, nm)));
  return buf;
}

}  // namespace uplinkprobe::collector
