#include "http/request_head_parser.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace uplinkprobe::http {

namespace {

// RFC 9112 allows ignoring "at least one" empty line before a request line (some clients
// send CRLF after a POST body). More than this is not a client, it is noise.
constexpr std::size_t kMaxLeadingEmptyLines = 4;
constexpr std::size_t kMaxMethodLength = 32;
constexpr std::size_t kMaxContentLengthDigits = 19;  // < 2^64

bool isTokenChar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool isToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return isTokenChar(static_cast<unsigned char>(c));
  });
}

// Field values: visible ASCII, space, tab and obs-text; no other control bytes.
bool isFieldValue(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c == '\t' || (c >= 0x20 && c != 0x7f);
  });
}

// Request targets: visible ASCII only (no spaces, controls or raw non-ASCII).
bool isTargetChars(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c > 0x20 && c < 0x7f;
  });
}

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls fn(token) for each comma-separated, OWS-trimmed, non-empty list element.
template <typename Fn>
void forEachListToken(std::string_view value, Fn&& fn) {
  while (!value.empty()) {
    std::size_t comma = value.find(',');
    std::string_view item = trimOws(value.substr(0, comma));
    if (!item.empty()) fn(item);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

HeadParseResult fail(int status, std::string message) {
  HeadParseResult r;
  r.state = HeadParseResult::State::kError;
  r.error_status = status;
  r.error_message = std::move(message);
  return r;
}

// Splits the target into path and query; reduces absolute-form to its path.
bool splitTarget(std::string_view target, std::string_view method, Request& req) {
  std::string_view path_and_query;
  if (target == "*") {
    if (method != "OPTIONS") return false;
    path_and_query = "*";
  } else if (target.front() == '/') {
    path_and_query = target;
  } else {
    std::size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos) return false;
    std::string_view scheme = target.substr(0, scheme_end);
    if (!equalsIgnoreCase(scheme, "http") && !equalsIgnoreCase(scheme, "https")) return false;
    std::string_view after = target.substr(scheme_end + 3);
    std::size_t slash = after.find_first_of("/?");
    if (slash == 0) return false;  // empty authority
    path_and_query = slash == std::string_view::npos ? std::string_view("/") : after.substr(slash);
  }
  std::size_t q = path_and_query.find('?');
  const std::string_view path = path_and_query.substr(0, q);
  // Built, then moved in: GCC 12 -Wrestrict misreads assigning "/" over the string
  // (GCC bug 105651).
  req.path = std::string(path.empty() ? std::string_view("/") : path);
  if (q != std::string_view::npos) req.query = std::string(path_and_query.substr(q + 1));
  return true;
}

}  // namespace

