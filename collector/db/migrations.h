// Versioned schema migrations. Each migration runs once, in its own transaction, in version
// order; the applied versions are rows of `schema_migrations`. A known version missing from
// them is applied even when a higher one already was (versions landed out of order). A database
// written by a newer collector (a version this build does not know) is refused rather than guessed
// at.
#pragma once

#include <string>
#include <vector>

#include "collector/db/database.h"

namespace uplinkprobe::collector::db {

struct Migration {
  int version;
  std::string name;
  std::string sqlite_sql;    // statements for SQLite
  std::string postgres_sql;  // statements for PostgreSQL ("" = same as sqlite_sql)
};

// Applies the migrations not yet applied. Returns the schema version afterwards.
Result<int> migrate(Database& db, const std::vector<Migration>& migrations);

}  // namespace uplinkprobe::collector::db
