// Loopback stand-ins for the network, for the availability integration tests. Everything
// binds 127.0.0.1 on ephemeral ports; nothing leaves the machine.
#pragma once

#include <asio.hpp>
#include <atomic>
#include <memory>
#include <vector>

namespace uplinkprobe::availability::testing {

// A UDP DNS stub on the test's io_context: answers A queries with 192.0.2.7, or SERVFAIL,
// or stays silent, or first sends a reply with a wrong id (which the probe must ignore).
class DnsStub {
 public:
  enum class Mode { kAnswer, kServfail, kSilent, kWrongIdThenAnswer };
  explicit DnsStub(asio::io_context& io)
      : socket_(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    receive();
  }
  uint16_t port() const { return socket_.local_endpoint().port(); }
  std::atomic<Mode> mode{Mode::kAnswer};
  std::atomic<int> queries{0};

 private:
  void receive() {
    socket_.async_receive_from(asio::buffer(buf_), peer_, [this](asio::error_code ec, size_t n) {
      if (ec) return;
      ++queries;
      if (n >= 12 && mode != Mode::kSilent) reply(n);
      receive();
    });
  }
  void reply(size_t n) {
    auto out = std::make_shared<std::vector<uint8_t>>(buf_.begin(), buf_.begin() + n);
    auto& r = *out;
    r[2] = 0x81;
    bool servfail = mode == Mode::kServfail;
    r[3] = servfail ? 0x82 : 0x80;
    if (!servfail) {
      r[7] = 1;  // ANCOUNT
      r.insert(r.end(), {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7});
    }
    if (mode == Mode::kWrongIdThenAnswer) {
      auto bad = std::make_shared<std::vector<uint8_t>>(r);
      (*bad)[1] ^= 0xFF;
      socket_.async_send_to(asio::buffer(*bad), peer_, [bad](asio::error_code, size_t) {});
    }
    socket_.async_send_to(asio::buffer(*out), peer_, [out](asio::error_code, size_t) {});
  }
  asio::ip::udp::socket socket_;
  asio::ip::udp::endpoint peer_;
  std::array<uint8_t, 1500> buf_{};
};

// A TCP port on 127.0.0.1 that is either closed (SYN -> RST: reachable), accepting, or
// "blackholed": a listener with backlog 0 whose accept queue is already full, so the kernel
// drops further SYNs and connects time out, like a cut upstream — without root.
class SwitchablePort {
 public:
  explicit SwitchablePort(asio::io_context& io) : io_(io) {
    asio::ip::tcp::acceptor probe(io,
                                  asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port_ = probe.local_endpoint().port();
  }
  uint16_t port() const { return port_; }
  void close() {
    fill_.reset();
    acceptor_.reset();
  }
  void blackhole() {
    close();
    acceptor_ = std::make_unique<asio::ip::tcp::acceptor>(io_);
    asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port_);
    acceptor_->open(ep.protocol());
    acceptor_->set_option(asio::socket_base::reuse_address(true));
    acceptor_->bind(ep);
    acceptor_->listen(0);
    fill_ = std::make_unique<asio::ip::tcp::socket>(io_);
    fill_->connect(ep);  // completes (queue had room); now the queue is full
  }
  void listen() {
    close();
    acceptor_ = std::make_unique<asio::ip::tcp::acceptor>(io_);
    asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port_);
    acceptor_->open(ep.protocol());
    acceptor_->set_option(asio::socket_base::reuse_address(true));
    acceptor_->bind(ep);
    acceptor_->listen(64);
    acceptLoop();
  }

 private:
  // Accepts and closes at once, like a server that hangs up; keeps the queue empty.
  void acceptLoop() {
    acceptor_->async_accept(
        [this, a = acceptor_.get()](asio::error_code ec, asio::ip::tcp::socket) {
          if (!ec && a == acceptor_.get()) acceptLoop();
        });
  }
  asio::io_context& io_;
  uint16_t port_ = 0;
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  std::unique_ptr<asio::ip::tcp::socket> fill_;
};

}  // namespace uplinkprobe::availability::testing
