// Handler: what a program plugs into http::Server — the routes, decided from a parsed head.
//
// Threading: the Server calls respond() and acceptsBody() from any of its worker threads,
// concurrently for different connections; implementations must be thread-safe (the ones in
// this tree are const over immutable state, or lock what they share). A call blocks only
// its own connection's thread, but every other connection placed on that thread waits too:
// keep slow work (a database query) bounded, or give the Server more threads.
//
// Bodies: by default the core never hands a body to the handler. If acceptsBody() says yes,
// the body is read and discarded (bounded by ConnectionLimits::max_upload_bytes) before the
// response decided by respond() is written; if no, the response is written and the
// connection is closed without reading the body, so it cannot be mistaken for the next
// request. A handler that needs small bodies (an HTML form) returns their cap from
// bodyLimit(): such a request's body (Content-Length only; chunked gets 411, a larger one
// 413) is read into memory and handed to respondWithBody() instead of respond().
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/request.h"
#include "http/response.h"

namespace uplinkprobe::http {

struct RequestContext {
  std::string_view peer_ip;  // the TCP peer, IPv4-mapped IPv6 already unmapped
  bool close = false;        // the connection closes after this response; honour it in the
                             // Response (close = true, "Connection: close")
};

class Handler {
 public:
  virtual ~Handler() = default;

  virtual bool acceptsBody(const Request& req) const = 0;
  virtual Response respond(const Request& req, const RequestContext& ctx) const = 0;

  // Bytes of body this request may bring to respondWithBody(); 0 = bodies are not delivered
  // (acceptsBody() decides between discarding and refusing).
  virtual std::size_t bodyLimit(const Request&) const { return 0; }
  virtual Response respondWithBody(const Request& req, std::string body,
                                   const RequestContext& ctx) const {
    return respond(req, ctx);
  }

  // Bytes that a Response's payload_bytes are cut from, cyclically. A handler whose
  // responses never set payload_bytes keeps the default (empty); the Connection then treats
  // payload_bytes as 0.
  virtual std::string_view payload() const { return {}; }
};

}  // namespace uplinkprobe::http
