#include "collector/web/web_handler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "collector/auth/password.h"
#include "collector/export/table.h"
#include "collector/ledger/ledger_table.h"
#include "collector/web/alert_view.h"
#include "collector/web/assets.h"
#include "collector/web/html.h"
#include "collector/web/svg_chart.h"
#include "http/query_string.h"

namespace uplinkprobe::collector::web {

using http::Request;
using http::RequestContext;
using http::Response;

namespace {

constexpr std::string_view kSessionCookie = "up_session";
constexpr std::string_view kLoginCookie = "up_login";
constexpr std::string_view kLangCookie = "up_lang";
constexpr std::string_view kHtml = "text/html; charset=utf-8";
constexpr std::string_view kPageHeaders =
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n"
    "Referrer-Policy: same-origin\r\n"
    "Content-Security-Policy: default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'\r\n";

std::string cookieValue(const Request& req, std::string_view name) {
  for (const auto& h : req.headers) {
    if (!http::equalsIgnoreCase(h.name, "Cookie")) continue;
    std::string_view v = h.value;
    while (!v.empty()) {
      std::size_t semi = v.find(';');
      std::string_view part = v.substr(0, semi);
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      std::size_t eq = part.find('=');
      if (eq != std::string_view::npos && part.substr(0, eq) == name)
        return std::string(part.substr(eq + 1, 256));
      if (semi == std::string_view::npos) break;
      v.remove_prefix(semi + 1);
    }
  }
  return "";
}

std::optional<long long> toInt(std::string_view s) {
  long long v = 0;
  if (s.empty() || s.size() > 9) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// A local path to return to after login or a language switch: "/..." but never "//host".
bool localPath(std::string_view p) {
  if (p.empty() || p[0] != '/' || p.size() > 1024) return false;
  if (p.size() > 1 && (p[1] == '/' || p[1] == '\\')) return false;
  for (unsigned char c : p) {
    if (c < 0x21 || c == 0x7f) return false;
  }
  return true;
}

std::string replaceAll(std::string s, std::string_view what, std::string_view with) {
  std::size_t p = 0;
  while ((p = s.find(what, p)) != std::string::npos) {
    s.replace(p, what.size(), with);
    p += with.size();
  }
  return s;
}

const char* stateKey(SchoolState s) {
  switch (s) {
    case SchoolState::kLive:
      return "state.live";
    case SchoolState::kStale:
      return "state.stale";
    case SchoolState::kNever:
      return "state.never";
  }
  return "state.never";
}

}  // namespace

struct WebHandler::Call {
  Call(const Request& r, const RequestContext& x) : req(r), ctx(x) {}
  const Request& req;
  const RequestContext& ctx;
  Lang lang = Lang::kZh;
  bool close = false;
  bool head = false;
  std::optional<auth::Session> session;
  std::vector<http::QueryPair> query;
  std::string set_cookies;  // extra Set-Cookie lines

