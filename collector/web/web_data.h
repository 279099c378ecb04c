// WebData: what the pages read, on the web UI's own database connection.
//
// The province's ledger per school is computed at most once per `ttl` for each window length
// and shared by every page and user (each page filters it by the user's scope with
// auth::inScope); a school page reads its own rows fresh (bounded: at most kMaxPoints tests,
// outages and records in its window). With startRefresher(), a thread on its own connection
// recomputes the default window's ledger, below-target runs and the trend every ttl/2 from start,
// so no page request waits for a province-wide computation (a refreshed value older than 3 × ttl —
// the refresher failing — is not served; the request computes, or fails with the error).
//
// Threading: one db::Database behind a mutex for requests; the HTTP worker threads call in
// concurrently; the caches have their own mutex, so a request never waits for the
// refresher's computation.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "collector/auth/user_store.h"
#include "collector/db/database.h"
#include "collector/ledger/ledger.h"

namespace uplinkprobe::collector::web {

inline constexpr std::size_t kMaxPoints = 5000;
inline constexpr std::size_t kRecentRecords = 30;

struct TestPoint {
  std::int64_t ts_ms = 0;
  std::optional<double> down, up, idle_ms, loaded_ms;
  bool counted = false;
  std::string error;  // error.kind of a failed test
};

struct OutageRow {
  std::int64_t start_ms = 0, end_ms = 0;
  double duration_s = 0;
  std::string cls;
};

struct DeviceRow {
  std::string device_id, status, agent_version, alert_state_payload;
  std::optional<std::int64_t> last_seen_ms, status_ts_ms;
  std::int64_t open_alerts = 0;
  std::optional<bool> clock_synced;  // of the device's latest record
  std::optional<std::int64_t> alert_state_ts_ms;
  std::string config_hash;  // the retained status's config_hash (the config fingerprint)
  // The acknowledgement of the current alert state, if any.
  std::string acked_by, ack_note;
  std::optional<std::int64_t> acked_ms;
};

enum class AckResult { kDone, kAlreadyAcked, kStale, kUnknownDevice };

struct JournalRow {
  std::string device_id, journal_id;
  std::int64_t min_seq = 0, max_seq = 0, stored = 0, missing = 0;
};

struct RawRecord {
  std::int64_t ts_ms = 0;
  std::string kind, id, payload;
};

// One local day of a school: counted tests in school hours and those at target.
struct DayMark {
  std::string day;  // YYYY-MM-DD (ledger time zone)
  std::int64_t counted = 0, at_target = 0;
  // A day is below target when most of its counted tests were below.
  bool below() const { return counted > 0 && 2 * at_target < counted; }
};

// Since when a school has been below target: the trailing run of days whose counted tests
// were mostly below (days without tests do not break the run).
struct BelowRun {
  std::string since;  // first day of the run
  int days = 0;       // days with tests in the run
};

// One day of the province trend: schools whose counted tests were mostly at target, of the
// schools that had counted tests that day.
struct TrendDay {
  std::string day;
  std::int64_t tested = 0, at_target = 0;
};

struct SchoolDetail {
  SchoolLedgerRow row;
  bool in_registry = false;
  std::int64_t from_ms = 0, to_ms = 0;
  std::vector<TestPoint> tests;
  std::vector<OutageRow> outages;
  std::vector<DeviceRow> devices;
  std::vector<JournalRow> journals;
  std::vector<RawRecord> recent;
};

class WebData {
 public:
  WebData(std::unique_ptr<db::Database> db, LedgerOptions base, std::chrono::seconds ttl);
  ~WebData();
  WebData(const WebData&) = delete;
  WebData& operator=(const WebData&) = delete;

  // Keeps ledger(days) and trend(trend_days) computed in the background on `db`.
  void startRefresher(std::unique_ptr<db::Database> db, int days, int trend_days);

  // The province's ledger per school over `days` (cached for ttl).
  Result<std::shared_ptr<const Ledger>> ledger(int days);
  // nullopt: neither the registry nor a device knows the school.
  Result<std::optional<SchoolDetail>> school(const std::string& id, int days);
  // The records behind the school's charts in [from, to], oldest first, at most kMaxPoints.
  Result<std::vector<RawRecord>> evidence(const std::string& id, std::int64_t from_ms,
                                          std::int64_t to_ms);
  // The last `days` local days of every school of (city, county), by school id.
  Result<std::map<std::string, std::vector<DayMark>>> dailyMarks(const std::string& city,
                                                                 const std::string& county,
                                                                 int days);
  // Per school below target on its last tested day: its run (window: `days`).
  Result<std::shared_ptr<const std::map<std::string, BelowRun>>> belowRuns(int days);
  // The province's trend over `days` (cached like the ledger).
  Result<std::shared_ptr<const std::vector<TrendDay>>> trend(int days);
  // Records `user`'s acknowledgement of the device's alert state stamped `state_ts_ms` (the
  // one the page showed). kStale when the device has a newer state (or none open) by now.
  Result<AckResult> acknowledge(const std::string& school_id, const std::string& device_id,
                                std::int64_t state_ts_ms, const std::string& user,
                                const std::string& note);
  Result<std::optional<auth::User>> user(const std::string& name);
  Result<std::optional<auth::User>> userByTokenDigest(const std::string& digest);
  std::int64_t nowMs() const;
  const LedgerOptions& options() const { return base_; }

 private:
  bool usable(std::int64_t at_ms, std::int64_t now, bool refreshed) const;
  void refreshLoop();

  std::mutex mu_;  // db_
  std::unique_ptr<db::Database> db_;
  std::mutex cache_mu_;  // cache_, trend_cache_
  std::unique_ptr<db::Database> refresh_db_;
  int refresh_days_ = -1, refresh_trend_days_ = -1;
  std::thread refresher_;
  std::condition_variable stop_cv_;
  bool stop_ = false;  // under cache_mu_
  LedgerOptions base_;
  std::chrono::seconds ttl_;
  struct Cached {
    std::int64_t at_ms = 0;
    std::shared_ptr<const Ledger> ledger;
  };
  std::map<int, Cached> cache_;
  struct CachedTrend {
    std::int64_t at_ms = 0;
    std::shared_ptr<const std::vector<TrendDay>> days;
  };
  std::map<int, CachedTrend> trend_cache_;
  struct CachedRuns {
    std::int64_t at_ms = 0;
    std::shared_ptr<const std::map<std::string, BelowRun>> runs;
  };
  std::map<int, CachedRuns> runs_cache_;
};

}  // namespace uplinkprobe::collector::web
