// Handler::bodyLimit / respondWithBody over real sockets (http::Server on 127.0.0.1:0, plain
// blocking sockets with receive timeouts): a small body reaches the handler whole, also when
// it arrives in pieces and after "Expect: 100-continue"; chunked is 411 and a body above the
// limit 413 (both close); the connection stays usable after a delivered body.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "http/server.h"

namespace uplinkprobe::http {
namespace {

class EchoForm : public Handler {
 public:
  bool acceptsBody(const Request&) const override { return false; }
  std::size_t bodyLimit(const Request& req) const override { return req.method == "POST" ? 64 : 0; }
  Response respond(const Request& req, const RequestContext& ctx) const override {
    return makeResponse(200, "text/plain", "no body: " + req.path, ctx.close);
  }
  Response respondWithBody(const Request& req, std::string body,
                           const RequestContext& ctx) const override {
    return makeResponse(200, "text/plain", "body[" + body + "]", ctx.close);
  }
};

class FormBody : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerConfig c;
    c.listen = {*parseListenAddress("127.0.0.1:0")};
    c.threads = 1;
    c.handle_signals = false;
    server_ = std::make_unique<Server>(c, handler_);
    auto bound = server_->bind();
    ASSERT_TRUE(bound) << bound.error().message;
    port_ = std::stoi(bound->front().substr(bound->front().rfind(':') + 1));
    thread_ = std::thread([this] { (void)server_->run(); });
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
  }
  int connectFd() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    return fd;
  }
  static void sendAll(int fd, const std::string& s) {
    ASSERT_EQ(send(fd, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
  }
  // Reads until `want` appears (or EOF / timeout).
  static std::string readUntil(int fd, const std::string& want) {
    std::string got;
    char buf[4096];
    while (got.find(want) == std::string::npos) {
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
  }

  EchoForm handler_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(FormBody, DeliveredWholeThenTheConnectionServesTheNextRequest) {
  int fd = connectFd();
  sendAll(fd, "POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nuser=a");
  sendAll(fd, "&pw=b");  // the rest later
  std::string r = readUntil(fd, "]");
  EXPECT_NE(r.find("200 OK"), std::string::npos) << r;
  EXPECT_NE(r.find("body[user=a&pw=b]"), std::string::npos) << r;
  sendAll(fd, "GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
  r = readUntil(fd, "/next");
  EXPECT_NE(r.find("no body: /next"), std::string::npos) << r;
  close(fd);
}

TEST_F(FormBody, ExpectContinueThenBody) {
  int fd = connectFd();
  sendAll(fd, "POST /f HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
  std::string r = readUntil(fd, "\r\n\r\n");
  EXPECT_NE(r.find("100 Continue"), std::string::npos) << r;
  sendAll(fd, "a=1");
  r = readUntil(fd, "]");
  EXPECT_NE(r.find("body[a=1]"), std::string::npos) << r;
  close(fd);
}

TEST_F(FormBody, ChunkedIs411AndTooLargeIs413) {
  int fd = connectFd();
  sendAll(fd,
          "POST /f HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\na=1\r\n0\r\n\r\n");
  std::string r = readUntil(fd, "\r\n\r\n");
  EXPECT_NE(r.find("411"), std::string::npos) << r;
  close(fd);
  fd = connectFd();
  sendAll(fd, "POST /f HTTP/1.1\r\nHost: x\r\nContent-Length: 65\r\n\r\n");
  r = readUntil(fd, "\r\n\r\n");
  EXPECT_NE(r.find("413"), std::string::npos) << r;
  EXPECT_NE(r.find("Connection: close"), std::string::npos) << r;
  close(fd);
}

TEST_F(FormBody, GetWithoutBodyIsUnchanged) {
  int fd = connectFd();
  sendAll(fd, "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string r = readUntil(fd, "/plain");
  EXPECT_NE(r.find("no body: /plain"), std::string::npos) << r;
  close(fd);
}

}  // namespace
}  // namespace uplinkprobe::http
