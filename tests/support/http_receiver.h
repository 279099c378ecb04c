// HttpReceiver: a tiny real HTTP/1.1 server on 127.0.0.1 for tests of things that POST
// (notification webhooks). It records every request (method, target, headers, body) and
// answers with scripted statuses/bodies (default 200 "{}"), keep-alive aware, one
// connection at a time on its own thread. Test-only: no limits beyond a 1 MiB body.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace uplinkprobe::testing {

class HttpReceiver {
 public:
  struct Request {
    std::string method, target, head, body;
  };
  struct Reply {
    int status = 200;
    std::string body = "{}";
  };

  HttpReceiver() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 16);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { loop(); });
  }
  ~HttpReceiver() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void script(std::vector<Reply> replies) {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& r : replies) replies_.push_back(std::move(r));
  }
  std::vector<Request> requests() const {
    std::lock_guard<std::mutex> l(mu_);
    return requests_;
  }
  // Waits (bounded) until n requests arrived; returns whether they did.
  bool waitFor(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, timeout, [&] { return requests_.size() >= n; });
  }

 private:
  void loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      serve(c);
      ::close(c);
    }
  }
  bool readMore(int c, std::string& buf) {
    while (!stop_) {
      pollfd p{c, POLLIN, 0};
      int r = ::poll(&p, 1, 50);
      if (r == 0) continue;
      char tmp[8192];
      ssize_t n = ::recv(c, tmp, sizeof tmp, 0);
      if (n <= 0) return false;
      buf.append(tmp, static_cast<std::size_t>(n));
      return true;
    }
    return false;
  }
  void serve(int c) {
    std::string buf;
    for (;;) {
      std::size_t end;
      while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
        if (!readMore(c, buf)) return;
      }
      Request req;
      req.head = buf.substr(0, end + 4);
      buf.erase(0, end + 4);
      std::size_t sp = req.head.find(' ');
      req.method = req.head.substr(0, sp);
      req.target = req.head.substr(sp + 1, req.head.find(' ', sp + 1) - sp - 1);
      std::size_t length = 0;
      std::string lower = req.head;
      for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (auto p = lower.find("content-length:"); p != std::string::npos) {
        length = std::stoul(lower.substr(p + 15));
      }
      if (length > (1 << 20)) return;
      while (buf.size() < length) {
        if (!readMore(c, buf)) return;
      }
      req.body = buf.substr(0, length);
      buf.erase(0, length);
      Reply reply;
      {
        std::lock_guard<std::mutex> l(mu_);
        if (!replies_.empty()) {
          reply = replies_.front();
          replies_.pop_front();
        }
      }
      std::string out = "HTTP/1.1 " + std::to_string(reply.status) +
                        " X\r\nContent-Type: application/json\r\nContent-Length: " +
                        std::to_string(reply.body.size()) + "\r\n\r\n" + reply.body;
      ::send(c, out.data(), out.size(), MSG_NOSIGNAL);
      {
        std::lock_guard<std::mutex> l(mu_);
        requests_.push_back(std::move(req));
      }
      cv_.notify_all();
    }
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Reply> replies_;
  std::vector<Request> requests_;
  std::thread thread_;
};

}  // namespace uplinkprobe::testing
