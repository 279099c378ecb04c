// The engine against servers that misbehave: each failure must end as a record with the
// right error.kind, inside the hard deadline, never as a hang or crash.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "agent/measure/throughput_test.h"

namespace uplinkprobe::measure {
namespace {

using Clock_ = std::chrono::steady_clock;

// A tiny blocking server on 127.0.0.1:<ephemeral>; `serve(fd, request_head)` handles one
// request per connection. Every wait is bounded by poll timeouts; stop() ends it.
class HostileServer {
 public:
  // Returns false to have the connection closed (the worker owns and closes the fd).
  using Handler = std::function<bool(int fd, const std::string& head, const std::atomic<bool>&)>;
  explicit HostileServer(Handler h) : handler_(std::move(h)) {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(listener_, 64);
    socklen_t len = sizeof a;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { acceptLoop(); });
  }
  ~HostileServer() {
    stop_ = true;
    acceptor_.join();
    for (auto& t : workers_) t.join();
    close(listener_);
  }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

 private:
  void acceptLoop() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      if (workers_.size() > 200) {  // bounded
        close(fd);
        continue;
      }
      workers_.emplace_back([this, fd] {
        // Serve requests on this connection until the handler closes or we stop.
        while (!stop_) {
          std::string head;
          char buf[4096];
          while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536 && !stop_) {
            pollfd p{fd, POLLIN, 0};
            if (poll(&p, 1, 50) <= 0) continue;
            ssize_t n = recv(fd, buf, sizeof buf, 0);
            if (n <= 0) {
              close(fd);
              return;
            }
            head.append(buf, static_cast<std::size_t>(n));
          }
          if (stop_) break;
          if (!handler_(fd, head, stop_)) break;
        }
        close(fd);
      });
    }
  }

  Handler handler_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::vector<std::thread> workers_;
};

void sendAll(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

bool isHead(const std::string& head) { return head.rfind("HEAD ", 0) == 0; }

const std::string kHeadOk = "HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n";

ThroughputOptions httpOptions(const std::string& base) {
  ThroughputOptions o;
  o.servers.push_back(ServerSpec{"hostile", "http", "", base + "file", base + "up"});
  o.max_seconds = 3;
  o.upload = false;
  return o;
}

struct Timed {
  ThroughputResult r;
  double seconds;
};
Timed runTimed(const ThroughputOptions& o) {
  auto t0 = Clock_::now();
  auto r = runThroughputTest(o, SystemClock::instance(), nullptr, nullptr);
  return {r, std::chrono::duration<double>(Clock_::now() - t0).count()};
}

// Hard deadline for a one-direction test with max_seconds = 3: latency phase + direction.
constexpr double kDeadlineS = 3 + 6 + 1;

TEST(HostileServer, RefusedPort) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  close(s);  // nothing listens there now
  ThroughputOptions o;
  o.servers.push_back(
      ServerSpec{"gone", "librespeed", "http://127.0.0.1:" + std::to_string(port) + "/", "", ""});
  auto t = runTimed(o);
  ASSERT_TRUE(t.r.error.has_value());
  EXPECT_EQ(t.r.error->kind, ErrorKind::kConnect);
  EXPECT_NE(t.r.error->message.find("refused"), std::string::npos) << t.r.error->message;
  EXPECT_LT(t.seconds, kDeadlineS);
  EXPECT_EQ(t.r.toJson()["error"]["kind"], "connect");
}

TEST(HostileServer, StallAfterHeaders) {
  HostileServer srv([](int fd, const std::string& head, const std::atomic<bool>& stop) {
    sendAll(fd, kHeadOk);
    if (isHead(head)) return true;
    while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // say nothing
    return false;
  });
  auto t = runTimed(httpOptions(srv.url()));
  ASSERT_TRUE(t.r.error.has_value());
  EXPECT_EQ(t.r.error->kind, ErrorKind::kTimeout) << t.r.error->message;
  ASSERT_TRUE(t.r.download.has_value());
  EXPECT_EQ(t.r.download->stop_reason, "error");
  EXPECT_LT(t.seconds, kDeadlineS);
}

