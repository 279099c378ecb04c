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

#include <cstdint>
#include <string>
#include <string_view>

#include "http/handler.h"
#include "http/request.h"
#include "http/response.h"
#include "server/payload_buffer.h"

namespace uplinkprobe::server {

using http::Request;
using http::Response;

enum class Endpoint { kGarbage, kEmpty, kGetIp, kHealthz, kUnknown };

Endpoint endpointForPath(std::string_view path);

struct RouteContext {
  std::string_view peer_ip;          // the TCP peer, IPv4-mapped IPv6 already unmapped
  bool trust_forwarded_for = false;  // take the client IP from X-Forwarded-For/X-Real-IP
  bool close = false;                // the connection will close after this response
};

// Whether the request's body should be read (and discarded) before answering. Requests with
// a body to any other endpoint are answered and the connection closed without reading it.
bool acceptsBody(const Request& req);

Response respond(const Request& req, const RouteContext& ctx);

// The client IP reported by getIP: the peer, or with trust_forwarded_for the left-most
// X-Forwarded-For entry (else X-Real-IP) if it is a valid IPv4/IPv6 literal.
std::string clientIp(const Request& req, const RouteContext& ctx);

// The routes above as an http::Handler, with the shared payload /garbage is cut from.
class SpeedTestHandler : public http::Handler {
 public:
  explicit SpeedTestHandler(bool trust_forwarded_for) : trust_forwarded_for_(trust_forwarded_for) {}

  bool acceptsBody(const Request& req) const override { return server::acceptsBody(req); }
  Response respond(const Request& req, const http::RequestContext& ctx) const override;
  std::string_view payload() const override { return payload_.bytes(); }

 private:
  bool trust_forwarded_for_;
  PayloadBuffer payload_;
};

}  // namespace uplinkprobe::server
