// The ledger: per school and rolled up per province / city / county / carrier, computed from
// the store's tables (schools, devices, tests, school_days, journals). Typed rows: the CLI,
// the HTTP API and the exporters turn them into tables, JSON or XLSX.
//
// Definitions (docs/collector-ledger.md has them for readers of the ledger):
//  - state: live = a device of the school was heard within stale_after; stale = heard before
//    that; never = no device ever reported this school ("no evidence").
//  - tests, percentiles and share at target: counted throughput tests (verdict.counted) of the
//    last `days` days whose local time falls in school hours. Median and p10 of IP capacity,
//    down and up (p10 = the value 10 % of tests fell below: nearest-rank).
//  - uptime: availability up_s / period_s in school hours over the last `days` local days
//    (school-hours split as configured when the records were stored).
//  - meets target: median down ≥ target_mbps. Below contract: median down < contracted down.
//  - missing evidence: holes in journals' seq (max − min + 1 − stored), and what `gap` records
//    announced.
//
// Thread-safety: computeLedger() only reads; it uses the given connection from the caller's
// thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "collector/db/database.h"
#include "collector/store/local_time.h"
#include "common/result.h"

namespace uplinkprobe::collector {

enum class LedgerGrouping { kSchool, kProvince, kCity, kCounty, kCarrier };
// "school", "province", "city", "county", "carrier".
std::optional<LedgerGrouping> parseLedgerGrouping(const std::string& s);
const char* ledgerGroupingName(LedgerGrouping g);

enum class SchoolState { kLive, kStale, kNever };
const char* schoolStateName(SchoolState s);  // "live", "stale", "never"

struct LedgerOptions {
  int days = 30;
  double target_mbps = 100;
  int64_t stale_after_ms = 24LL * 3600 * 1000;
  SchoolHours school_hours = SchoolHours::always();
  int64_t now_ms = 0;      // 0 = the system clock
  LocalClock local_clock;  // default: process time zone
  // Only this school (empty = all); for GET /api/v1/schools/{id}.
  std::string school_id;
  // Only the registry schools of this city (and county); empty = all. Schools that only
  // devices know (no registry row) are left out whenever a city is given. This is how a
  // user's scope (collector/auth/scope.h) reaches every roll-up and export.
  std::string city, county;
};

struct SchoolLedgerRow {
  std::string school_id, name, province, city, county, stage, carrier, access;
  std::optional<double> contracted_down_mbps, contracted_up_mbps;
  SchoolState state = SchoolState::kNever;
  int devices = 0;
  std::optional<int64_t> last_seen_ms, last_counted_test_ms;
  int64_t tests = 0;  // counted tests in school hours in the window
  std::optional<double> median_down_mbps, p10_down_mbps, median_up_mbps, p10_up_mbps;
  std::optional<double> share_at_target;      // 0..1 of counted tests meeting the target
  std::optional<double> uptime_school_hours;  // 0..1
  int64_t open_alerts = 0;
  std::optional<bool> meets_target;    // median down ≥ target (nullopt: no tests)
  std::optional<bool> below_contract;  // median down < contracted down (nullopt: unknown)
  int64_t missing_seq = 0, gap_announced = 0;
};

struct GroupLedgerRow {
  std::string group;  // the province / city / county / carrier name ("" shows as "未填")
  int64_t schools = 0, reporting = 0, meeting_target = 0, below_contract = 0, open_alerts = 0;
  double reporting_pct = 0, meeting_target_pct = 0;  // of schools in the registry, 0..100
};

struct UnknownSchoolDevice {
  std::string device_id, school_id;
  int64_t last_seen_ms = 0;
};

struct Ledger {
  LedgerGrouping by = LedgerGrouping::kSchool;
  int64_t computed_at_ms = 0;
  int days = 30;
  double target_mbps = 100;
  std::vector<SchoolLedgerRow> schools;  // every registry school (+ unknown ones), by id
  std::vector<GroupLedgerRow> groups;    // empty when by == kSchool
  std::vector<UnknownSchoolDevice> unknown_school_devices;
};

Result<Ledger> computeLedger(db::Database& db, LedgerGrouping by, const LedgerOptions& options);

}  // namespace uplinkprobe::collector
