#include "agent/availability/availability_monitor.h"

#include <spdlog/spdlog.h>

#include <sys/random.h>

#include <random>

#include "agent/availability/dns_probe.h"
#include "agent/availability/period_stats.h"
#include "agent/availability/round_classifier.h"
#include "agent/availability/target_address.h"
#include "agent/availability/tcp_probe.h"
#include "platform/default_route.h"

namespace uplinkprobe::availability {
namespace {

// Host names of TCP targets are re-resolved this often (and every round while unresolved).
constexpr std::chrono::hours kResolveRefresh{1};
constexpr size_t kMaxTcpTargets = 32;
constexpr size_t kMaxDnsServers = 8;
constexpr size_t kMaxGatewayPorts = 4;

std::string endpointText(const asio::ip::address& a, uint16_t port) {
  return a.is_v6() ? "[" + a.to_string() + "]:" + std::to_string(port)
                   : a.to_string() + ":" + std::to_string(port);
}

// A fresh unpredictable id per query (getrandom, not a seeded PRNG whose state an observer
// of a few hundred ids could recover): the id is half of what stops an off-path spoofer.
uint16_t dnsQueryId() {
  uint16_t id = 0;
  if (::getrandom(&id, sizeof id, 0) != static_cast<ssize_t>(sizeof id)) {
    // getrandom on a 2-byte buffer does not fail after boot entropy is ready; if it ever
    // does, fall back to std::random_device (also the kernel's generator on Linux).
    id = static_cast<uint16_t>(std::random_device{}());
  }
  return id;
}

// A dns_servers entry: "addr", "addr:port", "[v6addr]:port" or a bare IPv6 literal
// ("::1", which parseHostPort would read as host ":" port "1").
std::optional<asio::ip::udp::endpoint> dnsServerEndpoint(const std::string& s) {
  asio::error_code ec;
  auto bare = asio::ip::make_address(s, ec);
  if (!ec) return asio::ip::udp::endpoint(bare, 53);
  auto hp = parseHostPort(s, 53);
  if (!hp.ok()) return std::nullopt;
  auto addr = asio::ip::make_address(hp->host, ec);
  if (ec) return std::nullopt;
  return asio::ip::udp::endpoint(addr, hp->port);
}

}  // namespace

Status checkOptions(const AvailabilityOptions& options) {
  auto config_error = [](const std::string& key, const std::string& m) {
    return makeError(ErrorKind::kConfig, "[availability] " + key + ": " + m);
  };
  if (options.interval <= std::chrono::milliseconds(0))
    return config_error("interval_s", "must be > 0");
  if (options.probe_timeout <= std::chrono::milliseconds(0) ||
      options.probe_timeout >= options.interval)
    return config_error("probe_timeout_ms", "must be > 0 and shorter than interval_s");
  if (options.report_period < options.interval) {
    return config_error(
        "report_period_s",
        "must be at least interval_s (" + std::to_string(options.interval.count() / 1000) + " s)");
  }
  if (options.tcp_targets.size() > kMaxTcpTargets)
    return config_error("tcp_targets", "too many entries (max 32)");
  if (options.gateway_tcp_ports.size() > kMaxGatewayPorts)
    return config_error("gateway", "too many gateway ports (max 4)");
  if (auto q = buildDnsQuery(1, options.dns_name, DnsType::kA); !q.ok())
    return config_error("dns_name", q.error().message);
  for (const std::string& t : options.tcp_targets) {
    auto hp = parseHostPort(t);
    if (!hp.ok()) return config_error("tcp_targets", hp.error().message);
  }
  std::vector<std::string> servers = options.dns_servers;
  const bool from_resolv_conf = servers.empty();
  if (from_resolv_conf) servers = systemNameservers();
  if (servers.size() > kMaxDnsServers) servers.resize(kMaxDnsServers);
  for (const std::string& s : servers) {
    if (!dnsServerEndpoint(s))
      return config_error("dns_servers", "'" + s + "' is not an IP address" +
                                             (from_resolv_conf ? " (from /etc/resolv.conf)" : ""));
  }
  if (!options.gateway.empty()) {
    asio::error_code ec;
    asio::ip::make_address(options.gateway, ec);
    if (ec) return config_error("gateway", "'" + options.gateway + "' is not an IP address");
  }
  return Status::Ok();
}

struct AvailabilityMonitor::Impl : std::enable_shared_from_this<Impl> {
  struct TcpTarget {
    std::string name;  // "tcp:" + config text
    HostPort host_port;
    std::optional<asio::ip::tcp::endpoint> endpoint;
    bool resolving = false;
    std::chrono::steady_clock::time_point resolved_at{};
  };

  Impl(asio::io_context& io_, AvailabilityOptions options_, const Clock& clock_, Emit emit_)
      : io(io_),
        options(std::move(options_)),
        clock(clock_),
        emit(std::move(emit_)),
        round_timer(io_),
        report_timer(io_),
        resolver(io_),
        tracker({options.fail_rounds, options.recover_rounds}),
        stats(clock_.steadyNow(), clock_.wallNow()) {}

