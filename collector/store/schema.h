// The collector's tables (the stable read interface for Grafana/Superset is documented in
// docs/collector-database.md) and their migrations.
#pragma once

#include <vector>

#include "collector/db/database.h"
#include "collector/db/migrations.h"

namespace uplinkprobe::collector {

const std::vector<db::Migration>& storeMigrations();
// Applies storeMigrations(); returns the schema version.
Result<int> migrateStore(db::Database& db);

// PostgreSQL: the name of the monthly partition of `records` holding `utc_ms`, and the DDL
// that creates it (idempotent).
std::string recordsPartitionDdl(int64_t utc_ms);

}  // namespace uplinkprobe::collector
