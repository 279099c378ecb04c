// ApiData: what the HTTP API reads, behind one narrow interface so that the routes (param
// checks, status codes, content types) are unit-tested with a fake and the database-backed
// implementation (collector/api/store_api_data.h) is tested against real SQLite/PostgreSQL.
//
// Threading: the API server calls these from its worker threads, possibly concurrently;
// implementations serialise access to what they share (one database connection under a
// mutex). Errors (database unreachable, query failed) come back as Error and become 503
// with a JSON body; they never throw.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collector/api/metrics_text.h"
#include "collector/auth/scope.h"
#include "common/result.h"

namespace uplinkprobe::collector::api {

// ?by= of the ledger and its exports.
enum class LedgerBy { kProvince, kCity, kCounty, kCarrier, kSchool };
std::string_view ledgerByName(LedgerBy by);
std::optional<LedgerBy> parseLedgerBy(std::string_view text);

struct LedgerQuery {
  LedgerBy by = LedgerBy::kCounty;
  int days = 30;      // window of the medians and shares, 1..kMaxLedgerDays
  auth::Scope scope;  // only the schools of this region (default: the whole province)
};

// Where a school is, for the scope check of /api/v1/schools/{id}: the registry's city and
// county ("" for a school only devices know).
struct SchoolPlace {
  std::string city, county;
};

struct RecordsQuery {
  std::string school_id;
  std::optional<std::string> kind;       // one of kRecordKinds
  std::optional<std::int64_t> since_ms;  // records with ts >= since (UTC ms)
  int limit = 100;                       // 1..kMaxRecordsLimit
};

enum class ExportFormat { kCsv, kXlsx };

inline constexpr int kMaxLedgerDays = 366;
inline constexpr int kDefaultRecordsLimit = 100;
inline constexpr int kMaxRecordsLimit = 1000;

// Record kinds as stored (the `kind` column): the schema kinds of docs/schema/.
inline constexpr std::string_view kRecordKinds[] = {
    "throughput", "availability", "outage", "power",  "daily",
    "alert",      "alert_state",  "event",  "status", "gap"};

class ApiData {
 public:
  virtual ~ApiData() = default;

  // Ready to serve (database reachable). The message says what is wrong otherwise.
  virtual Status health() = 0;

  // GET /api/v1/ledger: a JSON document (object) for the query.
  virtual Result<std::string> ledgerJson(const LedgerQuery& q) = 0;

  // GET /api/v1/schools/{id}: a JSON object, or nullopt when the school is neither in the
  // registry nor reported by any device (404).
  virtual Result<std::optional<std::string>> schoolJson(std::string_view school_id) = 0;

  // GET /api/v1/schools/{id}/records: the stored payloads (verbatim JSON objects, as
  // received), oldest first, at most q.limit; nullopt for an unknown school (404).
  virtual Result<std::optional<std::vector<std::string>>> records(const RecordsQuery& q) = 0;

  // The school's place, or nullopt when neither the registry nor a device knows it. The
  // default (no registry) puts every school at province level: scoped users see none.
  virtual Result<std::optional<SchoolPlace>> schoolPlace(std::string_view school_id) {
    return std::optional<SchoolPlace>(SchoolPlace{});
  }

  // GET /export/ledger.csv|.xlsx: the file's bytes.
  virtual Result<std::string> ledgerExport(const LedgerQuery& q, ExportFormat format) = 0;

  // Appends data-derived families (per-region gauges) to /metrics. May serve a cached
  // computation; must not fail the scrape (on error, write what is known).
  virtual void writeMetrics(MetricsText& out) {}
};

}  // namespace uplinkprobe::collector::api
