// What the async probes (tcp_probe, dns_probe) share: one socket and one deadline timer on
// the probe's io_context, the result, and a completion that runs at most once. Internal to
// the availability module; a probe's state is owned by shared_ptr and every handler holds it,
// so it lives until its last handler has run. All members are touched on the io_context's
// thread only.
#pragma once

#include <asio.hpp>
#include <memory>
#include <utility>

#include "agent/availability/probe_result.h"
#include "agent/availability/tcp_probe.h"
#include "common/clock.h"

namespace uplinkprobe::availability {

template <class Socket>
struct ProbeState {
  explicit ProbeState(asio::io_context& io) : socket(io), timer(io) {}
  Socket socket;
  asio::steady_timer timer;
  ProbeResult result;
  SteadyTime started{};
  bool finished = false;
  ProbeDone done;

  // Reports the result once: stops the timer, closes the socket (its pending handlers then
  // see `finished`), and calls done unless the probe was cancelled.
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

// The ProbeCancel returned for a probe: a cancelled probe never reports, and its socket and
// timer are released at once. Harmless after the probe has finished.
template <class State>
ProbeCancel cancelProbe(const std::shared_ptr<State>& st) {
  return [weak = std::weak_ptr<State>(st)] {
    if (auto s = weak.lock()) {
      s->done = nullptr;
      s->finish();
    }
  };
}

}  // namespace uplinkprobe::availability
