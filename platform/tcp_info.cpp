#include "platform/tcp_info.h"

#include <linux/sockios.h>
#include <linux/tcp.h>  // the kernel struct: glibc's lacks bytes_sent/bytes_retrans
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstddef>

namespace uplinkprobe::platform {

std::optional<TcpInfo> readTcpInfo(int fd) {
  if (fd < 0) return std::nullopt;
  tcp_info ti{};
  socklen_t len = sizeof ti;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) return std::nullopt;
  // Older kernels return a shorter struct; only read fields that were filled.
  auto has = [len](std::size_t offset, std::size_t size) { return len >= offset + size; };
  TcpInfo out;
  out.mss = static_cast<int>(ti.tcpi_snd_mss > 0 ? ti.tcpi_snd_mss : ti.tcpi_advmss);
  out.rtt_us = ti.tcpi_rtt;
  out.rttvar_us = ti.tcpi_rttvar;
  out.total_retrans = ti.tcpi_total_retrans;
  out.timestamps = (ti.tcpi_options & TCPI_OPT_TIMESTAMPS) != 0;
  out.sacked = ti.tcpi_sacked;
  if (has(offsetof(tcp_info, tcpi_bytes_acked), sizeof ti.tcpi_bytes_acked))
    out.bytes_acked = ti.tcpi_bytes_acked;
  if (has(offsetof(tcp_info, tcpi_bytes_received), sizeof ti.tcpi_bytes_received))
    out.bytes_received = ti.tcpi_bytes_received;
  if (has(offsetof(tcp_info, tcpi_segs_out), sizeof ti.tcpi_segs_out))
    out.segs_out = ti.tcpi_segs_out;
  if (has(offsetof(tcp_info, tcpi_segs_in), sizeof ti.tcpi_segs_in)) out.segs_in = ti.tcpi_segs_in;
  if (has(offsetof(tcp_info, tcpi_bytes_sent), sizeof ti.tcpi_bytes_sent))
    out.bytes_sent = ti.tcpi_bytes_sent;
  if (has(offsetof(tcp_info, tcpi_bytes_retrans), sizeof ti.tcpi_bytes_retrans))
    out.bytes_retrans = ti.tcpi_bytes_retrans;
  if (has(offsetof(tcp_info, tcpi_rcv_ooopack), sizeof ti.tcpi_rcv_ooopack))
    out.rcv_ooopack = ti.tcpi_rcv_ooopack;
  return out;
}

std::optional<uint64_t> unackedSendQueueBytes(int fd) {
  int n = 0;
  if (fd < 0 || ioctl(fd, SIOCOUTQ, &n) != 0 || n < 0) return std::nullopt;
  return static_cast<uint64_t>(n);
}

}  // namespace uplinkprobe::platform
