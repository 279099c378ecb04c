// TCP_INFO on a real loopback connection: the acked byte count is what upload measurement
// relies on, so check that it grows with data the peer has read.
#include "platform/tcp_info.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

namespace uplinkprobe::platform {
namespace {

TEST(TcpInfo, NotASocket) {
  EXPECT_FALSE(readTcpInfo(-1).has_value());
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  EXPECT_FALSE(readTcpInfo(fds[0]).has_value());
  close(fds[0]);
  close(fds[1]);
}

TEST(TcpInfo, LoopbackConnectionReportsAckedBytes) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  int client = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  int server = accept(listener, nullptr, nullptr);
  ASSERT_GE(server, 0);

  std::vector<char> buf(64 * 1024, 'x');
  ASSERT_EQ(write(client, buf.data(), buf.size()), static_cast<ssize_t>(buf.size()));
  std::size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = read(server, buf.data(), buf.size() - got);
    ASSERT_GT(n, 0);
    got += static_cast<std::size_t>(n);
  }
  // Loopback ACKs are immediate once the reader consumed; poll briefly-bounded via TCP_INFO.
  std::optional<TcpInfo> ti;
  for (int i = 0; i < 1000; ++i) {
    ti = readTcpInfo(client);
    ASSERT_TRUE(ti.has_value());
    if (ti->bytes_acked >= buf.size()) break;
  }
  EXPECT_GE(ti->bytes_acked, buf.size());
  EXPECT_GT(ti->mss, 0);
  auto rx = readTcpInfo(server);
  ASSERT_TRUE(rx.has_value());
  EXPECT_GE(rx->bytes_received, buf.size());
  auto q = unackedSendQueueBytes(client);
  ASSERT_TRUE(q.has_value());
  close(client);
  close(server);
  close(listener);
}

}  // namespace
}  // namespace uplinkprobe::platform
