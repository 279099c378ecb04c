// Server: listening sockets, the worker threads and the connection cap, serving one Handler.
//
// Used by uplinkprobe-server (the LibreSpeed endpoints) and uplinkprobe-collector (the API);
// each supplies its routes as an http::Handler and its limits as a ServerConfig.
//
// Threads: one io_context per worker thread (default: one per core). Acceptors and signal
// handling (when enabled) live on context 0; each accepted socket is placed on the next context
// round-robin and its Connection runs there single-threaded. Over max_connections, a new connection
// gets a canned 503 and is closed at once, so existing clients keep their share.
#pragma once

#include <asio.hpp>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "http/connection.h"
#include "http/handler.h"
#include "http/listen_address.h"

namespace uplinkprobe::http {

struct ServerConfig {
  std::vector<ListenAddress> listen;
  int max_connections = 1024;
  int threads = 0;  // 0 = number of cores
  ConnectionLimits limits;
  // run() returns on SIGINT/SIGTERM. Off for a Server that is one part of a bigger daemon,
  // whose own shutdown calls stop().
  bool handle_signals = true;
};

class Server {
 public:
  // handler must outlive the Server.
  Server(ServerConfig config, const Handler& handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens every listen address. Returns the bound addresses ("127.0.0.1:41234", port 0
  // resolved), or Error{kind "bind"} naming the address and the OS's reason.
  Result<std::vector<std::string>> bind();

  // Serves until stop() (or SIGINT/SIGTERM with handle_signals). Call once, after bind(),
  // from the thread that becomes worker 0. stop() before run() makes run() return at once.
  void run();
  void stop();  // thread-safe

 private:
  void accept(std::size_t listener);
  void reject(asio::ip::tcp::socket& socket);

  ServerConfig config_;
  const Handler& handler_;
  // Declared before the contexts: connections destroyed with them decrement it.
  std::atomic<int> active_{0};
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  std::unique_ptr<asio::steady_timer> retry_timer_;
  std::unique_ptr<asio::signal_set> signals_;
  std::size_t next_context_ = 0;
};

}  // namespace uplinkprobe::http
