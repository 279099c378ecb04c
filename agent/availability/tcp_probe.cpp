#include "agent/availability/tcp_probe.h"

#include <memory>

#include "agent/availability/probe_state.h"

namespace uplinkprobe::availability {
namespace {

using TcpProbeState = ProbeState<asio::ip::tcp::socket>;

}  // namespace

ProbeCancel probeTcp(asio::io_context& io, const asio::ip::tcp::endpoint& endpoint, ProbeKind kind,
                     std::string target_name, std::chrono::milliseconds timeout, const Clock& clock,
                     ProbeDone done) {
  auto st = std::make_shared<TcpProbeState>(io);
  st->result.kind = kind;
  st->result.target = std::move(target_name);
  st->done = std::move(done);
  st->started = clock.steadyNow();

  st->timer.expires_after(timeout);
  st->timer.async_wait([st](const asio::error_code& ec) {
    if (ec || st->finished) return;
    st->result.detail = "timeout";
    st->finish();
  });
  st->socket.async_connect(endpoint, [st, &clock](const asio::error_code& ec) {
    if (st->finished) return;
    auto rtt =
        std::chrono::duration_cast<std::chrono::microseconds>(clock.steadyNow() - st->started);
    if (!ec || ec == asio::error::connection_refused) {
      st->result.reachable = st->result.ok = true;
      st->result.rtt = rtt;
      if (ec) st->result.detail = "refused";
    } else {
      st->result.detail = ec.message();
    }
    st->finish();
  });
  return cancelProbe(st);
}

}  // namespace uplinkprobe::availability
