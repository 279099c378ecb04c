// RecordStore: the collector's write path. Ingest hands it batches of already validated
// records (and the messages it refused); one batch is one database transaction, so ingest
// acknowledges a batch's MQTT messages only after commitBatch() returned ok.
//
// Guarantees:
//  - Exactly once per key (device_id, journal_id, seq): a re-sent copy (same key) is counted
//    in BatchOutcome::duplicates and not stored again — also across collectors sharing one
//    PostgreSQL database (the key table `record_keys` is the arbiter; see
//    docs/collector-database.md).
//  - All or nothing: on error nothing of the batch is stored; the caller may retry the same
//    batch (the keys make the retry idempotent).
//  - Retained `status` and `alert_state` (topic …/alert/state) update `devices` (current
//    state); `status` messages have no seq and are not stored as records. Devices naming a
//    school that is not in the registry are kept and listed (unknownSchoolDevices()).
//  - Per journal (device_id, journal_id) the store keeps min/max seq and the count of stored
//    records, so holes show as missing evidence; `gap` records add to `gap_announced`.
//
// Thread-safety: one RecordStore per Database connection, used from one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "collector/db/database.h"
#include "collector/store/local_time.h"
#include "common/result.h"

namespace uplinkprobe::collector {

struct ValidRecord {
  std::string topic;      // MQTT topic it arrived on
  std::string payload;    // the exact bytes received (stored verbatim)
  nlohmann::json record;  // parsed payload, already schema-validated by ingest
};

struct Rejection {
  std::string topic;
  std::string reason;  // short class, e.g. "json", "schema", "topic_mismatch", "too_large"
  std::string head;    // first ≤ 512 bytes of the payload
};

struct BatchOutcome {
  size_t stored = 0, duplicates = 0, rejected = 0;
};

struct StoreOptions {
  // Local time of the ledger; default: the process time zone (TZ from [ledger] timezone).
  LocalClock local_clock;
  // [ledger] school_hours as of writing: records are rolled up per school and local day with
  // their school-hours share (school_days). Changing school_hours applies from then on.
  SchoolHours school_hours = SchoolHours::always();
  // Receive time in ms since the epoch, UTC; default the system clock (tests pin it).
  std::function<int64_t()> now_ms;
};

class RecordStore {
 public:
  // `db` must outlive the store and be migrated (collector/store/schema.h: migrateStore()).
  explicit RecordStore(db::Database& db, StoreOptions options = {});

  Result<BatchOutcome> commitBatch(const std::vector<ValidRecord>& records,
                                   const std::vector<Rejection>& rejections);

 private:
  Status ensurePartitions(const std::vector<int64_t>& ts_ms);

  db::Database& db_;
  StoreOptions options_;
  std::vector<int64_t> known_months_;  // PostgreSQL: months whose records partition exists
};

}  // namespace uplinkprobe::collector
