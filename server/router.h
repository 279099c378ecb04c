// Router: the server's response logic, as pure functions of a parsed request.
//
// The connection (server/connection.cpp) owns I/O and limits; this file decides what to
// answer. Endpoints follow LibreSpeed's backend so that LibreSpeed clients and our agent work
// against either:
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

#include "server/http_request.h"

namespace uplinkprobe::server {

enum class Endpoint { kGarbage, kEmpty, kGetIp, kHealthz, kUnknown };

Endpoint endpointForPath(std::string_view path);

// A response ready to send: head (status line + headers + blank line), a small body, and
// then payload_bytes taken from the shared PayloadBuffer.
struct Response {
  int status = 200;
  std::string head;
  std::string body;
  std::uint64_t payload_bytes = 0;
  bool close = false;  // the connection closes after this response
};

struct RouteContext {
  std::string_view peer_ip;          // the TCP peer, IPv4-mapped IPv6 already unmapped
  bool trust_forwarded_for = false;  // take the client IP from X-Forwarded-For/X-Real-IP
  bool close = false;                // the connection will close after this response
};

// Whether the request's body should be read (and discarded) before answering. Requests with
// a body to any other endpoint are answered and the connection closed without reading it.
bool acceptsBody(const HttpRequest& req);

Response respond(const HttpRequest& req, const RouteContext& ctx);

// Error answer (400, 404, 408, 413, 414, 431, 501, 503, 505 ...) with a short text body.
Response errorResponse(int status, std::string_view message, bool close);

// "HTTP/1.1 100 Continue\r\n\r\n"
std::string_view continueResponse();

// The client IP reported by getIP: the peer, or with trust_forwarded_for the left-most
// X-Forwarded-For entry (else X-Real-IP) if it is a valid IPv4/IPv6 literal.
std::string clientIp(const HttpRequest& req, const RouteContext& ctx);

const char* reasonPhrase(int status);

}  // namespace uplinkprobe::server
