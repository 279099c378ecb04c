// Connection: one accepted TCP connection, serving HTTP/1.1 requests one after another.
//
// Threading: a Connection lives on the io_context of its socket, which is run by exactly one
// thread, so its handlers never run concurrently and need no strand or locks. Lifetime: every
// pending operation holds a shared_ptr; the object dies when the last one completes after
// close(). The ConnectionLimiter slot it holds is released in the destructor.
//
// Bounds (see ConnectionLimits): the request head must arrive within header_timeout from its
// first byte (from accept for a new connection), so a slowloris client trickling headers is
// dropped; a keep-alive connection waiting for its next request closes after idle_timeout; a
// body read or a response write that makes no progress for stall_timeout closes; at most
// max_requests per connection; bodies above max_upload_bytes get 413. Input is read into one
// per-connection buffer (head size + slack, grown once to kBodyBufferBytes while a body is
// read), so memory per connection is bounded whatever the client sends. Downloads are written
// straight from the handler's payload() with gather writes.
#pragma once

#include <array>
#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/chunked_decoder.h"
#include "http/connection_limiter.h"
#include "http/handler.h"
#include "http/request_head_parser.h"

namespace uplinkprobe::http {

struct ConnectionLimits {
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds stall_timeout{30};
  int max_requests = 10000;
  std::uint64_t max_upload_bytes = 1024ull * 1024 * 1024;
  ParseLimits parse;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  static constexpr std::size_t kBodyBufferBytes = 256 * 1024;
  // How long, and how much, a closing connection keeps reading so that its last response
  // (often an error) reaches the client instead of being destroyed by a TCP reset.
  static constexpr std::chrono::seconds kLingerTime{2};
  static constexpr std::uint64_t kMaxLingerBytes = 1024 * 1024;

  // slot (from the Server's ConnectionLimiter) is released when the Connection is destroyed.
  // limits and handler must outlive the Connection (the Server owns them).
  Connection(asio::ip::tcp::socket socket, const ConnectionLimits& limits, const Handler& handler,
             ConnectionLimiter::Slot slot);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Must run on the socket's executor (post it there).
  void start();

 private:
  enum class Phase { kIdle, kHead, kBody, kWrite, kLinger };
  using TimePoint = std::chrono::steady_clock::time_point;

  std::string_view pending() const { return std::string_view(in_.data() + begin_, end_ - begin_); }
  void readMore();
  void onRead(const asio::error_code& ec, std::size_t n);
  void process();
  void handleRequest(Request req);
  void writeContinue();
  void sendResponse(Response response);
  void writeMore();
  void onWrite(const asio::error_code& ec, std::size_t n);
  void finishResponse();
  void lingerClose();
  void close();
  void setDeadline(TimePoint deadline);
  void watchDeadline();

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  const ConnectionLimits& limits_;
  const Handler& handler_;
  const std::string_view payload_;  // handler_.payload(), fixed for the Connection's life
  ConnectionLimiter::Slot slot_;

  std::string peer_ip_;
  Phase phase_ = Phase::kHead;
  bool closed_ = false;
  TimePoint deadline_;
  int requests_ = 0;

  std::vector<char> in_;
  std::size_t begin_ = 0;  // first unconsumed byte in in_
  std::size_t end_ = 0;    // one past the last received byte in in_
  RequestHeadParser parser_;

  // Body being discarded.
  bool body_chunked_ = false;
  std::uint64_t body_left_ = 0;  // Content-Length bodies
  std::optional<ChunkedDecoder> chunked_;
  Response pending_response_;  // answer to send once the body is consumed
  // Body collected for Handler::respondWithBody (bodyLimit() > 0), and its request.
  bool collect_body_ = false;
  std::string body_;
  std::optional<Request> body_request_;
  RequestContext body_ctx_;

  // Response being written.
  Response out_;
  std::size_t out_head_off_ = 0;
  std::size_t out_body_off_ = 0;
  std::uint64_t payload_left_ = 0;
  std::size_t payload_pos_ = 0;
  std::uint64_t lingered_ = 0;
};

}  // namespace uplinkprobe::http
