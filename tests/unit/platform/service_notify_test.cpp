// The built-in sd_notify (platform/service_notify.cpp): the datagram reaches a real unix
// socket named by NOTIFY_SOCKET, a path or an abstract "@name", and nothing is sent (false)
// when the variable is absent or names no socket. The agent uses it instead of libsystemd
// (issue 16: libsystemd's libraries were 1 MB of the idle daemon's RSS).
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "platform/service_notify.h"

namespace uplinkprobe::platform {
namespace {

class NotifySocket {
 public:
  // `name`: a path, or "@name" for the abstract namespace (as systemd writes NOTIFY_SOCKET).
  explicit NotifySocket(std::string name) : name_(std::move(name)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, name_.data(), name_.size());
    if (name_[0] == '@') a.sun_path[0] = '\0';
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size());
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) == 0;
  }
  ~NotifySocket() {
    ::close(fd_);
    if (name_[0] != '@') ::unlink(name_.c_str());
  }
  bool bound() const { return bound_; }
  // One datagram, waiting at most 1 s; "" when none came.
  std::string receive() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 1000) != 1) return "";
    char buf[512];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

 private:
  std::string name_;
  int fd_ = -1;
  bool bound_ = false;
};

class ServiceNotify : public ::testing::Test {
 protected:
  void TearDown() override { ::unsetenv("NOTIFY_SOCKET"); }
  std::string unique(const std::string& what) const {
    return "up-notify-" + std::to_string(::getpid()) + "-" + what;
  }
};

TEST_F(ServiceNotify, APathSocketReceivesTheState) {
  const std::string path = "/tmp/" + unique("path");
  NotifySocket s(path);
  ASSERT_TRUE(s.bound());
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  EXPECT_TRUE(notifyService("READY=1\nSTATUS=up"));
  EXPECT_EQ(s.receive(), "READY=1\nSTATUS=up");
}

TEST_F(ServiceNotify, AnAbstractSocketReceivesTheState) {
  const std::string name = "@" + unique("abstract");
  NotifySocket s(name);
  ASSERT_TRUE(s.bound());
  ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  EXPECT_TRUE(notifyService("WATCHDOG=1"));
  EXPECT_EQ(s.receive(), "WATCHDOG=1");
}

TEST_F(ServiceNotify, NothingIsSentWithoutASupervisor) {
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(notifyService("READY=1"));
  ::setenv("NOTIFY_SOCKET", ("/tmp/" + unique("absent")).c_str(), 1);
  EXPECT_FALSE(notifyService("READY=1"));
}

}  // namespace
}  // namespace uplinkprobe::platform
