#include "agent/availability/tcp_probe.h"

#include <memory>

namespace uplinkprobe::availability {
namespace {

struct TcpProbeState {
  TcpProbeState(asio::io_context& io) : socket(io), timer(io) {}
  asio::ip::tcp::socket socket;
  asio::steady_timer timer;
  ProbeResult result;
  SteadyTime started{};
  bool finished = false;
  bool timed_out = false;
  ProbeDone done;

  void finish() {
    if (finished) return;
    finished = true;
    timer.cancel();
    asio::error_code ignored;
    socket.close(ignored);
    auto callback = std::move(done);
    done = nullptr;
    if (callback) callback(std::move(result));
  }
};

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
    st->timed_out = true;
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
  return [weak = std::weak_ptr<TcpProbeState>(st)] {
    if (auto s = weak.lock()) {
      s->done = nullptr;  // cancelled probes never report
      s->finish();
    }
  };
}

}  // namespace uplinkprobe::availability
