// WebHandler: the collector's front door on the shared HTTP core — the server-rendered pages
// (docs/collector-web.md), login and sessions, and access control in front of the JSON API
// and exports (ApiHandler).
//
//   GET  /login, POST /login, POST /logout        sessions (cookie up_session)
//   GET  /                                        province overview (rows per city)
//   GET  /city?city=C                             counties of a city
//   GET  /county?city=C&county=K&state=&carrier=&stage=&sort=&dir=&page=
//                                                 school list (sortable, filterable, paged)
//   GET  /school/{id}?days=7|30|90                school page (SVG charts drawn here)
//   GET  /school/{id}/evidence.csv|.json?days=    the records behind the charts
//   GET  /below, /below.xlsx                      schools below target, XLSX export
//   POST /school/{id}/ack                         acknowledge a device's alerts (operator)
//   POST /school/{id}/test                        "test now": a signed run_test to the
//                                                 school's probes (operator; [control] key_file)
//   GET  /lang?to=zh|en&back=PATH                 language cookie
//   GET  /static/app.css|app.js                   embedded assets
//   /api/…, /export/…                             ApiHandler, scoped to the caller: a session
//                                                 cookie or "Authorization: Bearer TOKEN"
//                                                 (`user token`); 401 without. With
//                                                 open_api the API answers anyone (as before).
//   /healthz, /metrics                            ApiHandler, open (no school data in them
//                                                 beyond regional counts)
//
// Who sees what: every page, export and API answer is filtered by auth::inScope() with the
// user's scope; a school outside it answers like a school that does not exist (404).
// Sessions: HttpOnly, SameSite=Strict, Secure when secure_cookies (TLS in front); every POST
// carries the session's CSRF token (login: a pre-session token in its own cookie); failed
// logins are rate-limited per client address. Refusals are logged and counted in /metrics.
//
// Threading: respond() runs on the server's worker threads concurrently; sessions and the
// limiter lock themselves, counters are atomics, WebData and ApiHandler are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "collector/api/api_handler.h"
#include "collector/api/metrics_text.h"
#include "collector/auth/sessions.h"
#include "collector/web/i18n.h"
#include "collector/web/remote_commands.h"
#include "collector/web/web_data.h"
#include "http/handler.h"
#include "http/query_string.h"

namespace uplinkprobe::collector::web {

struct WebOptions {
  bool open_api = false;        // [http] open_api: the API and exports need no login
  bool secure_cookies = false;  // [http] secure_cookies: TLS in front (nginx)
  std::int64_t session_ttl_ms = 12LL * 3600 * 1000;
  std::size_t max_sessions = 10000;
  int login_max_failures = 10;  // per client address within login_window_ms
  std::int64_t login_window_ms = 10LL * 60 * 1000;
  int days = 30;  // default window of the pages
  double target_mbps = 100;
  double connected_target_pct = 98;  // campaign: ≥ 98 % of schools connected
  std::size_t page_size = 50;
};

class WebHandler : public http::Handler {
 public:
  static constexpr std::size_t kMaxFormBytes = 8192;

  // data and api must outlive the handler.
  WebHandler(WebData& data, const api::ApiHandler& api, WebOptions options);

  bool acceptsBody(const http::Request&) const override { return false; }
  std::size_t bodyLimit(const http::Request& req) const override;
  http::Response respond(const http::Request& req, const http::RequestContext& ctx) const override;
  http::Response respondWithBody(const http::Request& req, std::string body,
                                 const http::RequestContext& ctx) const override;

  // uplinkprobe_collector_web_* families.
  void writeMetrics(api::MetricsText& out) const;

  // Offers "test now" on school pages to operators and admins; nullptr (the default): not
  // offered, and POST /school/{id}/test answers 404. Set before serving; must outlive this.
  void setRemoteCommands(RemoteCommands* remote) { remote_ = remote; }

  struct Call;  // one request being answered (web_handler.cpp)

 private:
  http::Response dispatch(Call& c, const std::string* body) const;
  http::Response login(Call& c, const std::string* body) const;
  http::Response logout(Call& c, const std::string* body) const;
  http::Response apiRoute(Call& c) const;
  http::Response overview(Call& c) const;
  http::Response city(Call& c) const;
  http::Response county(Call& c) const;
  http::Response school(Call& c) const;
  http::Response below(Call& c, bool xlsx) const;
  http::Response lang(Call& c) const;
  http::Response acknowledge(Call& c, const std::string* body) const;
  http::Response testNow(Call& c, const std::string* body) const;
  std::optional<http::Response> checkSchoolAction(Call& c, const std::string* body,
                                                  std::string_view action,
                                                  std::vector<http::QueryPair>& form,
                                                  std::string& school_id) const;
  std::optional<auth::Session> sessionOf(const http::Request& req) const;

  WebData& data_;
  const api::ApiHandler& api_;
  RemoteCommands* remote_ = nullptr;
  WebOptions options_;
  mutable auth::SessionStore sessions_;
  mutable auth::LoginLimiter limiter_;
  mutable std::atomic<std::uint64_t> logins_ok_{0}, logins_failed_{0}, logins_limited_{0},
      csrf_refused_{0}, forbidden_{0}, unauthenticated_{0}, pages_{0}, tests_requested_{0};
};

}  // namespace uplinkprobe::collector::web
