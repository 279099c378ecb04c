// Router: the server's response logic, as pure functions of a parsed request.
//
// The HTTP core (http/connection.cpp) owns I/O and limits; this file decides what to
// answer, and SpeedTestHandler plugs it into http::Server. Endpoints follow LibreSpeed's backend so
// that LibreSpeed clients and our agent work against either:
//   /garbage, /garbage.php, /backend/garbage.php  GET|HEAD  ckSize MiB of random bytes
//   /empty,   /empty.php,   /backend/empty.php    GET|HEAD|POST  body discarded, empty 200
//                                                  (LibreSpeed pings with GET on empty.php)
//   /getIP,   /getIP.php,   /backend/getIP.php    GET|HEAD  {"processedString":ip,...}
//   /healthz                                      GET|HEAD  "ok"
// OPTIONS on any known path answers the CORS preflight. Unknown path 404, other methods 405.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "http/handler.h"
#include "http/request.h"
#include "http/response.h"
#include "server/access_log.h"
#include "server/client_budget.h"
#include "server/payload_buffer.h"

namespace uplinkprobe::server {

using http::Request;
using http::Response;

enum class Endpoint { kGarbage, kEmpty, kGetIp, kHealthz, kUnknown };

Endpoint endpointForPath(std::string_view path);

struct RouteContext {
  std::string_view peer_ip;  // the TCP peer, IPv4-mapped IPv6 already unmapped
  // The peer is a reverse proxy the operator named (--trusted-proxy): take the client IP from
  // the right-most X-Forwarded-For entry (the one that proxy added), else X-Real-IP.
  bool peer_is_trusted_proxy = false;
  // Browser origins allowed to use this server (--cors-origin). Empty: any ("*", LibreSpeed's
  // behaviour). Otherwise a listed Origin is echoed back, and a request carrying another
  // Origin gets 403 for /garbage and /empty (the endpoints that move bytes).
  const std::vector<std::string>* cors_origins = nullptr;
  bool close = false;  // the connection will close after this response
};

// Whether the request's body should be read (and discarded) before answering. Requests with
// a body to any other endpoint are answered and the connection closed without reading it.
bool acceptsBody(const Request& req);

Response respond(const Request& req, const RouteContext& ctx);

// The client IP reported by getIP: the peer; or, when the peer is a trusted proxy, the
// right-most X-Forwarded-For entry (else X-Real-IP) if it is a valid IPv4/IPv6 literal. Entries
// left of it were written by the client or by proxies nobody vouches for.
std::string clientIp(const Request& req, const RouteContext& ctx);

// The canonical text of an IPv4/IPv6 literal (IPv4-mapped IPv6 unmapped), as the HTTP core
// reports peers; nullopt if s is not one.
std::optional<std::string> canonicalIp(std::string_view s);

struct SpeedTestOptions {
  // Canonical IP literals (canonicalIp) whose X-Forwarded-For is believed.
  std::vector<std::string> trusted_proxies;
  std::vector<std::string> cors_origins;  // see RouteContext::cors_origins
  // Per client (address, IPv6 /64; behind a trusted proxy the forwarded address): bytes of
  // downloads promised plus uploads declared per window. 0 = no budget. Over it: 429.
  std::uint64_t budget_bytes = 0;
  std::chrono::seconds budget_window{3600};
  AccessLog* access_log = nullptr;  // not owned; nullptr = no access log
};

// The routes above as an http::Handler, with the shared payload /garbage is cut from, the
// per-client byte budget and the access log.
class SpeedTestHandler : public http::Handler {
 public:
  explicit SpeedTestHandler(SpeedTestOptions options, const Clock& clock = SystemClock::instance())
      : options_(std::move(options)),
        budget_(options_.budget_bytes, options_.budget_window, clock),
        clock_(clock) {}

  bool acceptsBody(const Request& req) const override { return server::acceptsBody(req); }
  Response respond(const Request& req, const http::RequestContext& ctx) const override;
  std::string_view payload() const override { return payload_.bytes(); }

 private:
  SpeedTestOptions options_;
  mutable ClientBudget budget_;
  const Clock& clock_;
  PayloadBuffer payload_;
};

}  // namespace uplinkprobe::server
