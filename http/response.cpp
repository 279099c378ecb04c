#include "http/response.h"

namespace uplinkprobe::http {

const char* reasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

void appendStatusLine(std::string& out, int status) {
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reasonPhrase(status);
  out += "\r\n";
}

void finishHead(std::string& out, std::uint64_t content_length, bool close) {
  out += "Content-Length: ";
  out += std::to_string(content_length);
  out += close ? "\r\nConnection: close\r\n\r\n" : "\r\nConnection: keep-alive\r\n\r\n";
}

Response makeResponse(int status, std::string_view content_type, std::string body, bool close,
                      std::string_view extra_headers, bool head_only) {
  Response r;
  r.status = status;
  r.close = close;
  appendStatusLine(r.head, status);
  r.head += "Content-Type: ";
  r.head += content_type;
  r.head += "\r\n";
  r.head += extra_headers;
  finishHead(r.head, body.size(), close);
  if (!head_only) r.body = std::move(body);
  return r;
}

Response errorResponse(int status, std::string_view message, bool close) {
  Response r;
  r.status = status;
  r.close = close;
  r.body = std::string(message);
  r.body += '\n';
  appendStatusLine(r.head, status);
  r.head += "Content-Type: text/plain; charset=utf-8\r\n";
  r.head += kNoStoreHeaders;
  finishHead(r.head, r.body.size(), close);
  return r;
}

std::string_view continueResponse() { return "HTTP/1.1 100 Continue\r\n\r\n"; }

}  // namespace uplinkprobe::http
