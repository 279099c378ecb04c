// DNS probe: one query for `name` over UDP to one server with our own minimal resolver
// (dns_message.h), so that a failing resolver is seen as such, not hidden behind the
// system's resolver cache or its fallbacks.
//
// Contract: `done` is called exactly once, from the io_context, within `timeout`, unless
// cancelled (then never). The socket is connected, so only the server's datagrams arrive;
// datagrams that do not parse as the answer to our query (wrong id, wrong question,
// garbage) are ignored, at most kMaxDnsDatagrams of them, then the probe fails. Outcome:
//   NOERROR / NXDOMAIN -> ok (the resolver works; NXDOMAIN is noted in detail),
//   SERVFAIL / REFUSED / ... -> reachable but not ok, detail = rcode name,
//   ICMP port unreachable -> reachable but not ok, "port unreachable",
//   nothing -> "timeout".
#pragma once

#include <asio.hpp>
#include <chrono>
#include <string>

#include "agent/availability/dns_message.h"
#include "agent/availability/tcp_probe.h"

namespace uplinkprobe::availability {

inline constexpr int kMaxDnsDatagrams = 8;

ProbeCancel probeDns(asio::io_context& io, const asio::ip::udp::endpoint& server,
                     std::string target_name, const std::string& name, DnsType type,
                     uint16_t query_id, std::chrono::milliseconds timeout, const Clock& clock,
                     ProbeDone done);

}  // namespace uplinkprobe::availability
