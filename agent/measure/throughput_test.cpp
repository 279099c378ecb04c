#include "agent/measure/throughput_test.h"

#include <algorithm>
#include <chrono>

#include "agent/measure/capacity.h"
#include "agent/measure/direction_runner.h"
#include "agent/measure/idle_latency.h"
#include "agent/measure/latency_stats.h"
#include "agent/measure/link_context.h"
#include "agent/measure/server_endpoints.h"
#include "platform/cpu_usage.h"
#include "platform/default_route.h"
#include "platform/netdev_counters.h"
#include "platform/nic_speed.h"

namespace uplinkprobe::measure {
namespace {

constexpr double kLatencyBudgetS = 6.0;
constexpr std::size_t kMaxServers = 8;

struct Candidate {
  const ServerSpec* spec;
  Endpoints endpoints;
  IdleLatency idle;
};

// Failure kinds that mean "this server cannot serve the test" (try the next one), as
// opposed to a result about the link (timeout, stall) or about us (internal, cancelled).
bool isServerFailure(const Error& e) {
  return e.kind == ErrorKind::kDns || e.kind == ErrorKind::kConnect || e.kind == ErrorKind::kTls ||
         e.kind == ErrorKind::kHttp || e.kind == ErrorKind::kProtocol;
}

ControllerConfig controllerConfig(const ThroughputOptions& o) {
  ControllerConfig c;
  c.max_seconds = std::clamp(o.max_seconds, 1.0, 60.0);
  c.max_bytes = static_cast<uint64_t>(std::clamp(o.max_mb_per_direction, 1.0, 100000.0) * 1e6);
  c.max_bytes_ceiling = static_cast<uint64_t>(std::clamp(o.max_mb_ceiling, 0.0, 100000.0) * 1e6);
  c.streams_max = std::clamp(o.streams_max, 1, 64);
  c.streams_start = std::clamp(o.streams_start, 1, c.streams_max);
  return c;
}

}  // namespace

ThroughputResult runThroughputTest(const ThroughputOptions& options, const Clock& clock,
                                   const ProgressFn& progress, const std::atomic<bool>* cancel) {
  ThroughputResult res;
  res.wan_interface = wanInterface(options.wan_interface, options.ip_family);
  if (!res.wan_interface.empty()) res.nic_speed_mbps = platform::nicSpeedMbps(res.wan_interface);

  if (options.servers.empty()) {
    res.error = makeError(ErrorKind::kInternal, "no server configured: add a [[servers]] entry");
    return res;
  }
  if (!options.download && !options.upload) {
    res.error = makeError(ErrorKind::kInternal, "neither download nor upload requested");
    return res;
  }

  // Server choice.
  if (progress) progress(Progress{"latency", 0, 0, 0, 0});
  const SteadyTime latency_start = clock.steadyNow();
  const std::size_t n_servers = std::min(options.servers.size(), kMaxServers);
  const int probes = n_servers == 1 ? 10 : 5;
  std::vector<Candidate> candidates;
  std::optional<Error> first_error;
  for (std::size_t i = 0; i < n_servers; ++i) {
    const ServerSpec& spec = options.servers[i];
    ServerTried tried{spec.name.empty() ? spec.url : spec.name, std::nullopt, std::nullopt};
    const double left =
        kLatencyBudgetS - std::chrono::duration<double>(clock.steadyNow() - latency_start).count();
    auto ep = endpointsFor(spec);
    if (!ep) {
      tried.error = ep.error();
    } else if (left < 0.2) {
      tried.error = makeError(ErrorKind::kTimeout, "skipped: the latency phase budget was used up");
    } else {
      auto idle = measureIdleLatency(
          *ep, options, probes, std::min(left, kLatencyBudgetS / n_servers + 1.0), clock, cancel);
      if (idle) {
        tried.idle_ms = idle->median_ms;
        candidates.push_back(Candidate{&spec, *ep, *idle});
      } else {
        tried.error = idle.error();
      }
    }
    if (tried.error && !first_error) first_error = tried.error;
    res.servers_tried.push_back(tried);
    if (cancel && cancel->load()) {
      res.error = makeError(ErrorKind::kCancelled, "test cancelled");
      return res;
    }
  }
  if (candidates.empty()) {
    res.error = first_error ? *first_error : makeError(ErrorKind::kInternal, "no usable server");
    return res;
  }
  std::stable_sort(
      candidates.begin(), candidates.end(),
      [](const Candidate& a, const Candidate& b) { return a.idle.median_ms < b.idle.median_ms; });

  const ControllerConfig cc = controllerConfig(options);
  const auto cpu_start = platform::processCpuTime();
  const auto thread_cpu_start = platform::threadCpuTime();
  double active_s = 0;

  auto runOne = [&](const Candidate& c, bool download, std::optional<double>& cross_mbps) {
    DirectionParams p;
    p.download = download;
    p.endpoints = c.endpoints;
    p.options = options;
    p.controller = cc;
    // Windows in RTTs on long paths (direction_controller.h): the idle latency is the path's
    // RTT (one request–response on a kept-alive connection).
    p.controller.rtt_s = c.idle.median_ms / 1000.0;
    p.nic_mbps = res.nic_speed_mbps;
    p.ip_family = c.idle.ip_family == 6 ? 6 : 4;
    // Stall: no counted byte for this long is an error, short enough to fire before the cap.
    p.stall_s = std::clamp(cc.max_seconds / 2, 1.5, 4.0);
    p.stall_s = std::max(p.stall_s, std::min(4 * p.controller.rtt_s, 10.0));
    const auto before = platform::readNetdevCounters(res.wan_interface);
    const SteadyTime t = clock.steadyNow();
    DirectionResult d = runDirection(p, clock, progress, cancel);
    const double dt = std::chrono::duration<double>(clock.steadyNow() - t).count();
    active_s += dt;
    const auto after = platform::readNetdevCounters(res.wan_interface);
    SegmentShape shape{d.mss, d.timestamps, p.ip_family};
    if (auto x = crossTrafficBps(before, after, download, d.bytes, d.mss, headerBytes(shape), dt))
      cross_mbps = std::max(cross_mbps.value_or(0.0), *x / 1e6);
    return d;
  };

  // Fallback: a server whose first direction fails before any byte moved is skipped.
  std::optional<double> cross;
  std::size_t chosen = 0;
  const bool first_is_download = options.download;
  std::optional<DirectionResult> first;
  for (; chosen < candidates.size(); ++chosen) {
    first = runOne(candidates[chosen], first_is_download, cross);
    if (!(first->error && first->bytes == 0 && isServerFailure(*first->error) &&
          chosen + 1 < candidates.size()))
      break;
    for (auto& t : res.servers_tried) {
      const std::string n = candidates[chosen].spec->name.empty() ? candidates[chosen].spec->url
                                                                  : candidates[chosen].spec->name;
      if (t.name == n) t.error = first->error;
    }
  }
  if (chosen >= candidates.size()) chosen = candidates.size() - 1;
  const Candidate& c = candidates[chosen];
  if (first_is_download) {
    res.download = first;
  } else {
    res.upload = first;
  }
  const bool stop_after_first =
      first->error && (first->error->kind == ErrorKind::kCancelled || (cancel && cancel->load()));
  if (options.download && options.upload && !stop_after_first) {
    res.upload = runOne(c, false, cross);
  }

  const auto cpu = platform::processCpuTime() - cpu_start;
  const auto thread_cpu = platform::threadCpuTime() - thread_cpu_start;
  const auto wall = std::chrono::microseconds(static_cast<long long>(active_s * 1e6));
  res.cpu_pct = platform::cpuSharePct(cpu, wall);
  res.engine_cpu_pct = platform::cpuSharePct(thread_cpu, wall);
  res.client_limited = isClientLimited(res.engine_cpu_pct);
  res.cross_traffic_mbps = cross;

  ServerUsed used;
  used.name = c.spec->name;
  used.kind = c.spec->kind;
  used.url = c.spec->kind == "http" ? c.spec->download_url : c.spec->url;
  used.ip = c.idle.server_ip;
  used.ip_family = c.idle.ip_family;
  used.public_ip = c.idle.public_ip;
  res.server = used;
  res.idle_latency_ms = c.idle.median_ms;

  std::optional<double> loaded;
  for (const auto* d : {&res.download, &res.upload}) {
    if (*d && (*d)->loaded_latency_ms)
      loaded = std::max(loaded.value_or(0.0), *(*d)->loaded_latency_ms);
    if (*d) res.bytes_total += (*d)->bytes;
    if (*d && (*d)->error && !res.error) res.error = (*d)->error;
  }
  res.loaded_latency_ms = loaded;
  res.rpm = rpmFromLoadedMs(loaded);
  return res;
}

}  // namespace uplinkprobe::measure