  std::string_view t(std::string_view key) const { return tr(lang, key); }
  const std::string* q(std::string_view name) const {
    for (const auto& p : query) {
      if (p.name == name) return &p.value;
    }
    return nullptr;
  }
  std::string qs(std::string_view name) const {
    const auto* v = q(name);
    return v ? *v : "";
  }
};

namespace {

using Call = WebHandler::Call;

Response html(Call& c, int status, std::string body) {
  std::string headers(http::kNoStoreHeaders);
  headers += kPageHeaders;
  headers += c.set_cookies;
  return http::makeResponse(status, kHtml, std::move(body), c.close, headers, c.head);
}

Response redirect(Call& c, const std::string& to) {
  std::string headers(http::kNoStoreHeaders);
  headers += "Location: " + to + "\r\n";
  headers += c.set_cookies;
  return http::makeResponse(303, "text/plain; charset=utf-8", "", c.close, headers, c.head);
}

std::string cookieLine(std::string_view name, std::string_view value, std::int64_t max_age_s,
                       bool secure, bool http_only = true) {
  std::string s = "Set-Cookie: ";
  s += name;
  s += '=';
  s += value;
  s += "; Path=/; SameSite=Strict";
  if (http_only) s += "; HttpOnly";
  if (secure) s += "; Secure";
  s += "; Max-Age=" + std::to_string(max_age_s);
  s += "\r\n";
  return s;
}

std::string currentTarget(const Request& req) {
  return req.query.empty() ? req.path : req.path + "?" + req.query;
}

std::string layout(const Call& c, std::string_view title, const std::string& body) {
  std::string s;
  s.reserve(body.size() + 2048);
  s += "<!DOCTYPE html><html lang=\"";
  s += langCode(c.lang);
  s += "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
       "content=\"width=device-width, initial-scale=1\"><title>";
  s += esc(title);
  s += " · ";
  s += esc(c.t("app.title"));
  s += "</title><link rel=\"stylesheet\" href=\"/static/app.css\">"
       "<script src=\"/static/app.js\" defer></script></head><body><header>";
  s += "<span class=\"brand\">" + esc(c.t("app.title")) + "</span>";
  if (c.session) {
    s += "<a href=\"/\">" + esc(c.t("nav.overview")) + "</a>";
    s += "<a href=\"/below\">" + esc(c.t("nav.below")) + "</a>";
  }
  s += "<span class=\"spacer\"></span>";
  s += "<a href=\"/lang?to=" + std::string(c.lang == Lang::kEn ? "zh" : "en") +
       "&amp;back=" + esc(urlEncode(currentTarget(c.req))) + "\">" + esc(c.t("nav.lang")) + "</a>";
  if (c.session) {
    std::string scope = c.session->scope.province() ? std::string(c.t("scope.province"))
                                                    : auth::scopeText(c.session->scope);
    s += "<span class=\"who\">" + esc(c.t("nav.signed_in")) + " " + esc(c.session->user) + " (" +
         auth::roleName(c.session->role) + ") · " + esc(c.t("nav.scope")) + " " + esc(scope) +
         "</span>";
    s += "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"" +
         esc(c.session->csrf) + "\"><button class=\"link\" type=\"submit\">" +
         esc(c.t("nav.logout")) + "</button></form>";
  }
  s += "</header><main>";
  s += body;
  s += "</main><footer>" + esc(c.t("time.zone")) + ": " + esc(zoneLabel()) +
       " · uplinkprobe-collector</footer></body></html>";
  return s;
}

Response errorPage(Call& c, int status, std::string_view key, const std::string& detail = "") {
  std::string body = "<h1>" + std::to_string(status) + "</h1><p class=\"error\">" + esc(c.t(key)) +
                     esc(detail) + "</p>";
  return html(c, status, layout(c, std::to_string(status), body));
}

// The figures of one row of the overview / city page.
struct Agg {
  std::int64_t schools = 0, reporting = 0, meeting = 0, below_contract = 0, alerts = 0, stale = 0,
               never = 0;
  void add(const SchoolLedgerRow& s) {
    ++schools;
    if (s.state == SchoolState::kLive) ++reporting;
    if (s.state == SchoolState::kStale) ++stale;
    if (s.state == SchoolState::kNever) ++never;
    if (s.meets_target.value_or(false)) ++meeting;
    if (s.below_contract.value_or(false)) ++below_contract;
    alerts += s.open_alerts;
  }
  double reportingPct() const { return schools ? 100.0 * reporting / schools : 0; }
  double meetingPct() const { return schools ? 100.0 * meeting / schools : 0; }
};

std::string passFail(const Call& c, bool ok) {
  return ok ? "<span class=\"pass\">✔ " + esc(c.t("pass")) + "</span>"
            : "<span class=\"fail\">✘ " + esc(c.t("fail")) + "</span>";
}

std::string aggHeader(const Call& c, std::string_view first) {
  std::string s = "<table class=\"agg\"><thead><tr><th>" + esc(c.t(first)) + "</th>";
  for (auto k : {"col.schools", "col.reporting", "col.reporting_pct", "col.meeting_pct",
                 "col.below_contract", "col.open_alerts", "col.stale", "col.never"})
    s += "<th class=\"n\">" + esc(c.t(k)) + "</th>";
  s += "<th>" + esc(c.t("col.target_connected")) + "</th><th>" + esc(c.t("col.target_speed")) +
       "</th></tr></thead><tbody>";
  return s;
}

std::string aggRow(const Call& c, const std::string& name_html, const Agg& a, double connected,
                   bool total = false) {
  std::string s = total ? "<tr class=\"total\">" : "<tr>";
  s += "<td>" + name_html + "</td>";
  s += "<td class=\"n\">" + std::to_string(a.schools) + "</td>";
  s += "<td class=\"n\">" + std::to_string(a.reporting) + "</td>";
  s += "<td class=\"n\">" + pct(a.reportingPct()) + "</td>";
  s += "<td class=\"n\">" + pct(a.meetingPct()) + "</td>";
  s += "<td class=\"n\">" + std::to_string(a.below_contract) + "</td>";
  s += "<td class=\"n\">" + std::to_string(a.alerts) + "</td>";
  s += "<td class=\"n\">" + std::to_string(a.stale) + "</td>";
  s += "<td class=\"n\">" + std::to_string(a.never) + "</td>";
  s += "<td>" + passFail(c, a.schools > 0 && a.reportingPct() >= connected) + "</td>";
  s += "<td>" + passFail(c, a.schools > 0 && a.meetingPct() >= connected) + "</td></tr>";
  return s;
}

// The last days of a school as bars: height = share of counted tests at target, red when
// most were below, grey tick for a day without tests.
std::string sparkline(const std::vector<DayMark>& marks, const std::vector<std::string>& days) {
  std::string s = "<svg class=\"spark\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                  std::to_string(days.size() * 4) + "\" height=\"18\" viewBox=\"0 0 " +
                  std::to_string(days.size() * 4) + " 18\">";
  std::size_t k = 0;
  for (std::size_t i = 0; i < days.size(); ++i) {
    while (k < marks.size() && marks[k].day < days[i]) ++k;
    const std::string x = std::to_string(i * 4);
    if (k < marks.size() && marks[k].day == days[i] && marks[k].counted > 0) {
      const auto& m = marks[k];
      const int h = std::max<int>(2, static_cast<int>(16.0 * m.at_target / m.counted + 0.5));
      s += "<rect class=\"" + std::string(m.below() ? "sp-bad" : "sp-ok") + "\" x=\"" + x +
           "\" y=\"" + std::to_string(18 - h) + "\" width=\"3\" height=\"" + std::to_string(h) +
           "\"><title>" + esc(m.day) + " " + std::to_string(m.at_target) + "/" +
           std::to_string(m.counted) + "</title></rect>";
    } else {
      s += "<rect class=\"sp-none\" x=\"" + x + "\" y=\"16\" width=\"3\" height=\"2\"/>";
    }
  }
  return s + "</svg>";
}

std::string groupName(const Call& c, const std::string& g) {
  return g.empty() ? std::string(c.t("unfilled")) : g;
}

}  // namespace

WebHandler::WebHandler(WebData& data, const api::ApiHandler& api, WebOptions options)
    : data_(data),
      api_(api),
      options_(options),
      sessions_(options.session_ttl_ms, options.max_sessions),
      limiter_(options.login_max_failures, options.login_window_ms, 10000) {}

std::size_t WebHandler::bodyLimit(const Request& req) const {
  return req.method == "POST" ? kMaxFormBytes : 0;
}

std::optional<auth::Session> WebHandler::sessionOf(const Request& req) const {
  std::string id = cookieValue(req, kSessionCookie);
  if (id.empty()) return std::nullopt;
  auto s = sessions_.find(id, data_.nowMs());
  if (!s) return std::nullopt;
  // A changed password or role, or a deleted user, ends the session.
  auto u = data_.user(s->user);
  if (!u || !*u || (*u)->updated_ms != s->user_updated_ms) {
    sessions_.remove(id);
    return std::nullopt;
  }
  return s;
}

Response WebHandler::respond(const Request& req, const RequestContext& ctx) const {
  Call c(req, ctx);
  return dispatch(c, nullptr);
}

Response WebHandler::respondWithBody(const Request& req, std::string body,
                                     const RequestContext& ctx) const {
  Call c(req, ctx);
  return dispatch(c, &body);
}

Response WebHandler::dispatch(Call& c, const std::string* body) const {
  const Request& req = c.req;
  c.close = c.ctx.close;
  c.head = req.method == "HEAD";
  c.lang = pickLang(cookieValue(req, kLangCookie),
                    req.header("Accept-Language") ? *req.header("Accept-Language") : "");
  const std::string& p = req.path;

  if (p == "/healthz" || p == "/metrics") return api_.respond(req, c.ctx);
  if (p == "/favicon.ico") {
    return http::makeResponse(404, "text/plain; charset=utf-8", "", c.close,
                              "Cache-Control: max-age=86400\r\n", c.head);
  }
  if (p == "/static/app.css" || p == "/static/app.js") {
    const bool css = p == "/static/app.css";
    return http::makeResponse(
        200, css ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8",
        std::string(css ? kAppCss : kAppJs), c.close,
        "Cache-Control: max-age=3600\r\nX-Content-Type-Options: nosniff\r\n", c.head);
  }
  if (p.rfind("/api/", 0) == 0 || p.rfind("/export/", 0) == 0) return apiRoute(c);

  auto parsed = http::parseQuery(req.query, 32);
  if (!parsed) return errorPage(c, 400, "error.bad_request", "query");
  c.query = std::move(*parsed);
  c.session = sessionOf(req);

  if (p == "/login") return login(c, body);
  if (p == "/lang") return lang(c);
  if (p == "/logout") return logout(c, body);
  if (req.method == "POST" && p.rfind("/school/", 0) == 0 && p.size() > 12 &&
      p.compare(p.size() - 4, 4, "/ack") == 0)
    return acknowledge(c, body);
  if (req.method == "POST" && p.rfind("/school/", 0) == 0 && p.size() > 13 &&
      p.compare(p.size() - 5, 5, "/test") == 0)
    return testNow(c, body);
  if (req.method != "GET" && req.method != "HEAD") {
    return http::makeResponse(405, "text/plain; charset=utf-8", "only GET and HEAD\n", true,
                              "Allow: GET, HEAD\r\n");
  }
  if (!c.session) {
    unauthenticated_.fetch_add(1, std::memory_order_relaxed);
    return redirect(c, "/login?next=" + urlEncode(currentTarget(req)));
  }
  pages_.fetch_add(1, std::memory_order_relaxed);
  if (p == "/") return overview(c);
  if (p == "/city") return city(c);
  if (p == "/county") return county(c);
  if (p == "/below") return below(c, false);
  if (p == "/below.xlsx") return below(c, true);
  if (p.rfind("/school/", 0) == 0) return school(c);
  return errorPage(c, 404, "error.not_found");
}

Response WebHandler::apiRoute(Call& c) const {
  if (options_.open_api) return api_.respond(c.req, c.ctx);
  const std::string* authz = c.req.header("Authorization");
  std::optional<auth::Scope> scope;
  std::string who;
  if (authz && authz->rfind("Bearer ", 0) == 0) {
    std::string token = authz->substr(7);
    if (token.size() == 64) {
      auto u = data_.userByTokenDigest(auth::tokenDigest(token));
      if (u && *u) {
        scope = (*u)->scope;
        who = (*u)->name;
      }
    }
  } else if (auto s = sessionOf(c.req)) {
    scope = s->scope;
    who = s->user;
  }
  if (!scope) {
    unauthenticated_.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("web: unauthenticated {} {} from {}", c.req.method, c.req.path, c.ctx.peer_ip);
    return http::makeResponse(
        401, "application/json; charset=utf-8",
        R"J({"error":"unauthenticated","message":"log in (session cookie) or send Authorization: Bearer <token> (uplinkprobe-collector user token NAME)"})J",
        c.close || c.req.hasBody(),
        std::string(http::kNoStoreHeaders) + "WWW-Authenticate: Bearer realm=\"uplinkprobe\"\r\n",
        c.head);
  }
  return api_.respondScoped(c.req, c.ctx, *scope, who);
}

Response WebHandler::login(Call& c, const std::string* body) const {
  const bool post = c.req.method == "POST";
  std::string next = c.qs("next");
  std::string error_key;
  if (post) {
    auto form = http::parseQuery(body ? *body : "", 16);
    auto field = [&](std::string_view n) -> std::string {
      if (!form) return "";
      for (const auto& p : *form) {
        if (p.name == n) return p.value;
      }
      return "";
    };
    const std::string client(c.ctx.peer_ip);
    const std::string user = field("user").substr(0, 64);
    const std::string token = field("login_token");
    if (form && localPath(field("next"))) next = field("next");
    if (!auth::equalSecret(token, cookieValue(c.req, kLoginCookie))) {
      csrf_refused_.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("web: login form without a matching login token from {}", client);
      error_key = "login.expired";
    } else if (!limiter_.allowed(client, data_.nowMs())) {
      logins_limited_.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("web: login rate limit for {} (user {})", client, user);
      error_key = "login.limited";
    } else {
      auto u = data_.user(user);
      if (!u) {
        spdlog::error("web: login: {}", u.error().message);
        return errorPage(c, 503, "error.unavailable");
      }
      // A missing user still costs one hash check, so timing does not reveal names.
      static const std::string kDummy = [] {
        auto h = auth::hashPassword("not-a-real-password");
        return h ? *h : std::string();
      }();
      const bool ok = *u ? auth::verifyPassword((*u)->password_hash, field("password"))
                         : (auth::verifyPassword(kDummy, field("password")) && false);
      if (ok) {
        limiter_.succeeded(client);
        logins_ok_.fetch_add(1, std::memory_order_relaxed);
        auto s =
            sessions_.create((*u)->name, (*u)->role, (*u)->scope, (*u)->updated_ms, data_.nowMs());
        spdlog::info("web: {} logged in from {}", s.user, client);
        c.set_cookies += cookieLine(kSessionCookie, s.id, options_.session_ttl_ms / 1000,
                                    options_.secure_cookies);
        c.set_cookies += cookieLine(kLoginCookie, "", 0, options_.secure_cookies);
        return redirect(c, localPath(next) ? next : "/");
      }
      limiter_.failed(client, data_.nowMs());
      logins_failed_.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("web: failed login for user \"{}\" from {}", user, client);
      error_key = "login.failed";
    }
  } else if (c.req.method != "GET" && c.req.method != "HEAD") {
    return http::makeResponse(405, "text/plain; charset=utf-8", "GET or POST\n", true,
                              "Allow: GET, HEAD, POST\r\n");
  }
  // The pre-session token of the form (double submit: cookie + hidden field). A browser that
  // already holds one keeps it: several tabs (or a favicon request sent through /login) must
  // not invalidate each other's forms.
  std::string token = cookieValue(c.req, kLoginCookie);
  const bool hex32 =
      token.size() == 32 && token.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!hex32 || !error_key.empty()) token = auth::randomToken(16);
  c.set_cookies += cookieLine(kLoginCookie, token, 3600, options_.secure_cookies);
  std::string b = "<form class=\"login\" method=\"post\" action=\"/login\"><h1>" +
                  esc(c.t("login.title")) + "</h1>";
  if (!error_key.empty())
    b += "<p class=\"error\" id=\"login-error\">" + esc(c.t(error_key)) + "</p>";
  b += "<input type=\"hidden\" name=\"login_token\" value=\"" + token + "\">";
  b += "<input type=\"hidden\" name=\"next\" value=\"" + esc(localPath(next) ? next : "/") + "\">";
  b += "<label for=\"user\">" + esc(c.t("login.user")) +
       "</label><input id=\"user\" name=\"user\" autocomplete=\"username\" required "
       "maxlength=\"64\" autofocus>";
  b += "<label for=\"password\">" + esc(c.t("login.password")) +
       "</label><input id=\"password\" name=\"password\" type=\"password\" "
       "autocomplete=\"current-password\" required maxlength=\"1024\">";
  b += "<button type=\"submit\">" + esc(c.t("login.submit")) + "</button></form>";
  int status = error_key.empty() ? 200 : error_key == "login.limited" ? 429 : 403;
  if (error_key == "login.failed") status = 401;
  c.session.reset();
  return html(c, status, layout(c, c.t("login.title"), b));
}

Response WebHandler::logout(Call& c, const std::string* body) const {
  if (c.req.method != "POST") {
    return http::makeResponse(405, "text/plain; charset=utf-8", "POST only\n", true,
                              "Allow: POST\r\n");
  }
  if (!c.session) return redirect(c, "/login");
  auto form = http::parseQuery(body ? *body : "", 8);
  std::string csrf;
  if (form) {
    for (const auto& p : *form) {
      if (p.name == "csrf") csrf = p.value;
    }
  }
  if (!auth::equalSecret(csrf, c.session->csrf)) {
    csrf_refused_.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("web: POST /logout without the session's CSRF token (user {}, from {})",
                 c.session->user, c.ctx.peer_ip);
    return errorPage(c, 403, "error.csrf");
  }
  sessions_.remove(c.session->id);
  spdlog::info("web: {} logged out", c.session->user);
  c.set_cookies += cookieLine(kSessionCookie, "", 0, options_.secure_cookies);
  return redirect(c, "/login");
}

// The checks every operator action on a school makes, in order: session, CSRF token, role
// (not a viewer), then scope (a school outside it answers 404 like a page). On success
// returns nullopt and fills `form` and `school_id` (from /school/{id}/<action>).
std::optional<Response> WebHandler::checkSchoolAction(Call& c, const std::string* body,
                                                      std::string_view action,
                                                      std::vector<http::QueryPair>& form,
                                                      std::string& school_id) const {
  if (!c.session) {
    unauthenticated_.fetch_add(1, std::memory_order_relaxed);
    return redirect(c, "/login");
  }
  auto parsed = http::parseQuery(body ? *body : "", 16);
  if (parsed) form = std::move(*parsed);
  std::string csrf;
  for (const auto& p : form) {
    if (p.name == "csrf") csrf = p.value;
  }
  if (!auth::equalSecret(csrf, c.session->csrf)) {
    csrf_refused_.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("web: POST {} without the session's CSRF token (user {}, from {})", c.req.path,
                 c.session->user, c.ctx.peer_ip);
    return errorPage(c, 403, "error.csrf");
  }
  if (c.session->role == auth::Role::kViewer) {
    forbidden_.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("web: viewer {} may not {} ({})", c.session->user, action, c.req.path);
    return errorPage(c, 403, action == "ack" ? "error.role" : "error.role_command");
  }
  std::string_view rest = std::string_view(c.req.path).substr(8);  // after "/school/"
  rest = rest.substr(0, rest.size() - action.size() - 1);
  auto id = http::percentDecode(rest);
  if (!id || id->empty() || id->size() > 128) return errorPage(c, 404, "error.not_found");
  auto place = data_.school(*id, 7);
  if (!place) return errorPage(c, 503, "error.unavailable");
  if (!*place || !auth::inScope(c.session->scope, (*place)->row.city, (*place)->row.county)) {
    if (*place) forbidden_.fetch_add(1, std::memory_order_relaxed);
    return errorPage(c, 404, "error.forbidden");
  }
  school_id = std::move(*id);
  return std::nullopt;
}

// POST /school/{id}/ack: an operator (or admin) acknowledges a device's open alerts. After
// checkSchoolAction(), the alert state the page showed must still be the device's current
// one (409 otherwise).
Response WebHandler::acknowledge(Call& c, const std::string* body) const {
  std::vector<http::QueryPair> form;
  std::string id;
  if (auto refused = checkSchoolAction(c, body, "ack", form, id)) return *refused;
  auto field = [&](std::string_view n) -> std::string {
    for (const auto& p : form) {
      if (p.name == n) return p.value;
    }
    return "";
  };
  long long state_ts = 0;
  const std::string ts = field("state_ts");
  auto [ptr, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), state_ts);
  if (ts.empty() || ec != std::errc() || ptr != ts.data() + ts.size())
    return errorPage(c, 400, "error.bad_request", "state_ts");
  std::string note = field("note").substr(0, 200);
  auto r = data_.acknowledge(id, field("device"), state_ts, c.session->user, note);
  if (!r) {
    spdlog::error("web: acknowledge: {}", r.error().message);
    return errorPage(c, 503, "error.unavailable");
  }
  if (*r == AckResult::kUnknownDevice) return errorPage(c, 404, "error.not_found");
  if (*r == AckResult::kStale) return errorPage(c, 409, "error.ack_stale");
  spdlog::info("web: {} acknowledged the alerts of {} (school {})", c.session->user,
               field("device"), id);
  return redirect(c, "/school/" + urlEncode(id) + "#alerts");
}

