#include "collector/api/api_handler.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/time_format.h"
#include "http/query_string.h"

namespace uplinkprobe::collector::api {

namespace {

using http::Request;
using http::RequestContext;
using http::Response;

constexpr std::string_view kJson = "application/json; charset=utf-8";
constexpr std::string_view kCommonHeaders = "X-Content-Type-Options: nosniff\r\n";
constexpr std::string_view kSchoolsPrefix = "/api/v1/schools/";
constexpr std::size_t kMaxSchoolIdBytes = 128;

std::string noStoreHeaders() {
  return std::string(http::kNoStoreHeaders) + std::string(kCommonHeaders);
}

Response jsonResponse(int status, const std::string& body, const Request& req, bool close,
                      std::string_view extra = {}) {
  return http::makeResponse(status, kJson, body, close, noStoreHeaders() + std::string(extra),
                            req.method == "HEAD");
}

Response jsonError(int status, std::string_view error, std::string_view message, const Request& req,
                   bool close, std::string_view parameter = {}, std::string_view extra = {}) {
  nlohmann::json j;
  j["error"] = error;
  if (!parameter.empty()) j["parameter"] = parameter;
  j["message"] = message;
  // Replace invalid UTF-8 (a client's bytes echoed in the message) instead of throwing.
  return jsonResponse(status, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), req,
                      close, extra);
}

// A request's parameters, checked against what the route accepts.
struct Params {
  std::vector<http::QueryPair> pairs;
  const std::string* get(std::string_view name) const {
    for (const auto& p : pairs) {
      if (p.name == name) return &p.value;
    }
    return nullptr;
  }
};

struct BadParam {
  std::string parameter;
  std::string message;
};

std::string joinNames(std::initializer_list<std::string_view> names) {
  std::string s;
  for (auto n : names) {
    if (!s.empty()) s += ", ";
    s += n;
  }
  return s;
}

std::optional<BadParam> parseParams(const Request& req,
                                    std::initializer_list<std::string_view> allowed, Params& out) {
  auto pairs = http::parseQuery(req.query, 32);
  if (!pairs) {
    return BadParam{"", "the query string is malformed (bad %-escape or more than 32 parameters)"};
  }
  for (std::size_t i = 0; i < pairs->size(); ++i) {
    const auto& name = (*pairs)[i].name;
    bool known = false;
    for (auto a : allowed) known = known || a == name;
    if (!known) {
      std::string msg = "unknown parameter '" + name + "'";
      msg +=
          allowed.size() == 0 ? "; this endpoint takes none" : "; accepted: " + joinNames(allowed);
      return BadParam{name, msg};
    }
    for (std::size_t k = 0; k < i; ++k) {
      if ((*pairs)[k].name == name) return BadParam{name, "parameter '" + name + "' given twice"};
    }
  }
  out.pairs = std::move(*pairs);
  return std::nullopt;
}

std::optional<long long> parseInteger(std::string_view s) {
  long long v = 0;
  if (s.empty() || s.size() > 12) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<BadParam> ledgerQuery(const Params& params, LedgerQuery& q) {
  if (const auto* by = params.get("by")) {
    auto parsed = parseLedgerBy(*by);
    if (!parsed) {
      return BadParam{
          "by", "by must be one of province, city, county, carrier, school (got '" + *by + "')"};
    }
    q.by = *parsed;
  }
  if (const auto* days = params.get("days")) {
    auto n = parseInteger(*days);
    if (!n || *n < 1 || *n > kMaxLedgerDays) {
      return BadParam{"days", "days must be a whole number of days from 1 to " +
                                  std::to_string(kMaxLedgerDays) + " (got '" + *days + "')"};
    }
    q.days = static_cast<int>(*n);
  }
  return std::nullopt;
}

std::optional<BadParam> recordsQuery(const Params& params, RecordsQuery& q) {
  if (const auto* kind = params.get("kind")) {
    bool known = false;
    for (auto k : kRecordKinds) known = known || k == *kind;
    if (!known) {
      std::string kinds;
      for (auto k : kRecordKinds) {
        if (!kinds.empty()) kinds += ", ";
        kinds += k;
      }
      return BadParam{"kind", "kind must be one of " + kinds + " (got '" + *kind + "')"};
    }
    q.kind = *kind;
  }
  if (const auto* since = params.get("since")) {
    auto t = parseRfc3339(*since);
    if (!t) {
      return BadParam{
          "since",
          "since must be an RFC 3339 time such as 2026-12-01T00:00:00Z (got '" + *since + "')"};
    }
    q.since_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
  }
  if (const auto* limit = params.get("limit")) {
    auto n = parseInteger(*limit);
    if (!n || *n < 1 || *n > kMaxRecordsLimit) {
      return BadParam{"limit", "limit must be a whole number from 1 to " +
                                   std::to_string(kMaxRecordsLimit) + " (got '" + *limit + "')"};
    }
    q.limit = static_cast<int>(*n);
  }
  return std::nullopt;
}

// A school id from the path: percent-decoded, non-empty, bounded, printable (no control
// bytes, no '/'); the registry's ids are codes like "22010200001".
std::optional<std::string> schoolIdFromSegment(std::string_view segment) {
  auto id = http::percentDecode(segment);
  if (!id || id->empty() || id->size() > kMaxSchoolIdBytes) return std::nullopt;
  for (unsigned char c : *id) {
    if (c < 0x20 || c == 0x7f || c == '/') return std::nullopt;
  }
  return id;
}

Route routeFor(std::string_view path) {
  if (path == "/healthz") return Route::kHealthz;
  if (path == "/metrics") return Route::kMetrics;
  if (path == "/api/v1/ledger") return Route::kLedger;
  if (path == "/export/ledger.csv") return Route::kExportCsv;
  if (path == "/export/ledger.xlsx") return Route::kExportXlsx;
  if (path.substr(0, kSchoolsPrefix.size()) == kSchoolsPrefix) {
    std::string_view rest = path.substr(kSchoolsPrefix.size());
    std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return Route::kSchool;
    if (rest.substr(slash) == "/records") return Route::kSchoolRecords;
  }
  return Route::kUnknown;
}

}  // namespace

std::string_view ledgerByName(LedgerBy by) {
  switch (by) {
    case LedgerBy::kProvince:
      return "province";
    case LedgerBy::kCity:
      return "city";
    case LedgerBy::kCounty:
      return "county";
    case LedgerBy::kCarrier:
      return "carrier";
    case LedgerBy::kSchool:
      return "school";
  }
  return "county";
}

std::optional<LedgerBy> parseLedgerBy(std::string_view text) {
  for (LedgerBy by : {LedgerBy::kProvince, LedgerBy::kCity, LedgerBy::kCounty, LedgerBy::kCarrier,
                      LedgerBy::kSchool}) {
    if (ledgerByName(by) == text) return by;
  }
  return std::nullopt;
}

std::string_view routeName(Route r) {
  switch (r) {
    case Route::kHealthz:
      return "healthz";
    case Route::kMetrics:
      return "metrics";
    case Route::kLedger:
      return "ledger";
    case Route::kSchool:
      return "school";
    case Route::kSchoolRecords:
      return "school_records";
    case Route::kExportCsv:
      return "export_csv";
    case Route::kExportXlsx:
      return "export_xlsx";
    case Route::kUnknown:
      return "unknown";
  }
  return "unknown";
}

ApiHandler::ApiHandler(ApiData& data, std::vector<MetricsSource> sources)
    : data_(data), sources_(std::move(sources)) {}

Response ApiHandler::respond(const Request& req, const RequestContext& ctx) const {
  Route which = Route::kUnknown;
  Response r = route(req, ctx, which, auth::Scope{}, {});
  count(which, r.status);
  return r;
}

Response ApiHandler::respondScoped(const Request& req, const RequestContext& ctx,
                                   const auth::Scope& scope, std::string_view who) const {
  Route which = Route::kUnknown;
  Response r = route(req, ctx, which, scope, who);
  count(which, r.status);
  return r;
}

void ApiHandler::count(Route r, int status) const {
  std::size_t code = kCodes.size();
  for (std::size_t i = 0; i < kCodes.size(); ++i) {
    if (kCodes[i] == status) code = i;
  }
  requests_[static_cast<std::size_t>(r)][code].fetch_add(1, std::memory_order_relaxed);
}

void ApiHandler::writeRequestMetrics(MetricsText& out) const {
  out.family("uplinkprobe_collector_http_requests_total", MetricsText::Type::kCounter,
             "HTTP requests answered by the collector's API, by route and status code.");
  for (std::size_t r = 0; r < kRouteCount; ++r) {
    for (std::size_t c = 0; c <= kCodes.size(); ++c) {
      std::uint64_t n = requests_[r][c].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out.sample(static_cast<double>(n),
                 {{"route", std::string(routeName(static_cast<Route>(r)))},
                  {"code", c < kCodes.size() ? std::to_string(kCodes[c]) : "other"}});
    }
  }
}

Response ApiHandler::route(const Request& req, const RequestContext& ctx, Route& which,
                           const auth::Scope& scope, std::string_view who) const {
  const bool close = ctx.close || req.hasBody();
  which = routeFor(req.path);
  if (which == Route::kUnknown) {
    return jsonError(404, "not_found",
                     "no such endpoint; see /api/v1/ledger, /api/v1/schools/{school_id}, "
                     "/export/ledger.csv, /metrics, /healthz",
                     req, close);
  }
  if (req.method != "GET" && req.method != "HEAD") {
    return jsonError(405, "method_not_allowed", "only GET and HEAD are served", req, close, {},
                     "Allow: GET, HEAD\r\n");
  }

  Params params;
  auto bad = [&](const BadParam& b) {
    return jsonError(400, "bad_parameter", b.message, req, close, b.parameter);
  };
  auto unavailable = [&](const Error& e) {
    spdlog::error("api: {} {}: {}", req.method, req.path, e.message);
    return jsonError(503, "unavailable", "the data store is unavailable; see the collector's log",
                     req, close, {}, "Retry-After: 5\r\n");
  };

  switch (which) {
    case Route::kHealthz: {
      if (auto b = parseParams(req, {}, params)) return bad(*b);
      Status st = data_.health();
      if (!st) {
        nlohmann::json j{{"status", "unavailable"}, {"message", st.error().message}};
        return jsonResponse(503, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                            req, close);
      }
      return jsonResponse(200, R"({"status":"ok"})", req, close);
    }
    case Route::kMetrics: {
      if (auto b = parseParams(req, {}, params)) return bad(*b);
      MetricsText text;
      for (const auto& source : sources_) source(text);
      data_.writeMetrics(text);
      writeRequestMetrics(text);
      return http::makeResponse(200, kMetricsContentType, text.text(), close, noStoreHeaders(),
                                req.method == "HEAD");
    }
    case Route::kLedger:
    case Route::kExportCsv:
    case Route::kExportXlsx: {
      if (auto b = parseParams(req, {"by", "days"}, params)) return bad(*b);
      LedgerQuery q;
      if (auto b = ledgerQuery(params, q)) return bad(*b);
      q.scope = scope;
      if (which == Route::kLedger) {
        auto body = data_.ledgerJson(q);
        if (!body) return unavailable(body.error());
        return jsonResponse(200, *body, req, close);
      }
      const bool csv = which == Route::kExportCsv;
      auto bytes = data_.ledgerExport(q, csv ? ExportFormat::kCsv : ExportFormat::kXlsx);
      if (!bytes) return unavailable(bytes.error());
      std::string headers = noStoreHeaders();
      headers += "Content-Disposition: attachment; filename=\"ledger-";
      headers += ledgerByName(q.by);
      headers += csv ? ".csv\"\r\n" : ".xlsx\"\r\n";
      return http::makeResponse(
          200,
          csv ? "text/csv; charset=utf-8"
              : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          std::move(*bytes), close, headers, req.method == "HEAD");
    }
    case Route::kSchool:
    case Route::kSchoolRecords: {
      std::string_view rest = std::string_view(req.path).substr(kSchoolsPrefix.size());
      auto id = schoolIdFromSegment(rest.substr(0, rest.find('/')));
      if (!id) {
        return bad({"school_id",
                    "school_id in the path must be 1 to 128 bytes, percent-encoded, without "
                    "control characters or '/'"});
      }
      if (!scope.province()) {
        auto place = data_.schoolPlace(*id);
        if (!place) return unavailable(place.error());
        if (!*place || !auth::inScope(scope, (*place)->city, (*place)->county)) {
          if (*place) {
            scope_refusals_.fetch_add(1, std::memory_order_relaxed);
            spdlog::warn("api: {} (scope {}) refused school {}", who, auth::scopeText(scope), *id);
          }
          return jsonError(404, "unknown_school",
                           "school '" + *id + "' is not in the registry and no device reports it",
                           req, close);
        }
      }
      if (which == Route::kSchool) {
        if (auto b = parseParams(req, {}, params)) return bad(*b);
        auto body = data_.schoolJson(*id);
        if (!body) return unavailable(body.error());
        if (!*body) {
          return jsonError(404, "unknown_school",
                           "school '" + *id + "' is not in the registry and no device reports it",
                           req, close);
        }
        return jsonResponse(200, **body, req, close);
      }
      if (auto b = parseParams(req, {"kind", "since", "limit"}, params)) return bad(*b);
      RecordsQuery q;
      q.school_id = *id;
      if (auto b = recordsQuery(params, q)) return bad(*b);
      auto rows = data_.records(q);
      if (!rows) return unavailable(rows.error());
      if (!*rows) {
        return jsonError(404, "unknown_school",
                         "school '" + *id + "' is not in the registry and no device reports it",
                         req, close);
      }
      // The stored payloads are the received JSON objects, validated at ingest: joined as
      // they are, not parsed and re-serialised.
      std::string body = "[";
      for (std::size_t i = 0; i < (*rows)->size(); ++i) {
        if (i) body += ',';
        body += (**rows)[i];
      }
      body += ']';
      return jsonResponse(200, body, req, close);
    }
    case Route::kUnknown:
      break;
  }
  return jsonError(404, "not_found", "no such endpoint", req, close);
}

}  // namespace uplinkprobe::collector::api
