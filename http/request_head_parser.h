// RequestHeadParser: finds and validates an HTTP/1.x request head in bytes received so far.
//
// Contract: parse() is given the whole unconsumed input (which may also hold a body or
// pipelined requests after the head) and answers kIncomplete, kComplete (with the head's
// size, so the caller can consume exactly it) or kError with the HTTP status to answer
// before closing. Limits are enforced as soon as they are exceeded, not after the head is
// complete, so a peer can never make the caller buffer more than max_header_bytes:
//   request line > max_request_line            -> 414
//   head > max_header_bytes, > max_header_count -> 431
//   HTTP/2+ or HTTP/0.x                       -> 505
//   Transfer-Encoding other than chunked       -> 501
//   anything else malformed (bad token, bare LF, obs-fold, bad Content-Length,
//   Content-Length together with chunked)      -> 400
// The parser keeps how far it has already scanned, so trickled input costs O(n) in total;
// call reset() after consuming a head. No allocation happens before a head is complete.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/request.h"

namespace uplinkprobe::http {

struct ParseLimits {
  std::size_t max_request_line = 8 * 1024;
  std::size_t max_header_bytes = 16 * 1024;  // whole head, request line included
  std::size_t max_header_count = 100;
};

struct HeadParseResult {
  enum class State { kIncomplete, kComplete, kError };
  State state = State::kIncomplete;
  std::size_t head_size = 0;  // kComplete: bytes of input the head occupies
  int error_status = 0;       // kError: 400, 414, 431, 501 or 505
  std::string error_message;  // kError: why, for logs and the response body
  Request request;            // kComplete only
};

class RequestHeadParser {
 public:
  explicit RequestHeadParser(ParseLimits limits = {}) : limits_(limits) {}

  HeadParseResult parse(std::string_view input);
  void reset() {
    scanned_ = 0;
    line_scanned_ = 0;
  }

  const ParseLimits& limits() const { return limits_; }

 private:
  ParseLimits limits_;
  std::size_t scanned_ = 0;       // input prefix known not to hold the head's end
  std::size_t line_scanned_ = 0;  // input prefix known not to hold line 1's end
};

// Parses a complete head (everything up to and including the blank line). Exposed for tests
// and the fuzzer; RequestHeadParser::parse() calls it once the end of the head is found.
HeadParseResult parseCompleteHead(std::string_view head, const ParseLimits& limits);

}  // namespace uplinkprobe::http
