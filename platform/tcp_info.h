// TCP_INFO of one socket: the real MSS (for IP-layer capacity), RTT, retransmits and, for
// upload, the bytes the peer acknowledged (what the network really carried, unlike bytes
// written into the socket buffer).
#pragma once

#include <cstdint>
#include <optional>

namespace uplinkprobe::platform {

struct TcpInfo {
  int mss = 0;          // tcpi_snd_mss, or tcpi_advmss when the send MSS is not known yet
  uint32_t rtt_us = 0;  // smoothed RTT
  uint32_t rttvar_us = 0;
  uint32_t total_retrans = 0;  // segments retransmitted over the connection's life
  uint64_t segs_out = 0;
  uint64_t segs_in = 0;
  uint64_t bytes_acked = 0;     // RFC 4898 tcpEStatsAppHCThruOctetsAcked
  uint64_t bytes_received = 0;  // RFC 4898 tcpEStatsAppHCThruOctetsReceived
  uint64_t bytes_sent = 0;      // includes retransmissions (tcpi_bytes_sent, Linux ≥ 4.19)
  uint64_t bytes_retrans = 0;   // Linux ≥ 4.19
  bool timestamps = false;      // TCP timestamp option negotiated (12 bytes per segment)
  uint32_t sacked = 0;  // tcpi_sacked: segments the peer holds out of order (SACKed, not acked)
  // Receiver side: packets that arrived out of order (behind a hole), over the connection's
  // life (tcpi_rcv_ooopack, Linux ≥ 5.4); 0 when the kernel does not say.
  uint32_t rcv_ooopack = 0;
};

// getsockopt(fd, IPPROTO_TCP, TCP_INFO). nullopt when fd is not a TCP socket or the call
// fails. Fields the running kernel does not fill stay 0.
std::optional<TcpInfo> readTcpInfo(int fd);

// Bytes still queued in the socket's send buffer (SIOCOUTQ: written but not yet acked);
// nullopt on failure.
std::optional<uint64_t> unackedSendQueueBytes(int fd);

}  // namespace uplinkprobe::platform
