// HttpServer: listening sockets, the worker threads and the connection cap.
//
// Threads: one io_context per worker thread (default: one per core). Acceptors and signal
// handling live on context 0; each accepted socket is placed on the next context round-robin
// and its Connection runs there single-threaded. Over max_connections, a new connection gets
// a canned 503 and is closed at once, so existing clients keep their share.
#pragma once

#include <asio.hpp>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "server/connection.h"
#include "server/payload_buffer.h"
#include "server/server_options.h"

namespace uplinkprobe::server {

class HttpServer {
 public:
  explicit HttpServer(const ServerOptions& options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Opens every --listen address. Returns the bound addresses ("127.0.0.1:41234", port 0
  // resolved), or Error{kind "bind"} naming the address and the OS's reason.
  Result<std::vector<std::string>> bind();

  // Serves until stop() or SIGINT/SIGTERM. Call once, after bind().
  void run();
  void stop();  // thread-safe

 private:
  void accept(std::size_t listener);
  void reject(asio::ip::tcp::socket& socket);

  ServerOptions options_;
  ConnectionLimits limits_;
  PayloadBuffer payload_;
  // Declared before the contexts: connections destroyed with them decrement it.
  std::atomic<int> active_{0};
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  std::unique_ptr<asio::steady_timer> retry_timer_;
  std::unique_ptr<asio::signal_set> signals_;
  std::size_t next_context_ = 0;
};

}  // namespace uplinkprobe::server
