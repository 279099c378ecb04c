#include "udpst/client.h"

#include <fmt/format.h>

#include <random>

#include "udpst/auth.h"

namespace uplinkprobe::udpst {
namespace {

using asio::ip::udp;

// Each control request is sent up to three times within ClientOptions::control_timeout.
constexpr int kControlSends = 3;
constexpr int kMaxControlDatagrams = 1 << 20;

std::uint32_t unixNow(const Clock& clock) {
  return static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(clock.wallNow().time_since_epoch()).count());
}

// Receives one datagram within `timeout`; nullopt on timeout.
std::optional<std::size_t> receiveWithin(asio::io_context& io, udp::socket& s,
                                         std::vector<std::uint8_t>& buf, udp::endpoint& from,
                                         std::chrono::milliseconds timeout) {
  std::optional<std::size_t> got;
  asio::steady_timer timer(io);
  timer.expires_after(timeout);
  bool done = false;
  s.async_receive_from(asio::buffer(buf), from, [&](const asio::error_code& ec, std::size_t n) {
    if (!ec) got = n;
    done = true;
    timer.cancel();
  });
  timer.async_wait([&](const asio::error_code& ec) {
    if (!ec && !done) s.cancel();
  });
  io.restart();
  io.run();
  return got;
}

// Sends a control request and waits for the answer `accept` takes, sending the same bytes again
// every timeout / kControlSends until the timeout: one control datagram lost on a lossy path
// (the very paths this method exists to measure) must not end the test. The server answers a
// byte-identical repeat with its first answer (it starts no second test, and does not take it
// for a replay). Deadlines are real time (std::chrono::steady_clock) because the waiting is
// done by asio's real timers, whatever clock the caller injected. Bounded by the timeout and
// by kMaxControlDatagrams (a downstream load may arrive before a lost activation answer).
template <class Send, class Accept>
std::optional<std::size_t> exchange(asio::io_context& io, udp::socket& s,
                                    std::vector<std::uint8_t>& buf, udp::endpoint& from,
                                    std::chrono::milliseconds timeout, Send send, Accept accept) {
  using std::chrono::steady_clock;
  const auto start = steady_clock::now();
  const auto deadline = start + timeout;
  const auto every = timeout / kControlSends;
  auto next_send = start;
  int sent = 0;
  for (int datagrams = 0; datagrams < kMaxControlDatagrams;) {
    const auto now = steady_clock::now();
    if (now >= deadline) return std::nullopt;
    if (sent < kControlSends && now >= next_send) {
      if (!send()) return std::nullopt;
      ++sent;
      next_send += every;
    }
    const auto until = sent < kControlSends ? std::min(next_send, deadline) : deadline;
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(until - steady_clock::now());
    auto n = receiveWithin(io, s, buf, from, std::max(wait, std::chrono::milliseconds(1)));
    if (!n) continue;
    ++datagrams;
    if (accept(std::span<const std::uint8_t>(buf.data(), *n))) return n;
  }
  return std::nullopt;
}

}  // namespace