HeadParseResult parseCompleteHead(std::string_view head, const ParseLimits& limits) {
  if (head.size() > limits.max_header_bytes) return fail(431, "request head too large");
  if (head.size() < 4 || head.substr(head.size() - 4) != "\r\n\r\n") {
    return fail(400, "request head does not end with an empty line");
  }
  // Drop the final CRLF so that every remaining line ends with exactly one CRLF.
  head.remove_suffix(2);

  Request req;
  std::size_t line_no = 0;
  bool saw_content_length = false;
  bool saw_transfer_encoding = false;
  bool connection_close = false;
  bool connection_keep_alive = false;

  while (!head.empty()) {
    std::size_t eol = head.find("\r\n");
    if (eol == std::string_view::npos) return fail(400, "line without CRLF");
    std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol + 2);
    if (line.find_first_of("\r\n") != std::string_view::npos) {
      return fail(400, "bare CR or LF inside a line");
    }

    if (line_no++ == 0) {
      if (line.size() > limits.max_request_line) return fail(414, "request line too long");
      std::size_t sp1 = line.find(' ');
      if (sp1 == std::string_view::npos) return fail(400, "malformed request line");
      std::size_t sp2 = line.find(' ', sp1 + 1);
      if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
        return fail(400, "malformed request line");
      }
      std::string_view method = line.substr(0, sp1);
      std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
      std::string_view version = line.substr(sp2 + 1);
      if (!isToken(method) || method.size() > kMaxMethodLength) {
        return fail(400, "malformed method");
      }
      if (target.empty() || !isTargetChars(target)) return fail(400, "malformed request target");
      if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
          version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
        return fail(400, "malformed HTTP version");
      }
      if (version[5] != '1') return fail(505, "only HTTP/1.x is supported");
      req.version_minor = version[7] == '0' ? 0 : 1;  // 1.2+ is answered as 1.1 (RFC 9110)
      req.method = std::string(method);
      req.target = std::string(target);
      if (!splitTarget(target, method, req)) return fail(400, "malformed request target");
      continue;
    }

    if (line.front() == ' ' || line.front() == '\t') {
      return fail(400, "obsolete header line folding");
    }
    if (req.headers.size() >= limits.max_header_count) return fail(431, "too many header fields");
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return fail(400, "header line without ':'");
    std::string_view name = line.substr(0, colon);
    std::string_view value = trimOws(line.substr(colon + 1));
    if (!isToken(name)) return fail(400, "malformed header name");
    if (!isFieldValue(value)) return fail(400, "control character in header value");

    if (equalsIgnoreCase(name, "content-length")) {
      if (value.empty() || value.size() > kMaxContentLengthDigits ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return fail(400, "malformed Content-Length");
      }
      std::uint64_t n = 0;
      for (char c : value) n = n * 10 + static_cast<std::uint64_t>(c - '0');
      if (saw_content_length && req.content_length != n) {
        return fail(400, "conflicting Content-Length headers");
      }
      saw_content_length = true;
      req.content_length = n;
    } else if (equalsIgnoreCase(name, "transfer-encoding")) {
      saw_transfer_encoding = true;
      bool unsupported = false;
      std::size_t codings = 0;
      forEachListToken(value, [&](std::string_view coding) {
        ++codings;
        if (!equalsIgnoreCase(coding, "chunked") || req.chunked) unsupported = true;
        req.chunked = true;
      });
      if (unsupported || codings == 0) {
        return fail(501, "only Transfer-Encoding: chunked is supported");
      }
    } else if (equalsIgnoreCase(name, "connection")) {
      forEachListToken(value, [&](std::string_view opt) {
        if (equalsIgnoreCase(opt, "close")) connection_close = true;
        if (equalsIgnoreCase(opt, "keep-alive")) connection_keep_alive = true;
      });
    } else if (equalsIgnoreCase(name, "expect")) {
      if (equalsIgnoreCase(value, "100-continue")) req.expect_continue = true;
    }
    req.headers.push_back(Header{std::string(name), std::string(value)});
  }

  if (line_no == 0) return fail(400, "empty request");
  if (saw_transfer_encoding && saw_content_length) {
    return fail(400, "both Content-Length and Transfer-Encoding");
  }
  if (saw_transfer_encoding && req.version_minor == 0) {
    return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
  }
  req.keep_alive =
      req.version_minor >= 1 ? !connection_close : (connection_keep_alive && !connection_close);

  HeadParseResult ok;
  ok.state = HeadParseResult::State::kComplete;
  ok.request = std::move(req);
  return ok;
}

HeadParseResult RequestHeadParser::parse(std::string_view input) {
  std::size_t lead = 0;
  while (input.size() - lead >= 2 && input[lead] == '\r' && input[lead + 1] == '\n') {
    lead += 2;
    if (lead > 2 * kMaxLeadingEmptyLines) return fail(400, "too many empty lines before request");
  }
  // Scan offsets are positions in input (not after the leading CRLFs), so they stay valid
  // when a leading "\r" turns out to start an empty line.
  // The request line gets its own, earlier limit so a client cannot send 16 KiB of target.
  std::size_t nl = input.find('\n', std::max(lead, line_scanned_));
  if (nl == std::string_view::npos) {
    line_scanned_ = input.size();
    if (input.size() - lead > limits_.max_request_line + 1) {
      return fail(414, "request line too long");
    }
    return {};
  }
  if (nl - lead > limits_.max_request_line + 1) return fail(414, "request line too long");
  if (nl == lead || input[nl - 1] != '\r') return fail(400, "request line not ended by CRLF");

  std::size_t from = std::max(lead, scanned_ > 3 ? scanned_ - 3 : 0);
  std::size_t end = input.find("\r\n\r\n", from);
  if (end == std::string_view::npos) {
    scanned_ = input.size();
    if (input.size() > limits_.max_header_bytes) return fail(431, "request head too large");
    return {};
  }
  std::size_t head_size = end + 4;
  if (head_size > limits_.max_header_bytes) return fail(431, "request head too large");
  HeadParseResult r = parseCompleteHead(input.substr(lead, head_size - lead), limits_);
  r.head_size = head_size;
  return r;
}

}  // namespace uplinkprobe::http
