#include "collector/db/migrations.h"

#include <algorithm>
#include <chrono>

namespace uplinkprobe::collector::db {

Result<int> migrate(Database& db, const std::vector<Migration>& migrations) {
  if (auto st =
          db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                  "name TEXT NOT NULL, applied_ms BIGINT NOT NULL)");
      !st)
    return st.error();
  auto rows = db.query("SELECT version FROM schema_migrations ORDER BY version");
  if (!rows) return rows.error();
  int current = 0;
  std::vector<int> applied;
  for (const auto& r : rows->rows) {
    applied.push_back(static_cast<int>(asInt(r[0]).value_or(0)));
    current = std::max(current, applied.back());
  }
  int newest_known = 0;
  for (const auto& m : migrations) newest_known = std::max(newest_known, m.version);
  if (current > newest_known)
    return makeError(ErrorKind::kDb, db.describe() + ": schema version " + std::to_string(current) +
                                         " is newer than this collector knows (" +
                                         std::to_string(newest_known) + "); upgrade the collector");
  std::vector<const Migration*> todo;
  // Every known migration not applied yet, also one below the newest applied: versions are
  // reserved by parallel work and may land out of order (3 and 4 landed after 5).
  for (const auto& m : migrations)
    if (std::find(applied.begin(), applied.end(), m.version) == applied.end()) todo.push_back(&m);
  std::sort(todo.begin(), todo.end(),
            [](const Migration* a, const Migration* b) { return a->version < b->version; });
  for (const Migration* m : todo) {
    const std::string& sql = db.dialect() == Dialect::kPostgres && !m->postgres_sql.empty()
                                 ? m->postgres_sql
                                 : m->sqlite_sql;
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    auto st = inTransaction(db, [&]() -> Status {
      // Another collector may have applied it meanwhile (PostgreSQL): the insert of the
      // version row conflicts and this transaction rolls back; we re-check below.
      if (auto s = db.exec(sql); !s) return s;
      auto r =
          db.execute("INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)",
                     {int64_t{m->version}, m->name, now});
      if (!r) return r.error();
      return Status::Ok();
    });
    if (!st) {
      auto again = db.query("SELECT version FROM schema_migrations WHERE version = ?",
                            {int64_t{m->version}});
      if (again && !again->empty()) continue;
      return makeError(ErrorKind::kDb, "migration " + std::to_string(m->version) + " (" + m->name +
                                           "): " + st.error().message);
    }
    current = std::max(current, m->version);
  }
  return std::max(current, newest_known);
}

}  // namespace uplinkprobe::collector::db
