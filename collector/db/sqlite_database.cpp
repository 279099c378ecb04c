// SQLite backend: WAL journal, synchronous NORMAL (or FULL), a busy timeout, statements
// prepared once per connection and cached by their SQL text.
#include <sqlite3.h>

#include <map>

#include "collector/db/backends.h"

namespace uplinkprobe::collector::db {
namespace {

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteDatabase() override {
    for (auto& [sql, st] : cache_) sqlite3_finalize(st);
    sqlite3_close_v2(db_);
  }

  Dialect dialect() const override { return Dialect::kSqlite; }
  std::string describe() const override { return "sqlite://" + path_; }

  Status exec(std::string_view sql) override {
    char* err = nullptr;
    std::string text(sql);
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string m = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      return makeError(ErrorKind::kDb, "sqlite: " + m);
    }
    return Status::Ok();
  }

  Result<Rows> query(std::string_view sql, const Params& params) override {
    Rows out;
    auto st = run(sql, params, &out);
    if (!st) return st.error();
    return out;
  }

  Status scan(std::string_view sql, const Params& params,
              const std::function<void(const RowView&)>& row) override {
    return run(sql, params, nullptr, &row);
  }

  Result<int64_t> execute(std::string_view sql, const Params& params) override {
    auto st = run(sql, params, nullptr);
    if (!st) return st.error();
    return static_cast<int64_t>(sqlite3_changes64(db_));
  }

  Status begin() override { return exec("BEGIN IMMEDIATE"); }
  Status commit() override { return exec("COMMIT"); }
  Status rollback() override {
    if (sqlite3_get_autocommit(db_)) return Status::Ok();
    return exec("ROLLBACK");
  }

 private:
  Result<sqlite3_stmt*> prepare(std::string_view sql) {
    std::string key(sql);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()), SQLITE_PREPARE_PERSISTENT,
                           &st, nullptr) != SQLITE_OK)
      return makeError(ErrorKind::kDb,
                       std::string("sqlite: ") + sqlite3_errmsg(db_) + " in: " + key);
    if (cache_.size() > 256) {  // bounded: statements are a fixed set, this is a safety net
      for (auto& [s, p] : cache_) sqlite3_finalize(p);
      cache_.clear();
    }
    cache_.emplace(std::move(key), st);
    return st;
  }

  class StmtRow final : public RowView {
   public:
    explicit StmtRow(sqlite3_stmt* st) : st_(st) {}
    size_t size() const override { return static_cast<size_t>(sqlite3_column_count(st_)); }
    bool isNull(size_t i) const override {
      return sqlite3_column_type(st_, static_cast<int>(i)) == SQLITE_NULL;
    }
    std::string_view text(size_t i) const override {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, static_cast<int>(i)));
      return p ? std::string_view(
                     p, static_cast<size_t>(sqlite3_column_bytes(st_, static_cast<int>(i))))
               : std::string_view();
    }
    std::optional<double> real(size_t i) const override {
      if (isNull(i)) return std::nullopt;
      return sqlite3_column_double(st_, static_cast<int>(i));
    }
    std::optional<int64_t> integer(size_t i) const override {
      if (isNull(i)) return std::nullopt;
      return static_cast<int64_t>(sqlite3_column_int64(st_, static_cast<int>(i)));
    }

   private:
    sqlite3_stmt* st_;
  };

  Status run(std::string_view sql, const Params& params, Rows* out,
             const std::function<void(const RowView&)>* each = nullptr) {
    auto prepared = prepare(sql);
    if (!prepared) return prepared.error();
    sqlite3_stmt* st = *prepared;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(st))
      return makeError(ErrorKind::kDb, "sqlite: statement wants " +
                                           std::to_string(sqlite3_bind_parameter_count(st)) +
                                           " parameters, got " + std::to_string(params.size()) +
                                           ": " + std::string(sql));
    for (size_t i = 0; i < params.size(); ++i) {
      const int idx = static_cast<int>(i + 1);
      const Value& v = params[i];
      int rc = SQLITE_OK;
      if (std::holds_alternative<std::monostate>(v))
        rc = sqlite3_bind_null(st, idx);
      else if (auto* n = std::get_if<int64_t>(&v))
        rc = sqlite3_bind_int64(st, idx, *n);
      else if (auto* d = std::get_if<double>(&v))
        rc = sqlite3_bind_double(st, idx, *d);
      else {
        const auto& s = std::get<std::string>(v);
        rc = sqlite3_bind_text64(st, idx, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
      }
      if (rc != SQLITE_OK)
        return makeError(ErrorKind::kDb, std::string("sqlite bind: ") + sqlite3_errmsg(db_));
    }
    if (out) {
      const int n = sqlite3_column_count(st);
      out->columns.clear();
      for (int c = 0; c < n; ++c) out->columns.emplace_back(sqlite3_column_name(st, c));
    }
    for (;;) {
      int rc = sqlite3_step(st);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        std::string m = sqlite3_errmsg(db_);
        sqlite3_reset(st);
        return makeError(ErrorKind::kDb, "sqlite: " + m);
      }
      if (each) {
        (*each)(StmtRow(st));
        continue;
      }
      if (!out) continue;
      const int n = sqlite3_column_count(st);
      std::vector<Value> row;
      row.reserve(n);
      for (int c = 0; c < n; ++c) {
        switch (sqlite3_column_type(st, c)) {
          case SQLITE_INTEGER:
            row.emplace_back(static_cast<int64_t>(sqlite3_column_int64(st, c)));
            break;
          case SQLITE_FLOAT:
            row.emplace_back(sqlite3_column_double(st, c));
            break;
          case SQLITE_NULL:
            row.emplace_back(std::monostate{});
            break;
          default: {
            const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
            row.emplace_back(
                std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(st, c))));
          }
        }
      }
      out->rows.push_back(std::move(row));
    }
    sqlite3_reset(st);
    return Status::Ok();
  }

  sqlite3* db_;
  std::string path_;
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
};

}  // namespace

Result<std::unique_ptr<Database>> openSqlite(const std::string& path, const Options& options) {
  if (options.sqlite_synchronous != "normal" && options.sqlite_synchronous != "full")
    return makeError(ErrorKind::kDb, "sqlite_synchronous must be \"normal\" or \"full\"");
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &raw, flags, nullptr) != SQLITE_OK) {
    std::string m = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close_v2(raw);
    return makeError(ErrorKind::kDb, "sqlite: cannot open " + path + ": " + m);
  }
  auto db = std::make_unique<SqliteDatabase>(raw, path);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  sqlite3_extended_result_codes(raw, 1);
  const std::string pragmas =
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=" + options.sqlite_synchronous +
      "; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
      " PRAGMA cache_size=-65536;";
  if (auto st = db->exec(pragmas); !st) return st.error();
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace uplinkprobe::collector::db
