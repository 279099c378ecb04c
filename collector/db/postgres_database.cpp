// PostgreSQL backend (libpq): one connection, statements prepared once per connection (named
// s1, s2, … and cached by SQL text), `?` placeholders rewritten to $n, results in text format
// converted by column type (int2/4/8 → int64, float4/8/numeric → double, bool → 0/1).
#include <libpq-fe.h>

#include <map>
#include <memory>

#include "collector/db/backends.h"

namespace uplinkprobe::collector::db {
namespace {

constexpr Oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kFloat4 = 700, kFloat8 = 701,
              kNumeric = 1700;

std::string redact(const std::string& url) {
  // postgresql://user:secret@host/db → postgresql://user@host/db
  auto scheme = url.find("://");
  auto at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return url;
  auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + url.substr(at);
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

class ResultRow final : public RowView {
 public:
  explicit ResultRow(PGresult* r) : r_(r) {}
  void at(int i) { i_ = i; }
  size_t size() const override { return static_cast<size_t>(PQnfields(r_)); }
  bool isNull(size_t c) const override { return PQgetisnull(r_, i_, static_cast<int>(c)); }
  std::string_view text(size_t c) const override {
    if (isNull(c)) return {};
    return std::string_view(PQgetvalue(r_, i_, static_cast<int>(c)),
                            static_cast<size_t>(PQgetlength(r_, i_, static_cast<int>(c))));
  }
  std::optional<double> real(size_t c) const override {
    if (isNull(c)) return std::nullopt;
    const char* v = PQgetvalue(r_, i_, static_cast<int>(c));
    if (v[0] == 't') return 1.0;
    if (v[0] == 'f') return 0.0;
    return std::strtod(v, nullptr);
  }
  std::optional<int64_t> integer(size_t c) const override {
    if (isNull(c)) return std::nullopt;
    const char* v = PQgetvalue(r_, i_, static_cast<int>(c));
    if (v[0] == 't') return 1;
    if (v[0] == 'f') return 0;
    return static_cast<int64_t>(std::strtoll(v, nullptr, 10));
  }

 private:
  PGresult* r_;
  int i_ = 0;
};

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(PGconn* c, std::string url) : conn_(c), url_(redact(url)) {}
  ~PostgresDatabase() override { PQfinish(conn_); }

  Dialect dialect() const override { return Dialect::kPostgres; }
  std::string describe() const override { return url_; }

  Status exec(std::string_view sql) override {
    PgResult r(PQexec(conn_, std::string(sql).c_str()));
    auto s = PQresultStatus(r.get());
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return error(r.get());
    return Status::Ok();
  }

  Result<Rows> query(std::string_view sql, const Params& params) override {
    auto r = run(sql, params);
    if (!r) return r.error();
    PGresult* res = r->get();
    Rows out;
    const int nf = PQnfields(res), nt = PQntuples(res);
    std::vector<Oid> types(nf);
    for (int c = 0; c < nf; ++c) {
      out.columns.emplace_back(PQfname(res, c));
      types[c] = PQftype(res, c);
    }
    out.rows.reserve(nt);
    for (int i = 0; i < nt; ++i) {
      std::vector<Value> row;
      row.reserve(nf);
      for (int c = 0; c < nf; ++c) {
        if (PQgetisnull(res, i, c)) {
          row.emplace_back(std::monostate{});
          continue;
        }
        const char* v = PQgetvalue(res, i, c);
        switch (types[c]) {
          case kInt2:
          case kInt4:
          case kInt8:
            row.emplace_back(static_cast<int64_t>(std::strtoll(v, nullptr, 10)));
            break;
          case kFloat4:
          case kFloat8:
          case kNumeric:
            row.emplace_back(std::strtod(v, nullptr));
            break;
          case kBool:
            row.emplace_back(static_cast<int64_t>(v[0] == 't' ? 1 : 0));
            break;
          default:
            row.emplace_back(std::string(v, static_cast<size_t>(PQgetlength(res, i, c))));
        }
      }
      out.rows.push_back(std::move(row));
    }
    return out;
  }

  Status scan(std::string_view sql, const Params& params,
              const std::function<void(const RowView&)>& each) override {
    auto r = run(sql, params);
    if (!r) return r.error();
    PGresult* res = r->get();
    ResultRow row(res);
    const int nt = PQntuples(res);
    for (int i = 0; i < nt; ++i) {
      row.at(i);
      each(row);
    }
    return Status::Ok();
  }

  Result<int64_t> execute(std::string_view sql, const Params& params) override {
    auto r = run(sql, params);
    if (!r) return r.error();
    const char* n = PQcmdTuples(r->get());
    return static_cast<int64_t>(n && *n ? std::strtoll(n, nullptr, 10) : 0);
  }

  Status begin() override { return exec("BEGIN"); }
  Status commit() override { return exec("COMMIT"); }
  Status rollback() override {
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return Status::Ok();
    return exec("ROLLBACK");
  }

 private:
  Error error(PGresult* r) {
    std::string m = r ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    if (PQstatus(conn_) == CONNECTION_BAD) {
      // The server went away: try once to reconnect so the next call can work; prepared
      // statements are gone with the old session.
      PQreset(conn_);
      names_.clear();
    }
    return makeError(ErrorKind::kDb, "postgresql: " + m);
  }

  Result<PgResult> run(std::string_view sql, const Params& params) {
    std::string key(sql);
    auto it = names_.find(key);
    if (it == names_.end()) {
      std::string name = "s" + std::to_string(++counter_);
      PgResult p(PQprepare(conn_, name.c_str(), toDollarPlaceholders(sql).c_str(), 0, nullptr));
      if (PQresultStatus(p.get()) != PGRES_COMMAND_OK) {
        Error e = error(p.get());
        e.message += " in: " + key;
        return e;
      }
      it = names_.emplace(std::move(key), std::move(name)).first;
    }
    std::vector<std::string> text(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      if (std::holds_alternative<std::monostate>(v)) continue;
      if (auto* n = std::get_if<int64_t>(&v))
        text[i] = std::to_string(*n);
      else if (auto* d = std::get_if<double>(&v)) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g", *d);
        text[i] = buf;
      } else
        text[i] = std::get<std::string>(v);
      values[i] = text[i].c_str();
    }
    PgResult r(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()),
                              values.data(), nullptr, nullptr, 0));
    auto s = PQresultStatus(r.get());
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return error(r.get());
    return r;
  }

  PGconn* conn_;
  std::string url_;
  std::map<std::string, std::string, std::less<>> names_;
  uint64_t counter_ = 0;
};

void quietNotices(void*, const char*) {}

}  // namespace

std::string toDollarPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += '$' + std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

Result<std::unique_ptr<Database>> openPostgres(const std::string& url, const Options& options) {
  PGconn* c = PQconnectdb(url.c_str());
  if (!c) return makeError(ErrorKind::kDb, "postgresql: out of memory");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string m = PQerrorMessage(c);
    while (!m.empty() && m.back() == '\n') m.pop_back();
    PQfinish(c);
    return makeError(ErrorKind::kDb, "postgresql: cannot connect to " + redact(url) + ": " + m);
  }
  PQsetNoticeProcessor(c, quietNotices, nullptr);
  auto db = std::make_unique<PostgresDatabase>(c, url);
  if (auto st = db->exec("SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'"); !st)
    return st.error();
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace uplinkprobe::collector::db