  asio::io_context& io;
  AvailabilityOptions options;
  const Clock& clock;
  Emit emit;
  asio::steady_timer round_timer;
  asio::steady_timer report_timer;
  asio::ip::tcp::resolver resolver;
  OutageTracker tracker;
  PeriodStats stats;

  std::vector<TcpTarget> tcp_targets;
  std::vector<std::pair<std::string, asio::ip::udp::endpoint>> dns_servers;
  bool running = false;
  std::chrono::steady_clock::time_point origin{};
  uint64_t round_index = 0;
  uint64_t report_index = 0;
  uint64_t round_seq = 0;  // identifies the round in flight for late callbacks
  RoundResult current;
  int pending = 0;
  std::vector<ProbeCancel> cancels;
  std::optional<RoundResult> last_round;
  std::optional<RoundVerdict> last_verdict;
  uint64_t rounds_completed = 0;

  Status configure() {
    if (Status st = checkOptions(options); !st) return st;
    tcp_targets.clear();
    for (const std::string& t : options.tcp_targets) {
      auto hp = parseHostPort(t);
      TcpTarget target{"tcp:" + t, *hp, std::nullopt};
      asio::error_code ec;
      auto addr = asio::ip::make_address(hp->host, ec);
      if (!ec) target.endpoint = asio::ip::tcp::endpoint(addr, hp->port);
      tcp_targets.push_back(std::move(target));
    }
    std::vector<std::string> servers = options.dns_servers;
    if (servers.empty()) servers = systemNameservers();
    if (servers.size() > kMaxDnsServers) servers.resize(kMaxDnsServers);
    dns_servers.clear();
    for (const std::string& s : servers)
      dns_servers.emplace_back("dns:" + s, *dnsServerEndpoint(s));
    return Status::Ok();
  }

  void resolveIfNeeded(TcpTarget& t) {
    auto now = std::chrono::steady_clock::now();
    bool literal = [&] {
      asio::error_code ec;
      asio::ip::make_address(t.host_port.host, ec);
      return !ec;
    }();
    if (literal || t.resolving) return;
    if (t.endpoint && now - t.resolved_at < kResolveRefresh) return;
    t.resolving = true;
    std::weak_ptr<Impl> weak = shared_from_this();
    std::string name = t.name;
    resolver.async_resolve(
        t.host_port.host, std::to_string(t.host_port.port),
        [weak, name](const asio::error_code& ec, asio::ip::tcp::resolver::results_type results) {
          auto self = weak.lock();
          if (!self || !self->running) return;
          for (TcpTarget& target : self->tcp_targets) {
            if (target.name != name) continue;
            target.resolving = false;
            if (!ec && !results.empty()) {
              target.endpoint = results.begin()->endpoint();
              target.resolved_at = std::chrono::steady_clock::now();
            }
          }
        });
  }

  void scheduleRound() {
    auto now = std::chrono::steady_clock::now();
    ++round_index;
    auto next = origin + round_index * options.interval;
    if (next <= now) {
      // Late (a slow round or a stalled loop): skip the grid points that passed.
      round_index = static_cast<uint64_t>((now - origin) / options.interval) + 1;
      next = origin + round_index * options.interval;
    }
    round_timer.expires_at(next);
    std::weak_ptr<Impl> weak = shared_from_this();
    round_timer.async_wait([weak](const asio::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || !self->running) return;
      self->startRound();
    });
  }

