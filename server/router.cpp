#include "server/router.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

#include "common/time_format.h"
#include "http/connection_limiter.h"
#include "server/garbage_size.h"

namespace uplinkprobe::server {

namespace {

using http::appendStatusLine;
using http::errorResponse;
using http::finishHead;
constexpr std::string_view kNoStore = http::kNoStoreHeaders;
// LibreSpeed sends these with ?cors; always sending them costs nothing and lets a browser
// client on another origin use this server.
constexpr std::string_view kCorsRest =
    "Access-Control-Allow-Methods: GET, POST, OPTIONS\r\n"
    "Access-Control-Allow-Headers: Content-Encoding, Content-Type\r\n";

// The CORS headers for this request: "*" without an allow-list; with one, the request's
// Origin echoed back when listed (and Vary: Origin, so no cache mixes answers), else none.
std::string corsHeaders(const Request& req, const RouteContext& ctx) {
  if (ctx.cors_origins == nullptr || ctx.cors_origins->empty()) {
    return "Access-Control-Allow-Origin: *\r\n" + std::string(kCorsRest);
  }
  std::string out = "Vary: Origin\r\n";
  const std::string* origin = req.header("Origin");
  if (origin != nullptr && std::find(ctx.cors_origins->begin(), ctx.cors_origins->end(), *origin) !=
                               ctx.cors_origins->end()) {
    out += "Access-Control-Allow-Origin: " + *origin + "\r\n";
    out += kCorsRest;
  }
  return out;
}

bool originRefused(const Request& req, const RouteContext& ctx) {
  if (ctx.cors_origins == nullptr || ctx.cors_origins->empty()) return false;
  const std::string* origin = req.header("Origin");
  return origin != nullptr && std::find(ctx.cors_origins->begin(), ctx.cors_origins->end(),
                                        *origin) == ctx.cors_origins->end();
}

struct PathEntry {
  std::string_view path;
  Endpoint endpoint;
};
constexpr std::array<PathEntry, 10> kPaths{{
    {"/garbage", Endpoint::kGarbage},
    {"/garbage.php", Endpoint::kGarbage},
    {"/backend/garbage.php", Endpoint::kGarbage},
    {"/empty", Endpoint::kEmpty},
    {"/empty.php", Endpoint::kEmpty},
    {"/backend/empty.php", Endpoint::kEmpty},
    {"/getIP", Endpoint::kGetIp},
    {"/getIP.php", Endpoint::kGetIp},
    {"/backend/getIP.php", Endpoint::kGetIp},
    {"/healthz", Endpoint::kHealthz},
}};

std::string_view allowedMethods(Endpoint e) {
  switch (e) {
    case Endpoint::kEmpty:
      return "GET, HEAD, POST, OPTIONS";
    case Endpoint::kUnknown:
      return "";
    default:
      return "GET, HEAD, OPTIONS";
  }
}

bool methodAllowed(Endpoint e, std::string_view method) {
  if (method == "GET" || method == "HEAD" || method == "OPTIONS") return true;
  return e == Endpoint::kEmpty && method == "POST";
}

bool isIpLiteral(std::string_view s) {
  if (s.empty() || s.size() > 45) return false;
  char buf[46];
  s.copy(buf, s.size());
  buf[s.size()] = '\0';
  unsigned char addr[16];
  return inet_pton(AF_INET, buf, addr) == 1 || inet_pton(AF_INET6, buf, addr) == 1;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Endpoint endpointForPath(std::string_view path) {
  for (const auto& e : kPaths) {
    if (e.path == path) return e.endpoint;
  }
  return Endpoint::kUnknown;
}

bool acceptsBody(const Request& req) {
  return endpointForPath(req.path) == Endpoint::kEmpty && req.method == "POST";
}

std::optional<std::string> canonicalIp(std::string_view s) {
  if (s.empty() || s.size() > 45) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  s.copy(buf, s.size());
  buf[s.size()] = '\0';
  unsigned char addr[16];
  if (inet_pton(AF_INET, buf, addr) == 1) {
    return inet_ntop(AF_INET, addr, buf, sizeof buf) ? std::optional<std::string>(buf)
                                                     : std::nullopt;
  }
  if (inet_pton(AF_INET6, buf, addr) != 1) return std::nullopt;
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped, kMapped + 12, addr)) {
    return inet_ntop(AF_INET, addr + 12, buf, sizeof buf) ? std::optional<std::string>(buf)
                                                          : std::nullopt;
  }
  return inet_ntop(AF_INET6, addr, buf, sizeof buf) ? std::optional<std::string>(buf)
                                                    : std::nullopt;
}

std::string clientIp(const Request& req, const RouteContext& ctx) {
  if (ctx.peer_is_trusted_proxy) {
    if (const std::string* xff = req.header("X-Forwarded-For")) {
      std::string_view v(*xff);
      std::size_t comma = v.rfind(',');
      std::string_view last = trim(comma == std::string_view::npos ? v : v.substr(comma + 1));
      if (isIpLiteral(last)) return std::string(last);
    }
    if (const std::string* real = req.header("X-Real-IP")) {
      std::string_view v = trim(*real);
      if (isIpLiteral(v)) return std::string(v);
    }
  }
  return std::string(ctx.peer_ip);
}

Response respond(const Request& req, const RouteContext& ctx) {
  Endpoint endpoint = endpointForPath(req.path);
  if (endpoint == Endpoint::kUnknown) {
    if (req.path == "*" && req.method == "OPTIONS") {
      Response r;
      r.close = ctx.close;
      appendStatusLine(r.head, 200);
      r.head += "Allow: GET, HEAD, POST, OPTIONS\r\n";
      r.head += corsHeaders(req, ctx);
      finishHead(r.head, 0, ctx.close);
      return r;
    }
    return errorResponse(404, "not found", ctx.close);
  }
  if (!methodAllowed(endpoint, req.method)) {
    Response r = errorResponse(405, "method not allowed", ctx.close);
    // Insert Allow before the blank line by rebuilding the head.
    r.head.clear();
    appendStatusLine(r.head, 405);
    r.head += "Allow: ";
    r.head += allowedMethods(endpoint);
    r.head += "\r\nContent-Type: text/plain; charset=utf-8\r\n";
    finishHead(r.head, r.body.size(), ctx.close);
    return r;
  }

  Response r;
  r.close = ctx.close;
  const bool head_only = req.method == "HEAD";

  if (req.method == "OPTIONS") {
    appendStatusLine(r.head, 200);
    r.head += "Allow: ";
    r.head += allowedMethods(endpoint);
    r.head += "\r\n";
    r.head += corsHeaders(req, ctx);
    r.head += "Access-Control-Max-Age: 86400\r\n";
    finishHead(r.head, 0, ctx.close);
    return r;
  }

  if ((endpoint == Endpoint::kGarbage || endpoint == Endpoint::kEmpty) && originRefused(req, ctx)) {
    // A page on an origin the operator did not list may not make its visitors move bytes.
    return errorResponse(403, "origin not allowed", ctx.close);
  }

  std::uint64_t length = 0;
  appendStatusLine(r.head, 200);
  switch (endpoint) {
    case Endpoint::kGarbage:
      length = garbageChunkCount(req.query) * kGarbageChunkBytes;
      if (!head_only) r.payload_bytes = length;
      r.head +=
          "Content-Type: application/octet-stream\r\n"
          "Content-Description: File Transfer\r\n"
          "Content-Disposition: attachment; filename=random.dat\r\n"
          "Content-Encoding: identity\r\n";
      break;
    case Endpoint::kEmpty:
      r.head += "Content-Type: text/plain\r\n";
      break;
    case Endpoint::kGetIp: {
      // clientIp() returns a validated IP literal or the peer's address text, neither of
      // which holds a character that needs JSON escaping.
      std::string body = "{\"processedString\":\"" + clientIp(req, ctx) + "\",\"rawIspInfo\":\"\"}";
      length = body.size();
      if (!head_only) r.body = std::move(body);
      r.head += "Content-Type: application/json; charset=utf-8\r\n";
      break;
    }
    case Endpoint::kHealthz:
      length = 3;
      if (!head_only) r.body = "ok\n";
      r.head += "Content-Type: text/plain\r\n";
      break;
    case Endpoint::kUnknown:
      break;
  }
  r.head += kNoStore;
  r.head += corsHeaders(req, ctx);
  finishHead(r.head, length, ctx.close);
  return r;
}

Response SpeedTestHandler::respond(const Request& req, const http::RequestContext& ctx) const {
  RouteContext route;
  route.peer_ip = ctx.peer_ip;
  route.peer_is_trusted_proxy =
      std::find(options_.trusted_proxies.begin(), options_.trusted_proxies.end(), ctx.peer_ip) !=
      options_.trusted_proxies.end();
  route.close = ctx.close;
  route.cors_origins = &options_.cors_origins;
  Response r = server::respond(req, route);
  const std::string client = clientIp(req, route);

  const std::uint64_t moved =
      r.status == 200 ? r.payload_bytes + (req.content_length ? *req.content_length : 0) : 0;
  if (moved > 0 && budget_.enabled()) {
    asio::error_code ec;
    auto addr = asio::ip::make_address(client, ec);
    const std::string key = ec ? client : http::ConnectionLimiter::addressKey(addr);
    auto charge = budget_.charge(key, moved);
    if (!charge.allowed) {
      // Close: an upload's body is not read, so the connection cannot go on.
      r = errorResponse(429, "byte budget of this client used up; try again later", true);
      const std::string retry =
          "Retry-After: " + std::to_string(charge.retry_after.count()) + "\r\n";
      r.head.insert(r.head.find("\r\n") + 2, retry);
    }
  }
  if (options_.access_log != nullptr) {
    const std::uint32_t chunks = garbageChunkCount(req.query);
    const bool garbage = endpointForPath(req.path) == Endpoint::kGarbage;
    std::string path = endpointForPath(req.path) == Endpoint::kUnknown ? "-" : req.path;
    options_.access_log->write(
        formatRfc3339Utc(clock_.wallNow()) + " " + AccessLog::network(client) + " " +
        (methodAllowed(Endpoint::kEmpty, req.method) ? req.method : std::string("-")) + " " + path +
        " " + (garbage ? "ckSize=" + std::to_string(chunks) : std::string("-")) + " " +
        std::to_string(r.status) + " " + std::to_string(r.payload_bytes + r.body.size()));
  }
  return r;
}

}  // namespace uplinkprobe::server
