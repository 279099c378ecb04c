// AvailabilityMonitor: runs availability rounds on the caller's io_context and hands the
// resulting record bodies to `emit` (the daemon adds the envelope and journals them).
//
// Threading: everything runs on the io_context's thread(s) via its handlers; construct,
// start, stop and the accessors must be called from that same thread (or before run()).
// Never blocks the loop: probes are asynchronous, each with a deadline.
//
// A round starts every `interval` on a fixed grid (start + k * interval); all its probes
// start together; the round ends when every probe has reported (at most probe_timeout
// later). A round never overlaps the next: if one ran late, grid points that already
// passed are skipped. Per round: classifyRound() -> OutageTracker -> PeriodStats.
//
// Probes per round:
//   gateway  TCP connect to each of gateway_tcp_ports on the gateway (accept or RST =
//            alive), kind kGateway. No gateway known (no default route) -> one failed
//            probe "gateway:none" with detail "no default route".
//   tcp      TCP connect to each tcp_targets entry. Host names are resolved once through
//            the system resolver (asynchronously) and the addresses kept, so a later DNS
//            failure does not masquerade as an upstream one; until resolved the probe
//            fails with "unresolved".
//   dns      a query for dns_name (type A) to each dns_servers entry (empty list -> the
//            nameservers of /etc/resolv.conf at start()), random query id per probe.
// ICMP echo is not implemented (unprivileged ping sockets are disabled on most targets
// we ship to: net.ipv4.ping_group_range = "1 0").
//
// Emitted bodies (all with "kind"): "event" {"event":"outage_started",...} when an outage
// opens, "outage" when it closes (see outage_tracker.h), "availability" every
// report_period (see period_stats.h, plus "interval_s").
#pragma once

#include <asio.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/availability/outage_tracker.h"
#include "agent/availability/probe_result.h"
#include "common/clock.h"
#include "common/result.h"

namespace uplinkprobe::availability {

struct AvailabilityOptions {
  std::chrono::milliseconds interval{10000};
  std::vector<std::string> tcp_targets;  // "host:port", "[v6addr]:port"
  std::vector<std::string> dns_servers;  // "addr" or "addr:port"; empty -> resolv.conf
  std::string dns_name = "www.gov.cn";
  int fail_rounds = 3;
  int recover_rounds = 2;
  std::chrono::milliseconds report_period{300000};
  std::string gateway;  // "" -> the IPv4 default route's gateway, looked up every round
  std::vector<uint16_t> gateway_tcp_ports{53};  // empty -> no gateway probe at all
  std::chrono::milliseconds probe_timeout{2000};
};

// The checks start() makes, without starting anything (check-config and a reload run them
// before touching the running monitor). Error kind "config", message naming the config key:
// "[availability] dns_servers: 'ns.example' is not an IP address". With dns_servers empty
// it reads /etc/resolv.conf, like start().
Status checkOptions(const AvailabilityOptions& options);

class AvailabilityMonitor {
 public:
  using Emit = std::function<void(nlohmann::json)>;

  // `clock` and `io` must outlive the monitor. `emit` is called on the io_context.
  AvailabilityMonitor(asio::io_context& io, AvailabilityOptions options, const Clock& clock,
                      Emit emit);
  ~AvailabilityMonitor();  // stop()
  AvailabilityMonitor(const AvailabilityMonitor&) = delete;
  AvailabilityMonitor& operator=(const AvailabilityMonitor&) = delete;

  // Validates the options (target syntax, probe_timeout < interval, ...) and schedules the
  // first round immediately. Error kind "config" with a message naming the bad entry.
  Status start();
  // Cancels timers and in-flight probes; emits nothing (an open outage stays open in
  // persistentState(); call flushPeriod() first for a last availability record).
  void stop();

  // Emits the availability record for the period so far and starts a new one.
  void flushPeriod();

  // For the daemon to persist (e.g. at every outage open/close and at shutdown) and to
  // pass back to restoreState() before start() after a restart.
  nlohmann::json persistentState() const;
  Status restoreState(const nlohmann::json& state);

  // Current state, for `status` and alerts.
  bool outageOpen() const;
  OutageClass outageClass() const;
  std::optional<WallTime> outageStart() const;
  std::optional<RoundResult> lastRound() const;
  std::optional<RoundVerdict> lastVerdict() const;
  uint64_t roundsCompleted() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace uplinkprobe::availability