// POST /school/{id}/test: an operator (or admin) asks the school's probes for a throughput
// test now: a signed run_test (docs/control.md), audit-logged with the user. The probe still
// applies its own limits (commands per hour, monthly data budget) and answers; the school
// page lists the command and the answer.
Response WebHandler::testNow(Call& c, const std::string* body) const {
  if (remote_ == nullptr) return errorPage(c, 404, "error.not_found");
  std::vector<http::QueryPair> form;
  std::string id;
  if (auto refused = checkSchoolAction(c, body, "test", form, id)) return *refused;
  auto issued = remote_->testNow(id, c.session->user);
  if (!issued) {
    spdlog::warn("web: test now for school {} by {}: {}", id, c.session->user,
                 issued.error().message);
    if (issued.error().kind == ErrorKind::kTarget) return errorPage(c, 409, "error.no_probe");
    return errorPage(c, 503, "error.command_failed");
  }
  tests_requested_.fetch_add(1, std::memory_order_relaxed);
  spdlog::info("web: {} asked school {} for a test now (command {})", c.session->user, id, *issued);
  return redirect(c, "/school/" + urlEncode(id) + "#commands");
}

Response WebHandler::lang(Call& c) const {
  const std::string to = c.qs("to") == "en" ? "en" : "zh";
  c.set_cookies += cookieLine(kLangCookie, to, 365LL * 86400, options_.secure_cookies, false);
  std::string back = c.qs("back");
  return redirect(c, localPath(back) ? back : "/");
}

