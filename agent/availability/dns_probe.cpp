#include "agent/availability/dns_probe.h"

#include <array>
#include <memory>

#include "agent/availability/probe_state.h"

namespace uplinkprobe::availability {
namespace {

struct DnsProbeState : ProbeState<asio::ip::udp::socket> {
  using ProbeState::ProbeState;
  std::vector<uint8_t> query;
  std::array<uint8_t, kMaxDnsPacket> buffer{};
  std::string name;
  DnsType type = DnsType::kA;
  uint16_t id = 0;
  int datagrams = 0;
  const Clock* clock = nullptr;

  void fail(std::string detail) {
    result.detail = std::move(detail);
    finish();
  }

  static void receive(const std::shared_ptr<DnsProbeState>& st) {
    st->socket.async_receive(asio::buffer(st->buffer), [st](const asio::error_code& ec, size_t n) {
      if (st->finished) return;
      if (ec == asio::error::connection_refused) {
        st->result.reachable = true;
        return st->fail("port unreachable");
      }
      if (ec) return st->fail(ec.message());
      auto parsed = parseDnsResponse(std::span<const uint8_t>(st->buffer.data(), n), st->id,
                                     st->name, st->type);
      if (!parsed.ok()) {
        if (++st->datagrams >= kMaxDnsDatagrams) {
          return st->fail("no valid answer: " + parsed.error().message);
        }
        st->result.detail = parsed.error().message;  // kept if the deadline hits
        return receive(st);
      }
      st->result.reachable = true;
      st->result.rtt = std::chrono::duration_cast<std::chrono::microseconds>(
          st->clock->steadyNow() - st->started);
      int rcode = parsed->rcode;
      st->result.ok = rcode == 0 || rcode == 3;
      st->result.detail = rcode == 0 ? "" : dnsRcodeName(rcode);
      st->finish();
    });
  }
};

}  // namespace

ProbeCancel probeDns(asio::io_context& io, const asio::ip::udp::endpoint& server,
                     std::string target_name, const std::string& name, DnsType type,
                     uint16_t query_id, std::chrono::milliseconds timeout, const Clock& clock,
                     ProbeDone done) {
  auto st = std::make_shared<DnsProbeState>(io);
  st->result.kind = ProbeKind::kDns;
  st->result.target = std::move(target_name);
  st->done = std::move(done);
  st->name = name;
  st->type = type;
  st->id = query_id;
  st->clock = &clock;

  auto query = buildDnsQuery(query_id, name, type);
  if (!query.ok()) {
    // Reported asynchronously, like every other outcome.
    asio::post(io, [st, msg = query.error().message] { st->fail(msg); });
    return cancelProbe(st);
  }
  st->query = std::move(*query);

  asio::error_code ec;
  st->socket.open(server.protocol(), ec);
  if (!ec) st->socket.connect(server, ec);  // UDP connect: no packet, just a filter
  if (ec) {
    asio::post(io, [st, msg = ec.message()] { st->fail(msg); });
    return cancelProbe(st);
  }
  st->timer.expires_after(timeout);
  st->timer.async_wait([st](const asio::error_code& e) {
    if (e || st->finished) return;
    st->result.detail =
        st->result.detail.empty() ? "timeout" : "timeout (" + st->result.detail + ")";
    st->finish();
  });
  st->started = clock.steadyNow();
  st->socket.async_send(asio::buffer(st->query), [st](const asio::error_code& e, size_t) {
    if (st->finished) return;
    if (e) return st->fail(e.message());
    DnsProbeState::receive(st);
  });
  return cancelProbe(st);
}

}  // namespace uplinkprobe::availability
