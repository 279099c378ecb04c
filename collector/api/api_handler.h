// ApiHandler: the collector's HTTP routes on the shared core (http/), as pure functions of a
// parsed request plus ApiData.
//
//   GET|HEAD /healthz                                  {"status":"ok"} | 503
//   {"status":"unavailable",…} GET|HEAD /metrics                                  Prometheus text
//   (metrics_text.h) GET|HEAD /api/v1/ledger?by=&days=                  ledger rolled up by
//   region/carrier/school GET|HEAD /api/v1/schools/{school_id}               one school GET|HEAD
//   /api/v1/schools/{school_id}/records?kind=&since=&limit=
//                                                      JSON array of stored records, oldest first
//   GET|HEAD /export/ledger.csv?by=&days=, /export/ledger.xlsx?by=&days=
//
// Every parameter is checked before any data is read: an unknown or repeated parameter or a
// bad value is 400 with {"error":"bad_parameter","parameter":…,"message":…} whose message
// says what is accepted. Unknown paths 404, other methods 405 (with Allow), data errors 503
// (the message is logged; the body says only that the data store is unavailable). No request
// body is ever read (acceptsBody is false: a request with a body is answered and closed).
//
// Threading: respond() runs on the server's worker threads concurrently; the handler's own
// state is the request counters (atomics); ApiData serialises itself.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <string_view>
#include <vector>

#include "collector/api/api_data.h"
#include "collector/api/metrics_text.h"
#include "http/handler.h"

namespace uplinkprobe::collector::api {

enum class Route {
  kHealthz,
  kMetrics,
  kLedger,
  kSchool,
  kSchoolRecords,
  kExportCsv,
  kExportXlsx,
  kUnknown,
};
inline constexpr std::size_t kRouteCount = 8;
std::string_view routeName(Route r);

class ApiHandler : public http::Handler {
 public:
  // Families from elsewhere (ingest counters, notification queue): called on every scrape
  // from a worker thread; each must be thread-safe and cheap.
  using MetricsSource = std::function<void(MetricsText&)>;

  // data must outlive the handler.
  explicit ApiHandler(ApiData& data, std::vector<MetricsSource> sources = {});

  bool acceptsBody(const http::Request&) const override { return false; }
  // Everything, unscoped: for a collector whose config opens the API ([http] open_api).
  http::Response respond(const http::Request& req, const http::RequestContext& ctx) const override;
  // What a user with this scope may see (collector/auth/scope.h): the ledger and exports are
  // computed over the scope's schools only; a school outside it answers exactly like an
  // unknown school (404 unknown_school), so its existence does not leak. `who` names the user
  // in the log line of a refusal.
  http::Response respondScoped(const http::Request& req, const http::RequestContext& ctx,
                               const auth::Scope& scope, std::string_view who) const;
  // Schools refused by scope (uplinkprobe_collector_http_forbidden_total{route="api"}).
  std::uint64_t scopeRefusals() const { return scope_refusals_.load(); }

  // uplinkprobe_collector_http_requests_total{route,code}; part of /metrics.
  void writeRequestMetrics(MetricsText& out) const;

 private:
  http::Response route(const http::Request& req, const http::RequestContext& ctx, Route& which,
                       const auth::Scope& scope, std::string_view who) const;
  void count(Route r, int status) const;

  ApiData& data_;
  std::vector<MetricsSource> sources_;
  // Counted status codes; anything else lands in the last slot ("other").
  static constexpr std::array<int, 7> kCodes = {200, 400, 404, 405, 413, 500, 503};
  mutable std::array<std::array<std::atomic<std::uint64_t>, kCodes.size() + 1>, kRouteCount>
      requests_{};
  mutable std::atomic<std::uint64_t> scope_refusals_{0};
};

}  // namespace uplinkprobe::collector::api