ClientResult runClientTest(const ClientOptions& o, const Clock& clock,
                           const std::atomic<bool>* cancel) {
  ClientResult out;
  auto fail = [&](ErrorKind kind, std::string msg) {
    out.error_kind = kind;
    out.error = std::move(msg);
    return out;
  };
  const std::string where = fmt::format("udpst server {}:{}", o.host, o.port);
  asio::io_context io;
  asio::error_code ec;
  udp::resolver resolver(io);
  auto results = resolver.resolve(o.host, std::to_string(o.port), ec);
  if (ec || results.empty())
    return fail(ErrorKind::kDns, fmt::format("{}: cannot resolve ({})", where, ec.message()));
  udp::endpoint server = results.begin()->endpoint();
  udp::socket sock(io);
  sock.open(server.protocol(), ec);
  if (!ec) sock.bind(udp::endpoint(server.protocol(), 0), ec);
  if (ec) return fail(ErrorKind::kIo, fmt::format("{}: socket: {}", where, ec.message()));

  std::optional<DerivedKeys> keys;
  SetupPdu setup;
  std::random_device rd;
  setup.mc_ident = static_cast<std::uint16_t>(1 + rd() % 0xFFFE);
  setup.max_bandwidth = static_cast<std::uint16_t>(std::clamp(o.max_mbps, 1, 0x7FFF)) |
                        (o.upstream ? kUpstreamBit : 0);
  setup.modifier_bitmap = static_cast<std::uint8_t>((o.jumbo ? kJumboStatus : 0) |
                                                    (o.traditional_mtu ? kTraditionalMtu : 0));
  auto bytes = encodeSetup(setup);
  if (o.key) {
    const std::uint32_t now = unixNow(clock);
    auto derived = deriveKeys(*o.key, now);
    if (!derived) return fail(ErrorKind::kAuth, where + ": " + derived.error().message);
    keys = *derived;
    signPdu(bytes, kSetupAuthModeOffset, keys->client, o.key_id, now);
  }
  std::vector<std::uint8_t> buf(2048);
  udp::endpoint from;
  asio::error_code send_ec;
  // The answer, skipping a null request that overtook it and anything not from the server.
  auto n = exchange(
      io, sock, buf, from, o.control_timeout,
      [&] {
        sock.send_to(asio::buffer(bytes), server, 0, send_ec);
        return !send_ec;
      },
      [&](std::span<const std::uint8_t> got) {
        if (pduId(got) != kSetupId || from.address() != server.address() ||
            from.port() != server.port())
          return false;
        auto d = decodeSetup(got);
        return d && d->cmd_request == kSetupResponse;
      });
  if (send_ec) return fail(ErrorKind::kIo, fmt::format("{}: send: {}", where, send_ec.message()));
  if (!n)
    return fail(ErrorKind::kTimeout,
                fmt::format("{}: no setup response in {} ms ({} requests sent)", where,
                            o.control_timeout.count(), kControlSends));
  std::span<const std::uint8_t> got(buf.data(), *n);
  auto rsp = decodeSetup(got);
  if (keys && rsp->auth.mode == kAuthMode1 &&
      !digestMatches(got, kSetupAuthModeOffset, keys->server) && rsp->cmd_response == kSrAckOk) {
    // An acceptance we cannot verify is not from a server holding our key.
    return fail(
        ErrorKind::kAuth,
        where + ": the setup response does not carry our key's digest (wrong key or key id)");
  }
  if (rsp->cmd_response != kSrAckOk) {
    const ErrorKind kind =
        (rsp->cmd_response >= kSrAuthNotConfigured && rsp->cmd_response <= kSrAuthTime)
            ? ErrorKind::kAuth
            : ErrorKind::kRefused;
    return fail(
        kind, fmt::format("{} refused the test: {}", where, setupResponseName(rsp->cmd_response)));
  }
  if (keys && rsp->auth.mode != kAuthMode1)
    return fail(ErrorKind::kAuth, where + ": unauthenticated setup response");

  udp::endpoint test_ep(server.address(), rsp->test_port);
  sock.connect(test_ep, ec);
  if (ec)
    return fail(ErrorKind::kIo, fmt::format("{}: connect to test port {}: {}", where,
                                            rsp->test_port, ec.message()));
  ActivationPdu act;
  act.cmd_request = o.upstream ? kActivateUpstream : kActivateDownstream;
  act.test_int_time = static_cast<std::uint16_t>(std::clamp(o.seconds, 5, 3600));
  act.sub_int_period = static_cast<std::uint16_t>(std::clamp(o.sub_int_period_ms, 100, 10000));
  act.trial_int = static_cast<std::uint16_t>(std::clamp(o.trial_int_ms, 5, 250));
  act.rate_adj_algo = o.algorithm;
  if (keys) act.auth.mode = kAuthMode1;
  auto abytes = encodeActivation(act);
  if (keys) signPdu(abytes, kActivationAuthModeOffset, keys->client, o.key_id, unixNow(clock));
  // The same bytes on a repeat: the server answers them again rather than refusing a replay.
  n = exchange(
      io, sock, buf, from, o.control_timeout,
      [&] {
        sock.send(asio::buffer(abytes), 0, send_ec);
        return !send_ec;
      },
      [&](std::span<const std::uint8_t> got) {
        return pduId(got) == kActivationId && decodeActivation(got).ok();
      });  // skips a null request, a repeated setup answer and an early load
  if (send_ec)
    return fail(ErrorKind::kIo, fmt::format("{}: send activation: {}", where, send_ec.message()));
  if (!n)
    return fail(ErrorKind::kTimeout,
                fmt::format("{}: no test activation response in {} ms ({} sent)", where,
                            o.control_timeout.count(), kControlSends));
  std::span<const std::uint8_t> agot(buf.data(), *n);
  if (keys && !digestMatches(agot, kActivationAuthModeOffset, keys->server)) {
    return fail(ErrorKind::kAuth,
                where + ": the activation response does not carry our key's digest");
  }
  auto ta = decodeActivation(agot);
  if (ta->cmd_response != kTaAckOk)
    return fail(ErrorKind::kRefused, where + ": test parameters refused");
  out.granted_seconds = ta->test_int_time;

  SessionConfig sc;
  sc.is_server = false;
  sc.sends_load = o.upstream;
  sc.trial_int_ms = ta->trial_int;
  sc.sub_int_period_ms = ta->sub_int_period;
  sc.test_seconds = ta->test_int_time;
  sc.jumbo = o.jumbo;
  sc.traditional_mtu = o.traditional_mtu;
  sc.ipv6 = server.address().is_v6();
  sc.hard_limit = std::chrono::milliseconds((ta->test_int_time + 10) * 1000);
  bool finished = false;
  auto session =
      std::make_shared<DataSession>(std::move(sock), sc, clock, [&](const SessionResult& r) {
        out.session = r;
        finished = true;
      });
  io.restart();
  session->start(ta->sr);
  // Watch for cancellation on a 100 ms timer; the session's own bounds end it otherwise.
  asio::steady_timer watch(io);
  std::function<void()> arm = [&] {
    watch.expires_after(std::chrono::milliseconds(100));
    watch.async_wait([&](const asio::error_code& e) {
      if (e || finished) return;
      if (cancel != nullptr && cancel->load()) {
        session->stop("cancelled");
        return;
      }
      arm();
    });
  };
  arm();
  io.run();
  if (!finished) session->stop("stopped");
  if (!out.session.completed) {
    out.error_kind =
        out.session.end_reason == "cancelled" ? ErrorKind::kCancelled : ErrorKind::kTimeout;
    out.error = where + ": test ended without the server's stop (" + out.session.end_reason + ")";
  }
  return out;
}

}  // namespace uplinkprobe::udpst
