// Response: what a Handler answers, ready for the Connection to write.
//
// A response is a complete head (status line, headers, blank line), a body held in memory,
// then payload_bytes cut cyclically from Handler::payload() (the speed-test server's shared
// random bytes; 0 for everyone else). The helpers below build heads that always carry
// Content-Length and an explicit Connection header, so a keep-alive client never guesses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace uplinkprobe::http {

struct Response {
  int status = 200;
  std::string head;
  std::string body;
  std::uint64_t payload_bytes = 0;
  bool close = false;  // the connection closes after this response
};

// "Cache-Control: no-store…\r\nPragma: no-cache\r\n": for answers that must never be cached.
inline constexpr std::string_view kNoStoreHeaders =
    "Cache-Control: no-store, no-cache, must-revalidate, max-age=0, s-maxage=0\r\n"
    "Pragma: no-cache\r\n";

const char* reasonPhrase(int status);

// "HTTP/1.1 <status> <reason>\r\n"
void appendStatusLine(std::string& head, int status);

// "Content-Length: N\r\nConnection: close|keep-alive\r\n\r\n"
void finishHead(std::string& head, std::uint64_t content_length, bool close);

// A whole response with an in-memory body. extra_headers are complete "Name: value\r\n"
// lines. With head_only (a HEAD request) the head announces the body's length but the body
// is not sent.
Response makeResponse(int status, std::string_view content_type, std::string body, bool close,
                      std::string_view extra_headers = {}, bool head_only = false);

// Error answer (400, 404, 408, 413, 414, 431, 501, 503, 505 ...) with a short text body.
Response errorResponse(int status, std::string_view message, bool close);

// "HTTP/1.1 100 Continue\r\n\r\n"
std::string_view continueResponse();

}  // namespace uplinkprobe::http
