#include "http/server.h"

#include <sched.h>

#include <algorithm>
#include <cstdio>
#include <system_error>
#include <thread>

namespace uplinkprobe::http {

namespace {
constexpr std::string_view kBusyResponse =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Content-Type: text/plain\r\n"
    "Retry-After: 1\r\n"
    "Content-Length: 22\r\n"
    "Connection: close\r\n"
    "\r\n"
    "too many connections\r\n";
constexpr std::string_view kBusyAddressResponse =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Content-Type: text/plain\r\n"
    "Retry-After: 1\r\n"
    "Content-Length: 40\r\n"
    "Connection: close\r\n"
    "\r\n"
    "too many connections from your address\r\n";

std::unique_ptr<asio::io_context> makeContext() {
  // Concurrency hint 1: each context is run by exactly one thread, so Asio can skip locking.
  return std::make_unique<asio::io_context>(1);
}

int threadCount(const ServerConfig& o) {
  if (o.threads > 0) return o.threads;
  return defaultThreadCount(usableCores());
}
}  // namespace

int defaultThreadCount(unsigned usable_cores) {
  if (usable_cores == 0) return 1;
  return static_cast<int>(std::min<unsigned>(usable_cores, kMaxDefaultThreads));
}

unsigned usableCores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<unsigned>(n);
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : hw;
}

Server::Server(ServerConfig config, const Handler& handler)
    : config_(std::move(config)),
      handler_(handler),
      limiter_(config_.max_connections, config_.max_connections_per_address),
      contexts_([&] {
        std::vector<std::unique_ptr<asio::io_context>> v;
        for (int i = 0; i < threadCount(config_); ++i) v.push_back(makeContext());
        return v;
      }()) {
  if (config_.handle_signals) {
    signals_ = std::make_unique<asio::signal_set>(*contexts_[0], SIGINT, SIGTERM);
  }
  retry_timer_ = std::make_unique<asio::steady_timer>(*contexts_[0]);
}

Server::~Server() {
  stop();
  // Destroy every I/O object before the io_contexts it belongs to, then the contexts with
  // their pending handlers (and with them the connections) while everything those reference
  // (config_.limits, handler_, limiter_) is still alive.
  signals_.reset();
  acceptors_.clear();
  retry_timer_.reset();
  for (auto& c : contexts_) c.reset();
}

Result<std::vector<std::string>> Server::bind() {
  std::vector<std::string> bound;
  for (const auto& addr : config_.listen) {
    asio::error_code ec;
    asio::ip::address ip = asio::ip::make_address(addr.host, ec);
    asio::ip::tcp::endpoint ep(ip, addr.port);
    auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(*contexts_[0]);
    auto failed = [&](const char* step) {
      return makeError(ErrorKind::kBind,
                       "cannot listen on " + addr.text() + ": " + step + ": " + ec.message());
    };
    if (ec) return failed("address");
    acceptor->open(ep.protocol(), ec);
    if (ec) return failed("socket");
    acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (ip.is_v6()) {
      // [::]:P and 0.0.0.0:P may both be given; without v6only the second bind would fail.
      acceptor->set_option(asio::ip::v6_only(true), ec);
    }
    acceptor->bind(ep, ec);
    if (ec) return failed("bind");
    acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return failed("listen");
    auto local = acceptor->local_endpoint(ec);
    if (ec) return failed("getsockname");
    ListenAddress actual{addr.host, local.port()};
    bound.push_back(actual.text());
    acceptors_.push_back(std::move(acceptor));
  }
  return bound;
}

Status Server::run() {
  if (signals_) {
    signals_->async_wait([this](const asio::error_code& ec, int) {
      if (!ec) stop();
    });
  }
  for (std::size_t i = 0; i < acceptors_.size(); ++i) accept(i);

  std::vector<std::thread> threads;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& c : contexts_) guards.push_back(asio::make_work_guard(*c));
  Status result = Status::Ok();
  threads.reserve(contexts_.size());
  for (std::size_t i = 1; i < contexts_.size(); ++i) {
    try {
      threads.emplace_back([ctx = contexts_[i].get()] { ctx->run(); });
    } catch (const std::system_error& e) {
      // EAGAIN: the unit's TasksMax or RLIMIT_NPROC. Destroying a joinable std::thread would
      // call std::terminate; stop and join the ones already running instead.
      result = makeError(ErrorKind::kThread,
                         "cannot start worker thread " + std::to_string(i + 1) + " of " +
                             std::to_string(contexts_.size()) + ": " + e.what() +
                             " (lower --threads or raise the service's TasksMax)");
      break;
    }
  }
  if (result) contexts_[0]->run();
  stop();
  for (auto& t : threads) t.join();
  return result;
}

void Server::stop() {
  for (auto& c : contexts_) {
    if (c) c->stop();
  }
}

void Server::accept(std::size_t listener) {
  asio::io_context& target = *contexts_[next_context_];
  next_context_ = (next_context_ + 1) % contexts_.size();
  acceptors_[listener]->async_accept(
      target, [this, listener](const asio::error_code& ec, asio::ip::tcp::socket socket) {
        if (ec == asio::error::operation_aborted) return;
        if (ec) {
          // EMFILE, ENOBUFS, ECONNABORTED...: back off briefly instead of spinning.
          auto timer =
              std::make_shared<asio::steady_timer>(*contexts_[0], std::chrono::milliseconds(50));
          timer->async_wait([this, listener, timer](const asio::error_code& e) {
            if (!e) accept(listener);
          });
          return;
        }
        asio::error_code peer_ec;
        asio::ip::tcp::endpoint peer = socket.remote_endpoint(peer_ec);
        ConnectionLimiter::Refusal why = ConnectionLimiter::Refusal::kNone;
        ConnectionLimiter::Slot slot;
        if (!peer_ec) slot = limiter_.admit(peer.address(), &why);
        if (peer_ec) {
          // The peer is already gone (reset before accept completed).
          asio::error_code ignored;
          socket.close(ignored);
        } else if (!slot) {
          reject(socket, why == ConnectionLimiter::Refusal::kPerAddress ? kBusyAddressResponse
                                                                        : kBusyResponse);
        } else {
          auto executor = socket.get_executor();
          auto conn = std::make_shared<Connection>(std::move(socket), config_.limits, handler_,
                                                   std::move(slot));
          asio::post(executor, [conn] { conn->start(); });
        }
        accept(listener);
      });
}

void Server::reject(asio::ip::tcp::socket& socket, std::string_view response) {
  // Best effort and never blocking: a fresh socket's send buffer always has room for this.
  asio::error_code ec;
  socket.non_blocking(true, ec);
  socket.send(asio::buffer(response.data(), response.size()), 0, ec);
  socket.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  socket.close(ec);
}

}  // namespace uplinkprobe::http
