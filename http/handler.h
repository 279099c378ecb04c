// Handler: what a program plugs into http::Server — the routes, decided from a parsed head.
//
// Threading: the Server calls respond() and acceptsBody() from any of its worker threads,
// concurrently for different connections; implementations must be thread-safe (the ones in
// this tree are const over immutable state, or lock what they share). A call blocks only
// its own connection's thread, but every other connection placed on that thread waits too:
// keep slow work (a database query) bounded, or give the Server more threads.
//
// Bodies: the core never hands a body to the handler. If acceptsBody() says yes, the body is
// read and discarded (bounded by ConnectionLimits::max_upload_bytes) before the response
// decided by respond() is written; if no, the response is written and the connection is
// closed without reading the body, so it cannot be mistaken for the next request.
#pragma once

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

  // Bytes that a Response's payload_bytes are cut from, cyclically. A handler whose
  // responses never set payload_bytes keeps the default (empty); the Connection then treats
  // payload_bytes as 0.
  virtual std::string_view payload() const { return {}; }
};

}  // namespace uplinkprobe::http