  void scheduleReport() {
    ++report_index;
    report_timer.expires_at(origin + report_index * options.report_period);
    std::weak_ptr<Impl> weak = shared_from_this();
    report_timer.async_wait([weak](const asio::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || !self->running) return;
      self->flush();
      self->scheduleReport();
    });
  }

  ProbeDone collector() {
    std::weak_ptr<Impl> weak = shared_from_this();
    uint64_t seq = round_seq;
    return [weak, seq](ProbeResult r) {
      auto self = weak.lock();
      if (!self || !self->running || seq != self->round_seq) return;
      self->current.probes.push_back(std::move(r));
      if (--self->pending == 0) self->finishRound();
    };
  }

  void addImmediate(ProbeResult r) { current.probes.push_back(std::move(r)); }

  void startRound() {
    ++round_seq;
    current = RoundResult{};
    current.steady = clock.steadyNow();
    current.wall = clock.wallNow();
    cancels.clear();
    pending = 0;
    std::vector<std::function<ProbeCancel()>> launches;

    if (!options.gateway_tcp_ports.empty()) {
      std::string gw = options.gateway;
      bool point_to_point = false;
      if (gw.empty()) {
        auto route = platform::defaultRoute(4);
        if (route) {
          gw = route->gateway;
          point_to_point = gw.empty();  // e.g. PPPoE: nothing to probe, nothing wrong
        }
      }
      asio::error_code ec;
      auto addr = gw.empty() ? asio::ip::address() : asio::ip::make_address(gw, ec);
      if (gw.empty() && !point_to_point) {
        addImmediate({ProbeKind::kGateway, "gateway:none", false, false, {}, "no default route"});
      } else if (!gw.empty() && ec) {
        addImmediate({ProbeKind::kGateway, "gateway:" + gw, false, false, {}, "bad address"});
      } else if (!gw.empty()) {
        for (uint16_t port : options.gateway_tcp_ports) {
          asio::ip::tcp::endpoint ep(addr, port);
          launches.push_back([this, ep] {
            return probeTcp(io, ep, ProbeKind::kGateway,
                            "gateway:" + endpointText(ep.address(), ep.port()),
                            options.probe_timeout, clock, collector());
          });
        }
      }
    }
    for (TcpTarget& t : tcp_targets) {
      resolveIfNeeded(t);
      if (!t.endpoint) {
        addImmediate({ProbeKind::kTcp, t.name, false, false, {}, "unresolved"});
        continue;
      }
      auto ep = *t.endpoint;
      std::string name = t.name;
      launches.push_back([this, ep, name] {
        return probeTcp(io, ep, ProbeKind::kTcp, name, options.probe_timeout, clock, collector());
      });
    }
    for (const auto& [name, ep] : dns_servers) {
      uint16_t id = dnsQueryId();
      launches.push_back([this, ep = ep, name = name, id] {
        return probeDns(io, ep, name, options.dns_name, DnsType::kA, id, options.probe_timeout,
                        clock, collector());
      });
    }
    pending = static_cast<int>(launches.size());
    if (pending == 0) {
      finishRound();
      return;
    }
    for (auto& launch : launches) cancels.push_back(launch());
  }

  void finishRound() {
    ++round_seq;  // late callbacks of this round are now ignored
    cancels.clear();
    RoundVerdict verdict = classifyRound(current);
    stats.addRound(current);
    stats.countRound(verdict.good);
    auto records = tracker.onRound(current, verdict);
    if (auto closed = tracker.lastClosedDownInterval()) {
      stats.addDownInterval(closed->first, closed->second);
    }
    last_round = std::move(current);
    last_verdict = verdict;
    ++rounds_completed;
    if (!verdict.good) {
      spdlog::debug("availability: bad round ({})", outageClassName(verdict.cls));
    }
    for (auto& r : records) {
      if (r["kind"] == "outage") {
        spdlog::info("availability: {} outage closed after {} s", r["class"].get<std::string>(),
                     r["duration_s"].get<double>());
      } else {
        spdlog::warn("availability: outage started ({})", r["class"].get<std::string>());
      }
      emit(std::move(r));
    }
    if (running) scheduleRound();
  }

  void flush() {
    auto rec = stats.finish(clock.steadyNow(), clock.wallNow(), tracker.downSinceSteady());
    rec.interval_s = std::chrono::duration<double>(options.interval).count();
    emit(rec.toJson());
  }

  void stop() {
    running = false;
    ++round_seq;
    for (auto& c : cancels) {
      if (c) c();
    }
    cancels.clear();
    round_timer.cancel();
    report_timer.cancel();
    resolver.cancel();
  }
};

AvailabilityMonitor::AvailabilityMonitor(asio::io_context& io, AvailabilityOptions options,
                                         const Clock& clock, Emit emit)
    : impl_(std::make_shared<Impl>(io, std::move(options), clock, std::move(emit))) {}

AvailabilityMonitor::~AvailabilityMonitor() { stop(); }

Status AvailabilityMonitor::start() {
  if (impl_->running) return Status::Ok();
  if (Status s = impl_->configure(); !s) return s;
  impl_->running = true;
  impl_->origin = std::chrono::steady_clock::now();
  impl_->round_index = 0;
  impl_->report_index = 0;
  impl_->stats = PeriodStats(impl_->clock.steadyNow(), impl_->clock.wallNow());
  std::weak_ptr<Impl> weak = impl_;
  asio::post(impl_->io, [weak] {
    auto self = weak.lock();
    if (self && self->running) self->startRound();
  });
  impl_->scheduleReport();
  return Status::Ok();
}

void AvailabilityMonitor::stop() {
  if (impl_) impl_->stop();
}

void AvailabilityMonitor::flushPeriod() { impl_->flush(); }

nlohmann::json AvailabilityMonitor::persistentState() const {
  return {{"outage", impl_->tracker.state()}};
}

Status AvailabilityMonitor::restoreState(const nlohmann::json& state) {
  if (!state.is_object() || !state.contains("outage")) {
    return makeError(ErrorKind::kState, "availability state: missing 'outage'");
  }
  return impl_->tracker.restore(state["outage"]);
}

bool AvailabilityMonitor::outageOpen() const { return impl_->tracker.isOpen(); }
OutageClass AvailabilityMonitor::outageClass() const {
  return impl_->tracker.isOpen() ? impl_->tracker.currentClass() : OutageClass::kNone;
}
std::optional<WallTime> AvailabilityMonitor::outageStart() const {
  return impl_->tracker.isOpen() ? impl_->tracker.startWall() : std::nullopt;
}
std::optional<RoundResult> AvailabilityMonitor::lastRound() const { return impl_->last_round; }
std::optional<RoundVerdict> AvailabilityMonitor::lastVerdict() const { return impl_->last_verdict; }
uint64_t AvailabilityMonitor::roundsCompleted() const { return impl_->rounds_completed; }

}  // namespace uplinkprobe::availability