Response WebHandler::overview(Call& c) const {
  const auth::Scope& scope = c.session->scope;
  if (!scope.county.empty())
    return redirect(c,
                    "/county?city=" + urlEncode(scope.city) + "&county=" + urlEncode(scope.county));
  if (!scope.city.empty()) return redirect(c, "/city?city=" + urlEncode(scope.city));
  auto l = data_.ledger(options_.days);
  if (!l) {
    spdlog::error("web: ledger: {}", l.error().message);
    return errorPage(c, 503, "error.unavailable");
  }
  std::map<std::string, Agg> by_city;
  Agg total;
  for (const auto& s : (*l)->schools) {
    if (s.school_id.empty()) continue;
    by_city[s.city].add(s);
    total.add(s);
  }
  std::string b = "<h1>" + esc(c.t("overview.title")) + "</h1>";
  b += "<p class=\"note\">" +
       esc(replaceAll(
           replaceAll(std::string(c.t("overview.window")), "%1", std::to_string(options_.days)),
           "%2", num1(options_.target_mbps))) +
       " " + esc(c.t("computed_at")) + " " + esc(localTime((*l)->computed_at_ms)) + "</p>";
  b += "<p class=\"note\">" + esc(c.t("overview.targets")) + "</p>";
  b += aggHeader(c, "col.city");
  for (const auto& [name, a] : by_city) {
    b += aggRow(
        c,
        "<a href=\"/city?city=" + esc(urlEncode(name)) + "\">" + esc(groupName(c, name)) + "</a>",
        a, options_.connected_target_pct);
  }
  b += aggRow(c, esc(c.t("col.total")), total, options_.connected_target_pct, true);
  b += "</tbody></table>";
  auto trend = data_.trend(90);
  if (!trend) {
    spdlog::error("web: trend: {}", trend.error().message);
    return errorPage(c, 503, "error.unavailable");
  }
  b += "<h2>" + esc(c.t("overview.trend")) + "</h2>";
  if ((*trend)->empty()) {
    b += "<p class=\"note\">" + esc(c.t("school.no_tests")) + "</p>";
  } else {
    TimeChart tc;
    tc.title = std::string(c.t("overview.trend"));
    tc.unit = "%";
    tc.to_ms = data_.nowMs();
    tc.from_ms = tc.to_ms - 90 * 86400000LL;
    Series sr{std::string(c.t("overview.trend_series")), "s-down", {}};
    for (const auto& d : **trend) {
      // Noon of the local day, from its date (the process time zone).
      std::tm tm{};
      if (std::sscanf(d.day.c_str(), "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
        continue;
      tm.tm_year -= 1900;
      tm.tm_mon -= 1;
      tm.tm_hour = 12;
      tm.tm_isdst = -1;
      const std::int64_t t = static_cast<std::int64_t>(std::mktime(&tm)) * 1000;
      sr.points.emplace_back(t, 100.0 * d.at_target / std::max<std::int64_t>(d.tested, 1));
    }
    tc.series = {sr};
    tc.refs.push_back({options_.connected_target_pct, "98 %", "ref-target"});
    tc.fixed_max = 100;
    b += drawTimeChart(tc);
    b += "<p class=\"note\">" + esc(c.t("overview.trend_note")) + "</p>";
  }
  return html(c, 200, layout(c, c.t("overview.title"), b));
}

Response WebHandler::city(Call& c) const {
  const auth::Scope& scope = c.session->scope;
  const std::string name = c.qs("city");
  if (!scope.county.empty())
    return redirect(c,
                    "/county?city=" + urlEncode(scope.city) + "&county=" + urlEncode(scope.county));
  if (!auth::inScope(scope, name, "")) {
    forbidden_.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("web: {} (scope {}) refused city {}", c.session->user, auth::scopeText(scope),
                 name);
    return errorPage(c, 404, "error.forbidden");
  }
  auto l = data_.ledger(options_.days);
  if (!l) return errorPage(c, 503, "error.unavailable");
  std::map<std::string, Agg> by_county;
  Agg total;
  for (const auto& s : (*l)->schools) {
    if (s.school_id.empty() || s.city != name) continue;
    by_county[s.county].add(s);
    total.add(s);
  }
  std::string b;
  if (scope.province())
    b += "<nav class=\"crumbs\"><a href=\"/\">" + esc(c.t("nav.overview")) + "</a> › " +
         esc(groupName(c, name)) + "</nav>";
  b += "<h1>" + esc(replaceAll(std::string(c.t("city.title")), "%1", groupName(c, name))) + "</h1>";
  b += "<p class=\"note\">" +
       esc(replaceAll(
           replaceAll(std::string(c.t("overview.window")), "%1", std::to_string(options_.days)),
           "%2", num1(options_.target_mbps))) +
       "</p>";
  b += aggHeader(c, "col.county");
  for (const auto& [county, a] : by_county) {
    b += aggRow(c,
                "<a href=\"/county?city=" + esc(urlEncode(name)) + "&amp;county=" +
                    esc(urlEncode(county)) + "\">" + esc(groupName(c, county)) + "</a>",
                a, options_.connected_target_pct);
  }
  b += aggRow(c, esc(c.t("col.total")), total, options_.connected_target_pct, true);
  b += "</tbody></table>";
  return html(c, 200, layout(c, groupName(c, name), b));
}

namespace {

struct SortKey {
  const char* name;
  const char* label;
  bool numeric;
};
constexpr SortKey kSortKeys[] = {
    {"id", "col.school_id", false},          {"name", "col.school", false},
    {"stage", "col.stage", false},           {"carrier", "col.carrier", false},
    {"state", "col.state", false},           {"down", "col.median_down", true},
    {"p10", "col.p10_down", true},           {"up", "col.median_up", true},
    {"contract", "col.contract_down", true}, {"share", "col.share_at_target", true},
    {"uptime", "col.uptime", true},          {"seen", "col.last_seen", true},
    {"alerts", "col.open_alerts", true},     {"missing", "col.missing", true},
};

// Numbers sort with "no data" last in either direction.
std::optional<double> sortValue(const SchoolLedgerRow& s, std::string_view k) {
  if (k == "down") return s.median_down_mbps;
  if (k == "p10") return s.p10_down_mbps;
  if (k == "up") return s.median_up_mbps;
  if (k == "contract") return s.contracted_down_mbps;
  if (k == "share") return s.share_at_target;
  if (k == "uptime") return s.uptime_school_hours;
  if (k == "seen")
    return s.last_seen_ms ? std::optional<double>(static_cast<double>(*s.last_seen_ms))
                          : std::nullopt;
  if (k == "alerts") return static_cast<double>(s.open_alerts);
  if (k == "missing") return static_cast<double>(s.missing_seq);
  return std::nullopt;
}

const std::string& sortText(const SchoolLedgerRow& s, std::string_view k) {
  if (k == "name") return s.name;
  if (k == "stage") return s.stage;
  if (k == "carrier") return s.carrier;
  return s.school_id;
}

std::string optPct01(std::optional<double> v) { return v ? pct(100 * *v) : "—"; }

}  // namespace

Response WebHandler::county(Call& c) const {
  const auth::Scope& scope = c.session->scope;
  const std::string city_name = c.qs("city"), county_name = c.qs("county");
  if (!auth::inScope(scope, city_name, county_name)) {
    forbidden_.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("web: {} (scope {}) refused county {}/{}", c.session->user, auth::scopeText(scope),
                 city_name, county_name);
    return errorPage(c, 404, "error.forbidden");
  }
  auto l = data_.ledger(options_.days);
  if (!l) return errorPage(c, 503, "error.unavailable");
  const std::string state = c.qs("state"), carrier = c.qs("carrier"), stage = c.qs("stage");
  std::string sort = c.qs("sort");
  const bool desc = c.qs("dir") == "desc";
  bool sort_known = false;
  for (const auto& k : kSortKeys) sort_known = sort_known || sort == k.name;
  if (!sort_known) sort = "id";
  std::vector<const SchoolLedgerRow*> rows;
  std::set<std::string> carriers, stages;
  for (const auto& s : (*l)->schools) {
    if (s.school_id.empty() || s.city != city_name || s.county != county_name) continue;
    carriers.insert(s.carrier);
    stages.insert(s.stage);
    if (!carrier.empty() && s.carrier != carrier) continue;
    if (!stage.empty() && s.stage != stage) continue;
    if (state == "below" && s.meets_target.value_or(true)) continue;
    if (state == "below_contract" && !s.below_contract.value_or(false)) continue;
    if (state == "stale" && s.state != SchoolState::kStale) continue;
    if (state == "never" && s.state != SchoolState::kNever) continue;
    rows.push_back(&s);
  }
  bool numeric = false;
  for (const auto& k : kSortKeys) {
    if (sort == k.name) numeric = k.numeric;
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [&](const SchoolLedgerRow* a, const SchoolLedgerRow* b) {
                     if (sort == "state") {
                       return desc ? static_cast<int>(a->state) > static_cast<int>(b->state)
                                   : static_cast<int>(a->state) < static_cast<int>(b->state);
                     }
                     if (numeric) {
                       auto va = sortValue(*a, sort), vb = sortValue(*b, sort);
                       if (!va || !vb) return va.has_value() && !vb.has_value();
                       return desc ? *va > *vb : *va < *vb;
                     }
                     return desc ? sortText(*a, sort) > sortText(*b, sort)
                                 : sortText(*a, sort) < sortText(*b, sort);
                   });
  const std::size_t per = options_.page_size;
  const std::size_t pages = std::max<std::size_t>(1, (rows.size() + per - 1) / per);
  std::size_t page = 1;
  if (auto n = toInt(c.qs("page")); n && *n >= 1) page = std::min<std::size_t>(*n, pages);

  const std::string base = "/county?city=" + urlEncode(city_name) +
                           "&county=" + urlEncode(county_name) + "&state=" + urlEncode(state) +
                           "&carrier=" + urlEncode(carrier) + "&stage=" + urlEncode(stage);
  std::string b = "<nav class=\"crumbs\">";
  if (scope.province()) b += "<a href=\"/\">" + esc(c.t("nav.overview")) + "</a> › ";
  if (scope.county.empty())
    b += "<a href=\"/city?city=" + esc(urlEncode(city_name)) + "\">" +
         esc(groupName(c, city_name)) + "</a> › ";
  b += esc(groupName(c, county_name)) + "</nav>";
  b += "<h1>" +
       esc(replaceAll(replaceAll(std::string(c.t("county.title")), "%1", groupName(c, city_name)),
                      "%2", groupName(c, county_name))) +
       "</h1>";
  // Filters (a plain GET form; app.js submits on change).
  b += "<form class=\"filters\" method=\"get\" action=\"/county\"><input type=\"hidden\" "
       "name=\"city\" value=\"" +
       esc(city_name) + "\"><input type=\"hidden\" name=\"county\" value=\"" + esc(county_name) +
       "\"><input type=\"hidden\" name=\"sort\" value=\"" + esc(sort) +
       "\"><input type=\"hidden\" name=\"dir\" value=\"" + (desc ? "desc" : "asc") + "\">";
  b += "<label>" + esc(c.t("col.state")) + " <select name=\"state\">";
  for (auto [v, k] : {std::pair<const char*, const char*>{"", "filter.all"},
                      {"below", "filter.below"},
                      {"below_contract", "filter.below_contract"},
                      {"stale", "filter.stale"},
                      {"never", "filter.never"}}) {
    b += "<option value=\"" + std::string(v) + "\"" + (state == v ? " selected" : "") + ">" +
         esc(c.t(k)) + "</option>";
  }
  b += "</select></label>";
  auto select = [&](const char* name, const char* label, const std::set<std::string>& values,
                    const std::string& current) {
    b += "<label>" + esc(c.t(label)) + " <select name=\"" + name + "\"><option value=\"\">" +
         esc(c.t("filter.all")) + "</option>";
    for (const auto& v : values) {
      b += "<option value=\"" + esc(v) + "\"" + (v == current ? " selected" : "") + ">" +
           esc(groupName(c, v)) + "</option>";
    }
    b += "</select></label>";
  };
  select("carrier", "filter.carrier", carriers, carrier);
  select("stage", "filter.stage", stages, stage);
  b += "<button type=\"submit\">" + esc(c.t("filter.apply")) + "</button></form>";

  auto marks = data_.dailyMarks(city_name, county_name, 30);
  if (!marks) {
    spdlog::error("web: daily marks: {}", marks.error().message);
    return errorPage(c, 503, "error.unavailable");
  }
  std::vector<std::string> last_days;
  for (int i = 29; i >= 0; --i) last_days.push_back(localDate(data_.nowMs() - i * 86400000LL));
  static const std::vector<DayMark> kNoMarks;
  b += "<div class=\"wide\"><table class=\"schools\"><thead><tr>";
  bool spark_done = false;
  for (const auto& k : kSortKeys) {
    if (std::string_view(k.name) == "stage" && !spark_done) {
      b += "<th>" + esc(c.t("col.last30")) + "</th>";
      spark_done = true;
    }
    const bool active = sort == k.name;
    const bool next_desc = active ? !desc : k.numeric;
    b += std::string("<th") + (k.numeric ? " class=\"n\"" : "") + "><a href=\"" +
         esc(base + "&sort=" + k.name + "&dir=" + (next_desc ? "desc" : "asc")) + "\">" +
         esc(c.t(k.label)) + (active ? (desc ? " ▼" : " ▲") : "") + "</a></th>";
  }
  b += "</tr></thead><tbody>";
  for (std::size_t i = (page - 1) * per; i < std::min(rows.size(), page * per); ++i) {
    const auto& s = *rows[i];
    b += "<tr><td>" + esc(s.school_id) + "</td><td><a href=\"/school/" +
         esc(urlEncode(s.school_id)) + "\">" + esc(s.name) + "</a></td>";
    auto mk = marks->find(s.school_id);
    b += "<td>" + sparkline(mk == marks->end() ? kNoMarks : mk->second, last_days) + "</td>";
    b += "<td>" + esc(s.stage) + "</td><td>" + esc(groupName(c, s.carrier)) + "</td>";
    b += std::string("<td class=\"st-") + schoolStateName(s.state) + "\">" +
         esc(c.t(stateKey(s.state))) + "</td>";
    b += "<td class=\"n\">" + num1(s.median_down_mbps) + "</td><td class=\"n\">" +
         num1(s.p10_down_mbps) + "</td><td class=\"n\">" + num1(s.median_up_mbps) +
         "</td><td class=\"n\">" + num1(s.contracted_down_mbps) + "</td>";
    b += "<td class=\"n\">" + optPct01(s.share_at_target) + "</td><td class=\"n\">" +
         optPct01(s.uptime_school_hours) + "</td>";
    b += "<td class=\"n\">" + esc(localTime(s.last_seen_ms)) + "</td><td class=\"n\">" +
         std::to_string(s.open_alerts) + "</td><td class=\"n\">" + std::to_string(s.missing_seq) +
         "</td></tr>";
  }
  b += "</tbody></table></div>";
  b += "<div class=\"pager\">";
  const std::string sorted = base + "&sort=" + sort + "&dir=" + (desc ? "desc" : "asc");
  if (page > 1)
    b += "<a href=\"" + esc(sorted + "&page=" + std::to_string(page - 1)) + "\">" +
         esc(c.t("page.prev")) + "</a>";
  b +=
      "<span>" +
      esc(replaceAll(replaceAll(replaceAll(std::string(c.t("page.of")), "%1", std::to_string(page)),
                                "%2", std::to_string(pages)),
                     "%3", std::to_string(rows.size()))) +
      "</span>";
  if (page < pages)
    b += "<a href=\"" + esc(sorted + "&page=" + std::to_string(page + 1)) + "\">" +
         esc(c.t("page.next")) + "</a>";
  b += "</div><p class=\"note\">" + esc(c.t("unit.mbps")) + " · " + esc(c.t("computed_at")) + " " +
       esc(localTime((*l)->computed_at_ms)) + "</p>";
  return html(c, 200, layout(c, groupName(c, county_name), b));
}

Response WebHandler::school(Call& c) const {
  std::string_view rest = std::string_view(c.req.path).substr(8);
  std::string_view tail;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    tail = rest.substr(slash);
    rest = rest.substr(0, slash);
  }
  auto id = http::percentDecode(rest);
  if (!id || id->empty() || id->size() > 128) return errorPage(c, 404, "error.not_found");
  int days = options_.days;
  if (auto d = toInt(c.qs("days")); d && (*d == 7 || *d == 30 || *d == 90))
    days = static_cast<int>(*d);
  auto detail = data_.school(*id, days);
  if (!detail) {
    spdlog::error("web: school {}: {}", *id, detail.error().message);
    return errorPage(c, 503, "error.unavailable");
  }
  const auth::Scope& scope = c.session->scope;
  if (!*detail || !auth::inScope(scope, (*detail)->row.city, (*detail)->row.county)) {
    if (*detail) {
      forbidden_.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("web: {} (scope {}) refused school {}", c.session->user, auth::scopeText(scope),
                   *id);
    }
    return errorPage(c, 404, "error.forbidden");
  }
  const SchoolDetail& d = **detail;
  const SchoolLedgerRow& s = d.row;

  if (tail == "/evidence.csv" || tail == "/evidence.json") {
    auto recs = data_.evidence(*id, d.from_ms, d.to_ms);
    if (!recs) return errorPage(c, 503, "error.unavailable");
    const bool csv = tail == "/evidence.csv";
    std::string out;
    if (csv) {
      out =
          "\xEF\xBB\xBF"
          "ts_utc_ms,local_time,kind,id,payload\r\n";
      for (const auto& r : *recs) {
        std::string payload = replaceAll(r.payload, "\"", "\"\"");
        out += std::to_string(r.ts_ms) + "," + localTime(r.ts_ms) + "," + r.kind + ",\"" +
               replaceAll(r.id, "\"", "\"\"") + "\",\"" + payload + "\"\r\n";
      }
    } else {
      out = "[";
      for (std::size_t i = 0; i < recs->size(); ++i) {
        if (i) out += ",\n";
        out += (*recs)[i].payload;
      }
      out += "]\n";
    }
    std::string headers(http::kNoStoreHeaders);
    headers +=
        "X-Content-Type-Options: nosniff\r\nContent-Disposition: attachment; filename=\"evidence-" +
        urlEncode(*id) + "-" + std::to_string(days) + "d" + (csv ? ".csv" : ".json") + "\"\r\n";
    return http::makeResponse(200,
                              csv ? "text/csv; charset=utf-8" : "application/json; charset=utf-8",
                              std::move(out), c.close, headers, c.head);
  }
  if (!tail.empty()) return errorPage(c, 404, "error.not_found");

  std::string b = "<nav class=\"crumbs\">";
  if (scope.province()) b += "<a href=\"/\">" + esc(c.t("nav.overview")) + "</a> › ";
  if (scope.county.empty() && d.in_registry)
    b += "<a href=\"/city?city=" + esc(urlEncode(s.city)) + "\">" + esc(groupName(c, s.city)) +
         "</a> › ";
  if (d.in_registry)
    b += "<a href=\"/county?city=" + esc(urlEncode(s.city)) +
         "&amp;county=" + esc(urlEncode(s.county)) + "\">" + esc(groupName(c, s.county)) +
         "</a> › ";
  b += esc(s.name.empty() ? s.school_id : s.name) + "</nav>";
  b += "<h1 id=\"school-name\">" + esc(s.name.empty() ? s.school_id : s.name) + "</h1>";
  if (!d.in_registry) b += "<p class=\"error\">" + esc(c.t("school.not_in_registry")) + "</p>";

  // Range switch.
  b += "<p>" + esc(c.t("school.window")) + ": ";
  for (int r : {7, 30, 90}) {
    const std::string label = std::to_string(r) + " " + std::string(c.t("unit.days"));
    if (r == days) {
      b += "<strong>" + esc(label) + "</strong> ";
    } else {
      b += "<a href=\"/school/" + esc(urlEncode(s.school_id)) + "?days=" + std::to_string(r) +
           "\">" + esc(label) + "</a> ";
    }
  }
  b += " · " + esc(c.t("school.evidence")) + ": <a href=\"/school/" + esc(urlEncode(s.school_id)) +
       "/evidence.csv?days=" + std::to_string(days) + "\">CSV</a> <a href=\"/school/" +
       esc(urlEncode(s.school_id)) + "/evidence.json?days=" + std::to_string(days) +
       "\">JSON</a></p>";

  auto mbps = [&](std::optional<double> v) {
    return v ? num1(v) + " " + std::string(c.t("unit.mbps")) : std::string("—");
  };
  b += "<h2>" + esc(c.t("school.identity")) + "</h2><dl class=\"kv\" id=\"identity\">";
  auto kv = [&](std::string_view key, const std::string& value_html) {
    b += "<dt>" + esc(c.t(key)) + "</dt><dd>" + value_html + "</dd>";
  };
  kv("col.school_id", esc(s.school_id));
  kv("col.city", esc(groupName(c, s.city)));
  kv("col.county", esc(groupName(c, s.county)));
  kv("col.stage", esc(s.stage));
  kv("col.carrier", esc(groupName(c, s.carrier)));
  kv("col.access", esc(s.access));
  kv("col.contract_down", esc(mbps(s.contracted_down_mbps)));
  kv("col.contract_up", esc(mbps(s.contracted_up_mbps)));
  b += "</dl>";

  b += "<h2>" + esc(c.t("school.ledger")) + "</h2><dl class=\"kv\" id=\"ledger\">";
  kv("col.state", std::string("<span class=\"st-") + schoolStateName(s.state) + "\">" +
                      esc(c.t(stateKey(s.state))) + "</span>");
  kv("col.median_down", esc(mbps(s.median_down_mbps)));
  kv("col.p10_down", esc(mbps(s.p10_down_mbps)));
  kv("col.median_up", esc(mbps(s.median_up_mbps)));
  kv("col.share_at_target", esc(optPct01(s.share_at_target)));
  kv("col.uptime", esc(optPct01(s.uptime_school_hours)));
  kv("col.tests", std::to_string(s.tests));
  kv("col.below_contract",
     esc(s.below_contract ? c.t(*s.below_contract ? "yes" : "no") : c.t("unknown")));
  kv("col.last_seen", esc(localTime(s.last_seen_ms)));
  kv("col.last_test", esc(localTime(s.last_counted_test_ms)));
  kv("col.open_alerts", std::to_string(s.open_alerts));
  kv("col.missing", std::to_string(s.missing_seq));
  b += "</dl>";

  // Charts.
  TimeChart cap;
  cap.title = std::string(c.t("school.capacity"));
  cap.unit = std::string(c.t("unit.mbps"));
  cap.from_ms = d.from_ms;
  cap.to_ms = d.to_ms;
  Series down{std::string(c.t("chart.down")), "s-down", {}},
      up{std::string(c.t("chart.up")), "s-up", {}};
  TimeChart lat = cap;
  lat.title = std::string(c.t("school.latency"));
  lat.unit = std::string(c.t("unit.ms"));
  Series idle{std::string(c.t("chart.idle")), "s-idle", {}},
      loaded{std::string(c.t("chart.loaded")), "s-loaded", {}};
  for (const auto& p : d.tests) {
    if (p.down) down.points.emplace_back(p.ts_ms, *p.down);
    if (p.up) up.points.emplace_back(p.ts_ms, *p.up);
    if (p.idle_ms) idle.points.emplace_back(p.ts_ms, *p.idle_ms);
    if (p.loaded_ms) loaded.points.emplace_back(p.ts_ms, *p.loaded_ms);
  }
  cap.series = {down, up};
  cap.refs.push_back({options_.target_mbps, std::string(c.t("chart.target")), "ref-target"});
  if (s.contracted_down_mbps && *s.contracted_down_mbps != options_.target_mbps)
    cap.refs.push_back({*s.contracted_down_mbps,
                        std::string(c.t("chart.contract")) + " " + num1(s.contracted_down_mbps) +
                            " " + std::string(c.t("unit.mbps")),
                        "ref-contract"});
  lat.series = {idle, loaded};
  b += "<h2>" + esc(c.t("school.capacity")) + "</h2>";
  b += d.tests.empty() ? "<p class=\"note\">" + esc(c.t("school.no_tests")) + "</p>"
                       : drawTimeChart(cap);
  b += "<h2>" + esc(c.t("school.latency")) + "</h2>";
  if (!idle.points.empty() || !loaded.points.empty()) {
    b += drawTimeChart(lat);
  } else {
    b += "<p class=\"note\">" + esc(c.t("school.no_tests")) + "</p>";
  }

  b += "<h2>" + esc(c.t("school.outages")) + "</h2>";
  std::vector<Span> spans;
  for (const auto& o : d.outages) {
    spans.push_back({o.start_ms, o.end_ms,
                     localTime(o.start_ms) + " – " + localTime(o.end_ms) + " " +
                         num1(o.duration_s / 60) + " " + std::string(c.t("unit.min"))});
  }
  b += drawTimeline(d.from_ms, d.to_ms, spans, std::string(c.t("school.outages")));
  if (d.outages.empty()) {
    b += "<p class=\"note\">" + esc(c.t("school.no_outages")) + "</p>";
  } else {
    b += "<table><thead><tr><th>" + esc(c.t("col.start")) + "</th><th>" + esc(c.t("col.end")) +
         "</th><th class=\"n\">" + esc(c.t("col.duration")) + "</th><th>" + esc(c.t("col.class")) +
         "</th></tr></thead><tbody>";
    std::size_t shown = 0;
    for (auto it = d.outages.rbegin(); it != d.outages.rend() && shown < 100; ++it, ++shown) {
      std::string cls = it->cls == "local" || it->cls == "upstream" || it->cls == "dns"
                            ? std::string(c.t("outage." + it->cls))
                            : it->cls;
      b += "<tr><td>" + esc(localTime(it->start_ms)) + "</td><td>" + esc(localTime(it->end_ms)) +
           "</td><td class=\"n\">" + num1(it->duration_s / 60) + " " + esc(c.t("unit.min")) +
           "</td><td>" + esc(cls) + "</td></tr>";
    }
    b += "</tbody></table>";
  }

  b += "<h2 id=\"alerts\">" + esc(c.t("school.alerts")) + "</h2>";
  bool any_alert = false;
  const bool may_ack = c.session->role != auth::Role::kViewer;
  for (const auto& dv : d.devices) {
    if (dv.open_alerts == 0) continue;
    any_alert = true;
    b += "<div class=\"alert\"><p>" + esc(dv.device_id) + ": " + std::to_string(dv.open_alerts) +
         " " + esc(c.t("col.open_alerts")) + "</p>" +
         openAlertsHtml(c.lang, dv.alert_state_payload);
    if (dv.acked_ms) {
      b += "<p class=\"acked\">✔ " + esc(c.t("alert.acked")) + " " + esc(dv.acked_by) + " · " +
           esc(localTime(dv.acked_ms)) + (dv.ack_note.empty() ? "" : " · " + esc(dv.ack_note)) +
           "</p>";
    } else if (may_ack && dv.alert_state_ts_ms) {
      b += "<form class=\"ack\" method=\"post\" action=\"/school/" + esc(urlEncode(s.school_id)) +
           "/ack\"><input type=\"hidden\" name=\"csrf\" value=\"" + esc(c.session->csrf) +
           "\"><input type=\"hidden\" name=\"device\" value=\"" + esc(dv.device_id) +
           "\"><input type=\"hidden\" name=\"state_ts\" value=\"" +
           std::to_string(*dv.alert_state_ts_ms) + "\"><input name=\"note\" maxlength=\"200\" " +
           "placeholder=\"" + esc(c.t("alert.note")) + "\"> <button type=\"submit\">" +
           esc(c.t("alert.ack")) + "</button></form>";
    } else {
      b += "<p class=\"note\">" + esc(c.t("alert.not_acked")) + "</p>";
    }
    b += "</div>";
  }
  if (!any_alert) b += "<p class=\"note\">" + esc(c.t("school.no_alerts")) + "</p>";

  if (remote_ != nullptr) {
    // Remote commands: "test now" for operators, and what the probes answered.
    b += "<h2 id=\"commands\">" + esc(c.t("school.commands")) + "</h2>";
    if (c.session->role != auth::Role::kViewer) {
      b += "<form class=\"ack\" method=\"post\" action=\"/school/" + esc(urlEncode(s.school_id)) +
           "/test\"><input type=\"hidden\" name=\"csrf\" value=\"" + esc(c.session->csrf) +
           "\"><button type=\"submit\">" + esc(c.t("cmd.test_now")) +
           "</button> <span class=\"note\">" + esc(c.t("cmd.test_now_note")) + "</span></form>";
    }
    auto recent = remote_->recent(s.school_id, 5);
    if (!recent) {
      spdlog::error("web: commands of {}: {}", s.school_id, recent.error().message);
      b += "<p class=\"note\">" + esc(c.t("error.unavailable")) + "</p>";
    } else if (recent->empty()) {
      b += "<p class=\"note\">" + esc(c.t("cmd.none")) + "</p>";
    } else {
      b += "<table id=\"command-log\"><thead><tr><th>" + esc(c.t("cmd.issued")) + "</th><th>" +
           esc(c.t("cmd.verb")) + "</th><th>" + esc(c.t("cmd.by")) + "</th><th>" +
           esc(c.t("col.device")) + "</th><th>" + esc(c.t("cmd.answer")) +
           "</th></tr></thead><tbody>";
      for (const auto& cmd : *recent) {
        for (const auto& dv : cmd.devices) {
          std::string answer;
          if (!dv.sent) {
            answer = std::string(c.t("cmd.not_sent"));
          } else if (dv.outcome == "command_done") {
            answer = std::string(c.t("cmd.done"));
          } else if (dv.outcome == "command_refused") {
            answer = std::string(c.t("cmd.refused")) + " " + dv.reason;
          } else {
            answer = std::string(c.t("cmd.waiting"));
          }
          if (dv.answered_ms) answer += " · " + localTime(*dv.answered_ms);
          b += "<tr><td>" + esc(localTime(cmd.issued_ms)) + "</td><td>" + esc(cmd.verb) +
               "</td><td>" + esc(cmd.issued_by) + "</td><td>" + esc(dv.device_id) +
               "</td><td class=\"answer\">" + esc(answer) + "</td></tr>";
        }
      }
      b += "</tbody></table><p class=\"note\"><a href=\"/school/" + esc(urlEncode(s.school_id)) +
           "#commands\">" + esc(c.t("cmd.reload")) + "</a></p>";
    }
  }

  b += "<h2>" + esc(c.t("school.devices")) + "</h2>";
  if (d.devices.empty()) {
    b += "<p class=\"note\">" + esc(c.t("school.no_devices")) + "</p>";
  } else {
    b += "<table id=\"devices\"><thead><tr><th>" + esc(c.t("col.device")) + "</th><th>" +
         esc(c.t("col.status")) + "</th><th>" + esc(c.t("col.last_seen")) + "</th><th>" +
         esc(c.t("col.agent_version")) + "</th><th>" + esc(c.t("col.config_hash")) + "</th><th>" +
         esc(c.t("col.clock")) + "</th><th class=\"n\">" + esc(c.t("col.open_alerts")) +
         "</th><th class=\"n\">" + esc(c.t("col.missing")) + "</th></tr></thead><tbody>";
    for (const auto& dv : d.devices) {
      std::int64_t missing = 0;
      for (const auto& j : d.journals) {
        if (j.device_id == dv.device_id) missing += j.missing;
      }
      std::string status = dv.status == "online"    ? std::string(c.t("status.online"))
                           : dv.status == "offline" ? std::string(c.t("status.offline"))
                                                    : std::string(c.t("unknown"));
      b += "<tr><td>" + esc(dv.device_id) + "</td><td>" + esc(status) + "</td><td>" +
           esc(localTime(dv.last_seen_ms)) + "</td><td>" + esc(dv.agent_version) + "</td><td>" +
           "<code>" + esc(dv.config_hash.empty() ? "—" : dv.config_hash.substr(0, 12)) +
           "</code></td><td>" +
           esc(dv.clock_synced ? c.t(*dv.clock_synced ? "yes" : "no") : c.t("unknown")) +
           "</td><td class=\"n\">" + std::to_string(dv.open_alerts) + "</td><td class=\"n\">" +
           std::to_string(missing) + "</td></tr>";
    }
    b += "</tbody></table>";
  }

  b += "<h2>" + esc(c.t("school.records")) + "</h2>";
  b += "<table id=\"records\"><thead><tr><th>" + esc(c.t("col.time")) + "</th><th>" +
       esc(c.t("col.kind")) + "</th><th>" + esc(c.t("col.record")) + "</th></tr></thead><tbody>";
  for (const auto& r : d.recent) {
    // One line per record; the whole payload opens in place (no JavaScript needed).
    std::string head = r.payload.substr(0, 140);
    while (!head.empty() && (static_cast<unsigned char>(head.back()) & 0xC0) == 0x80)
      head.pop_back();  // never cut a UTF-8 sequence (esc would show U+FFFD)
    if (!head.empty() && static_cast<unsigned char>(head.back()) >= 0xC0) head.pop_back();
    b += "<tr><td class=\"nw\">" + esc(localTime(r.ts_ms)) + "</td><td>" + esc(r.kind) +
         "</td><td><details><summary><code>" + esc(r.id) + "</code> " + esc(head) +
         (head.size() < r.payload.size() ? "…" : "") + "</summary><pre class=\"raw\">" +
         esc(r.payload) + "</pre></details></td></tr>";
  }
  b += "</tbody></table>";
  return html(c, 200, layout(c, s.name.empty() ? s.school_id : s.name, b));
}

Response WebHandler::below(Call& c, bool xlsx) const {
  const auth::Scope& scope = c.session->scope;
  auto l = data_.ledger(options_.days);
  if (!l) return errorPage(c, 503, "error.unavailable");
  Ledger picked;
  picked.by = LedgerGrouping::kSchool;
  picked.computed_at_ms = (*l)->computed_at_ms;
  picked.days = (*l)->days;
  picked.target_mbps = (*l)->target_mbps;
  for (const auto& s : (*l)->schools) {
    if (s.school_id.empty() || !auth::inScope(scope, s.city, s.county)) continue;
    if (s.meets_target.value_or(true)) continue;
    picked.schools.push_back(s);
  }
  auto runs = data_.belowRuns(options_.days);
  if (!runs) {
    spdlog::error("web: below runs: {}", runs.error().message);
    return errorPage(c, 503, "error.unavailable");
  }
  const auto& run_map = **runs;
  auto runOf = [&](const SchoolLedgerRow& s) -> const BelowRun* {
    auto it = run_map.find(s.school_id);
    return it == run_map.end() ? nullptr : &it->second;
  };
  // Longest below first, then the lowest median.
  std::stable_sort(picked.schools.begin(), picked.schools.end(),
                   [&](const SchoolLedgerRow& a, const SchoolLedgerRow& b) {
                     const BelowRun* ra = runOf(a);
                     const BelowRun* rb = runOf(b);
                     const int da = ra ? ra->days : 0, db = rb ? rb->days : 0;
                     if (da != db) return da > db;
                     return a.median_down_mbps.value_or(0) < b.median_down_mbps.value_or(0);
                   });
  if (xlsx) {
    LedgerTable lt = ledgerTable(picked);
    // The ledger's columns in its order, then how long each school has been below.
    lt.columns.push_back("低于目标起始日");
    lt.columns.push_back("低于目标天数");
    for (std::size_t i = 0; i < lt.rows.size() && i < picked.schools.size(); ++i) {
      const BelowRun* r = runOf(picked.schools[i]);
      lt.rows[i].push_back(r ? Cell{r->since} : Cell{});
      lt.rows[i].push_back(r ? Cell{static_cast<std::int64_t>(r->days)} : Cell{});
    }
    Table t{std::move(lt.columns), std::move(lt.rows)};
    auto bytes = xlsxBytes(t, "below-target");
    if (!bytes) {
      spdlog::error("web: below.xlsx: {}", bytes.error().message);
      return errorPage(c, 503, "error.unavailable");
    }
    std::string headers(http::kNoStoreHeaders);
    headers +=
        "X-Content-Type-Options: nosniff\r\nContent-Disposition: attachment; "
        "filename=\"below-target.xlsx\"\r\n";
    return http::makeResponse(200,
                              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                              std::move(*bytes), c.close, headers, c.head);
  }
  std::string b =
      "<h1>" + esc(c.t("below.title")) + "</h1><p class=\"note\">" +
      esc(replaceAll(std::string(c.t("below.note")), "%1", num1(options_.target_mbps))) +
      " <a href=\"/below.xlsx\">" + esc(c.t("below.export")) + "</a></p>";
  if (picked.schools.empty()) {
    b += "<p>" + esc(c.t("below.none")) + "</p>";
  } else {
    b += "<table id=\"below\"><thead><tr>";
    for (auto k : {"col.city", "col.county", "col.school_id", "col.school", "col.carrier",
                   "col.below_since"})
      b += "<th>" + esc(c.t(k)) + "</th>";
    b += "<th class=\"n\">" + esc(c.t("col.below_days")) + "</th>";
    for (auto k : {"col.median_down", "col.p10_down", "col.contract_down", "col.share_at_target",
                   "col.tests"})
      b += "<th class=\"n\">" + esc(c.t(k)) + "</th>";
    b += "<th>" + esc(c.t("col.last_test")) + "</th></tr></thead><tbody>";
    std::size_t shown = 0;
    for (const auto& s : picked.schools) {
      if (++shown > 1000) break;
      b += "<tr><td>" + esc(groupName(c, s.city)) + "</td><td>" + esc(groupName(c, s.county)) +
           "</td><td>" + esc(s.school_id) + "</td><td><a href=\"/school/" +
           esc(urlEncode(s.school_id)) + "\">" + esc(s.name) + "</a></td><td>" +
           esc(groupName(c, s.carrier)) + "</td>";
      const BelowRun* r = runOf(s);
      b += "<td>" + esc(r ? r->since : std::string("—")) + "</td><td class=\"n\">" +
           (r ? std::to_string(r->days) : std::string("—")) + "</td>";
      b += "<td class=\"n\">" + num1(s.median_down_mbps) + "</td><td class=\"n\">" +
           num1(s.p10_down_mbps) + "</td><td class=\"n\">" + num1(s.contracted_down_mbps) +
           "</td><td class=\"n\">" + optPct01(s.share_at_target) + "</td><td class=\"n\">" +
           std::to_string(s.tests) + "</td><td>" + esc(localTime(s.last_counted_test_ms)) +
           "</td></tr>";
    }
    b += "</tbody></table>";
  }
  return html(c, 200, layout(c, c.t("below.title"), b));
}

void WebHandler::writeMetrics(api::MetricsText& out) const {
  using T = api::MetricsText::Type;
  out.family("uplinkprobe_collector_web_logins_total", T::kCounter,
             "Web logins by result (ok, failed = wrong user or password, rate_limited).");
  out.sample(static_cast<double>(logins_ok_.load()), {{"result", "ok"}});
  out.sample(static_cast<double>(logins_failed_.load()), {{"result", "failed"}});
  out.sample(static_cast<double>(logins_limited_.load()), {{"result", "rate_limited"}});
  out.family("uplinkprobe_collector_web_refused_total", T::kCounter,
             "Requests refused: csrf (POST without the session's token), forbidden (outside the "
             "user's scope; api = JSON API), unauthenticated (no session or token).");
  out.sample(static_cast<double>(csrf_refused_.load()), {{"reason", "csrf"}});
  out.sample(static_cast<double>(forbidden_.load()), {{"reason", "forbidden"}, {"where", "web"}});
  out.sample(static_cast<double>(api_.scopeRefusals()),
             {{"reason", "forbidden"}, {"where", "api"}});
  out.sample(static_cast<double>(unauthenticated_.load()), {{"reason", "unauthenticated"}});
  out.counter("uplinkprobe_collector_web_pages_total", "Pages served to logged-in users.",
              static_cast<double>(pages_.load()));
  out.gauge("uplinkprobe_collector_web_sessions", "Live web sessions.",
            static_cast<double>(sessions_.size()));
}

}  // namespace uplinkprobe::collector::web
