// StoreApiData: ApiData read from the collector's database (collector/store tables and
// collector/ledger), on its own connection.
//
// Threading: one db::Database connection behind a mutex (a connection is single-threaded);
// API requests therefore read one at a time. SQLite in WAL mode lets these reads run beside
// the ingest writer's transactions; PostgreSQL reads see committed rows only.
//
// Region gauges for /metrics: the ledger rolled up by province, city, county and carrier,
// computed at most once per gauge_ttl (a scrape every 15 s must not run four ledger queries
// each time) and served from the cache in between.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include <nlohmann/json.hpp>
#include "collector/api/api_data.h"
#include "collector/db/database.h"
#include "collector/ledger/ledger.h"

namespace uplinkprobe::collector::api {

// Renders a computed ledger as a CSV or XLSX file (collector/export). Until an exporter is
// wired, exports answer 503 with a message saying so.
using LedgerExporter = std::function<Result<std::string>(const Ledger&, ExportFormat)>;

struct StoreApiDataOptions {
  LedgerOptions ledger;  // target, stale_after, school hours, clock (days is per request)
  LedgerExporter exporter;
  std::chrono::seconds gauge_ttl{60};
  std::function<std::int64_t()> now_ms;  // default: system clock (tests pin it)
};

class StoreApiData : public ApiData {
 public:
  StoreApiData(std::unique_ptr<db::Database> db, StoreApiDataOptions options);

  Status health() override;
  Result<std::string> ledgerJson(const LedgerQuery& q) override;
  Result<std::optional<std::string>> schoolJson(std::string_view school_id) override;
  Result<std::optional<std::vector<std::string>>> records(const RecordsQuery& q) override;
  Result<std::string> ledgerExport(const LedgerQuery& q, ExportFormat format) override;
  Result<std::optional<SchoolPlace>> schoolPlace(std::string_view school_id) override;
  void writeMetrics(MetricsText& out) override;

 private:
  Result<Ledger> compute(LedgerGrouping by, int days, const std::string& school_id,
                         const auth::Scope& scope = {});
  std::int64_t nowMs() const;

  std::mutex mu_;
  std::unique_ptr<db::Database> db_;
  StoreApiDataOptions options_;

  struct GaugeCache {
    std::int64_t computed_ms = 0;
    double compute_seconds = 0;
    std::vector<std::pair<std::string, Ledger>> by_level;  // "province", "city", …
    bool ok = false;
  } gauges_;
};

// The JSON documents of the API (also used by `ledger --format json` if the CLI wants them).
nlohmann::json ledgerToJson(const Ledger& ledger);
nlohmann::json schoolRowToJson(const SchoolLedgerRow& row);

}  // namespace uplinkprobe::collector::api
