// Request: one parsed HTTP/1.x request head, as a Handler (http/handler.h) sees it.
//
// Produced only by RequestHeadParser, so every field is already validated: the method is a
// token, the target has no spaces or control bytes, Content-Length is a plain decimal number
// and a request never has both Content-Length and chunked Transfer-Encoding.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace uplinkprobe::http {

struct Header {
  std::string name;   // as sent; compare case-insensitively
  std::string value;  // optional whitespace around it trimmed
};

struct Request {
  std::string method;     // case-sensitive token, e.g. "GET"
  std::string target;     // request-target as sent (origin-form, "*", or absolute-form)
  std::string path;       // target without query; absolute-form reduced to its path
  std::string query;      // text after '?', without the '?'; empty if none
  int version_minor = 1;  // HTTP/1.<version_minor>; only 0 and 1 are accepted
  std::vector<Header> headers;

  std::optional<std::uint64_t> content_length;
  bool chunked = false;          // Transfer-Encoding: chunked
  bool keep_alive = true;        // after Connection header and version defaults
  bool expect_continue = false;  // Expect: 100-continue

  bool hasBody() const { return chunked || (content_length && *content_length > 0); }

  // First header with this name (ASCII case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
};

// ASCII case-insensitive equality (header names, tokens).
bool equalsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace uplinkprobe::http
