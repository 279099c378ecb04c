// Database: the one narrow interface through which the collector talks SQL, with a SQLite
// (libsqlite3, embedded, the default) and a PostgreSQL (libpq) backend. sqlite3* and PGconn*
// never leave collector/db.
//
// One SQL dialect (docs/collector-database.md lists the differences we avoid):
//  - placeholders are `?`, bound positionally; the PostgreSQL backend rewrites them to $1..$n
//    (outside quotes). Never write `$1` or `?1` yourself.
//  - types: TEXT, BIGINT (timestamps are BIGINT milliseconds since the epoch, UTC), DOUBLE
//    PRECISION, INTEGER (0/1 for booleans: no BOOLEAN, SQLite has none).
//  - upserts: INSERT … ON CONFLICT (cols) DO NOTHING | DO UPDATE SET x = excluded.x; no
//    MIN/MAX with two arguments (SQLite) or LEAST/GREATEST (PostgreSQL): use CASE WHEN.
//  - RETURNING is available on both (SQLite ≥ 3.35).
//  - DDL may differ (partitioning, types of generated columns): migrations carry a per-dialect
//    variant where they must; DML the store and the ledger run is the same text on both.
//
// Thread-safety: a Database is one connection; use it from one thread at a time. Several
// collectors (processes) may share one PostgreSQL database; SQLite is one process per file.
//
// Durability: SQLite runs in WAL mode. synchronous=NORMAL (default) survives a killed process
// (kill -9) with every committed transaction intact; a power cut may lose the last
// transactions committed before it (never corrupts). synchronous=FULL makes a commit durable
// across power loss at the cost of one fsync per commit ([database] sqlite_synchronous).
// PostgreSQL is durable on commit with its default synchronous_commit=on.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"

namespace uplinkprobe::collector::db {

enum class Dialect { kSqlite, kPostgres };

// A bound parameter or a result cell. monostate = SQL NULL.
using Value = std::variant<std::monostate, int64_t, double, std::string>;
using Params = std::vector<Value>;

struct Rows {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;

  bool empty() const { return rows.empty(); }
  size_t size() const { return rows.size(); }
};

// Typed cell accessors: NULL and type mismatches give nullopt (numbers convert between int
// and double; PostgreSQL NUMERIC arrives as double).
std::optional<int64_t> asInt(const Value& v);
std::optional<double> asDouble(const Value& v);
std::optional<std::string> asText(const Value& v);
bool isNull(const Value& v);

// One row of a scan(): cells read in place, valid only during the callback.
class RowView {
 public:
  virtual ~RowView() = default;
  virtual size_t size() const = 0;
  virtual bool isNull(size_t i) const = 0;
  virtual std::string_view text(size_t i) const = 0;  // "" for NULL
  virtual std::optional<double> real(size_t i) const = 0;
  virtual std::optional<int64_t> integer(size_t i) const = 0;
};

struct Options {
  // SQLite PRAGMA synchronous: "normal" (survives a killed process) or "full" (survives power
  // loss). Ignored by PostgreSQL.
  std::string sqlite_synchronous = "normal";
  // How long a statement waits for a lock held by another connection (SQLite busy_timeout,
  // PostgreSQL lock_timeout is left at its server default).
  int busy_timeout_ms = 10000;
};

class Database {
 public:
  virtual ~Database() = default;
  virtual Dialect dialect() const = 0;
  // The URL with any password removed, for logs.
  virtual std::string describe() const = 0;

  // Runs one or more statements without parameters (DDL, PRAGMA, BEGIN …).
  virtual Status exec(std::string_view sql) = 0;
  // Runs one statement with bound parameters; returns the rows it produced (none for plain
  // INSERT/UPDATE). Statements are prepared once per connection and cached by their text.
  virtual Result<Rows> query(std::string_view sql, const Params& params = {}) = 0;
  // Like query(), but hands each row to `row` in place instead of materialising the result
  // (no allocation per row): for the ledger's scans over 10^6 rows.
  virtual Status scan(std::string_view sql, const Params& params,
                      const std::function<void(const RowView&)>& row) = 0;
  // Runs one statement with bound parameters; returns the number of rows it changed.
  virtual Result<int64_t> execute(std::string_view sql, const Params& params = {}) = 0;

  // Transactions. begin() starts a write transaction (SQLite: BEGIN IMMEDIATE, so that a
  // writer never fails half-way on a lock upgrade).
  virtual Status begin() = 0;
  virtual Status commit() = 0;
  virtual Status rollback() = 0;
};

// Opens `url`: "sqlite:///abs/path.db", "sqlite://relative.db", "sqlite::memory:", or
// "postgresql://…" / "postgres://…" (any libpq connection URI). Errors have kind "db".
Result<std::unique_ptr<Database>> openDatabase(const std::string& url, const Options& options = {});

// Runs `fn` inside begin()/commit(); rolls back when fn returns an error (or commit fails).
template <typename Fn>
auto inTransaction(Database& db, Fn&& fn) -> decltype(fn()) {
  if (auto st = db.begin(); !st) return st.error();
  auto r = fn();
  if (!r) {
    (void)db.rollback();
    return r;
  }
  if (auto st = db.commit(); !st) {
    (void)db.rollback();
    return st.error();
  }
  return r;
}

}  // namespace uplinkprobe::collector::db