TEST(HostileServer, EndlessHeaders) {
  HostileServer srv([](int fd, const std::string&, const std::atomic<bool>& stop) {
    sendAll(fd, "HTTP/1.1 200 OK\r\n");
    std::string line = "X-Filler: " + std::string(100, 'a') + "\r\n";
    for (int i = 0; i < 100000 && !stop; ++i) sendAll(fd, line);
    return false;
  });
  auto t = runTimed(httpOptions(srv.url()));
  ASSERT_TRUE(t.r.error.has_value());
  EXPECT_EQ(t.r.error->kind, ErrorKind::kProtocol) << t.r.error->message;
  EXPECT_LT(t.seconds, kDeadlineS);
}

TEST(HostileServer, GarbageStatusLine) {
  HostileServer srv([](int fd, const std::string&, const std::atomic<bool>&) {
    sendAll(fd, "SSH-2.0-OpenSSH_9.2\r\nnonsense\r\n\r\n");
    return false;
  });
  auto t = runTimed(httpOptions(srv.url()));
  ASSERT_TRUE(t.r.error.has_value());
  EXPECT_EQ(t.r.error->kind, ErrorKind::kProtocol) << t.r.error->message;
  EXPECT_LT(t.seconds, kDeadlineS);
}

TEST(HostileServer, EarlyCloseMidBody) {
  HostileServer srv([](int fd, const std::string& head, const std::atomic<bool>&) {
    sendAll(fd, kHeadOk);
    if (isHead(head)) return true;
    sendAll(fd, std::string(256 * 1024, 'z'));
    return false;
  });
  auto t = runTimed(httpOptions(srv.url()));
  ASSERT_TRUE(t.r.error.has_value());
  EXPECT_EQ(t.r.error->kind, ErrorKind::kProtocol) << t.r.error->message;
  EXPECT_LT(t.seconds, kDeadlineS);
}

TEST(HostileServer, HttpErrorStatus) {
  HostileServer srv([](int fd, const std::string& head, const std::atomic<bool>&) {
    if (isHead(head)) {
      sendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
      return true;
    }
    sendAll(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    return true;
  });
  auto t = runTimed(httpOptions(srv.url()));
  ASSERT_TRUE(t.r.error.has_value());
  EXPECT_EQ(t.r.error->kind, ErrorKind::kHttp) << t.r.error->message;
  EXPECT_NE(t.r.error->message.find("404"), std::string::npos);
  EXPECT_LT(t.seconds, kDeadlineS);
}

TEST(HostileServer, DnsFailure) {
  ThroughputOptions o;
  o.servers.push_back(ServerSpec{"nx", "librespeed", "http://no-such-host.invalid/", "", ""});
  auto t = runTimed(o);
  ASSERT_TRUE(t.r.error.has_value());
  EXPECT_EQ(t.r.error->kind, ErrorKind::kDns) << t.r.error->message;
  EXPECT_LT(t.seconds, kDeadlineS);
}

TEST(HostileServer, CancelStopsPromptly) {
  HostileServer srv([](int fd, const std::string& head, const std::atomic<bool>& stop) {
    sendAll(fd, kHeadOk);
    if (isHead(head)) return true;
    std::string chunk(64 * 1024, 'q');
    while (!stop) sendAll(fd, chunk);
    return false;
  });
  auto o = httpOptions(srv.url());
  o.max_seconds = 20;
  o.max_mb_per_direction = 100000;
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    cancel = true;
  });
  auto t0 = Clock_::now();
  auto r = runThroughputTest(o, SystemClock::instance(), nullptr, &cancel);
  const double s = std::chrono::duration<double>(Clock_::now() - t0).count();
  canceller.join();
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->kind, ErrorKind::kCancelled);
  EXPECT_LT(s, 3.0);
}

}  // namespace
}  // namespace uplinkprobe::measure
