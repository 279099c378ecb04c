// Server: listening sockets, the worker threads and the connection cap, serving one Handler.
//
// Used by uplinkprobe-server (the LibreSpeed endpoints) and uplinkprobe-collector (the API);
// each supplies its routes as an http::Handler and its limits as a ServerConfig.
//
// Threads: one io_context per worker thread (default: one per core, at most
// kMaxDefaultThreads). Acceptors and signal handling (when enabled) live on context 0; each
// accepted socket is placed on the next context round-robin and its Connection runs there
// single-threaded. A worker thread that cannot be started (EAGAIN under a TasksMax or
// RLIMIT_NPROC) makes run() stop the others and return an error; it never terminates.
//
// Admission (ConnectionLimiter): over max_connections, or over max_connections_per_address
// from one client address (IPv6: one /64), a new connection gets a canned 503 and is closed at
// once, so existing clients keep their share and one host cannot take every slot. A client
// that sends nothing is closed at ConnectionLimits::header_timeout after accept.
#pragma once

#include <asio.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "http/connection.h"
#include "http/connection_limiter.h"
#include "http/handler.h"
#include "http/listen_address.h"

namespace uplinkprobe::http {

struct ServerConfig {
  std::vector<ListenAddress> listen;
  int max_connections = 1024;
  int max_connections_per_address = 0;  // 0 = no per-address cap
  int threads = 0;                      // 0 = defaultThreadCount(usable cores)
  ConnectionLimits limits;
  // run() returns on SIGINT/SIGTERM. Off for a Server that is one part of a bigger daemon,
  // whose own shutdown calls stop().
  bool handle_signals = true;
};

// The default thread count: one per usable core, at most kMaxDefaultThreads. Sixteen threads
// of gather writes from one shared payload fill tens of Gbit/s; more only costs tasks, and a
// systemd unit's TasksMax (64 for uplinkprobe-server) must hold them on a 128-core machine.
constexpr int kMaxDefaultThreads = 16;
int defaultThreadCount(unsigned usable_cores);
// Cores this process may run on (sched_getaffinity), at least 1.
unsigned usableCores();

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
  // Error{kind "thread"} when a worker thread cannot be started (the others are stopped and
  // joined first); the message names the count and what to change.
  Status run();
  void stop();  // thread-safe

 private:
  void accept(std::size_t listener);
  void reject(asio::ip::tcp::socket& socket, std::string_view response);

  ServerConfig config_;
  const Handler& handler_;
  // Declared before the contexts: connections destroyed with them release their slots.
  ConnectionLimiter limiter_;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  std::unique_ptr<asio::steady_timer> retry_timer_;
  std::unique_ptr<asio::signal_set> signals_;
  std::size_t next_context_ = 0;
};

}  // namespace uplinkprobe::http
