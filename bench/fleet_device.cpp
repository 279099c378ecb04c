#include "bench/fleet_device.h"

#include <algorithm>
#include <cmath>

#include "agent/availability/period_stats.h"
#include "agent/availability/round_classifier.h"
#include "agent/measure/throughput_result.h"
#include "agent/publish/status_message.h"
#include "agent/publish/topic.h"
#include "agent/verdict/daily_summary.h"
#include "common/time_format.h"
#include "common/version.h"

namespace uplinkprobe::bench {
namespace {

using std::chrono::seconds;
constexpr auto kRound = seconds(10);
constexpr int kFailRounds = 3, kRecoverRounds = 2;
// Local time window of the scheduled tests (the agent's schedule.windows default).
constexpr int kWindowStartH = 8, kWindowEndH = 17;
constexpr auto kDailyDelay = std::chrono::minutes(2);

double uni(std::mt19937_64& r, double a, double b) {
  return std::uniform_real_distribution<double>(a, b)(r);
}
double round1(double v) { return std::round(v * 10) / 10; }
double round2(double v) { return std::round(v * 100) / 100; }

const char* serverFor(const std::string& carrier) {
  if (carrier == "中国电信") return "jl-telecom-cc";
  if (carrier == "中国联通") return "jl-unicom-cc";
  return "jl-mobile-cc";
}

}  // namespace

SimDevice::SimDevice(const School& school, std::string device_id, std::string journal_id,
                     uint64_t seed, WallTime start, const FleetProfile& profile, SimClock& clock)
    : profile_(profile),
      clock_(clock),
      device_id_(std::move(device_id)),
      school_id_(school.school_id),
      journal_id_(std::move(journal_id)),
      school_name_(school.name),
      city_(school.city),
      county_(school.county),
      carrier_(school.carrier),
      alerts_(verdict::AlertRules{}),
      outage_(availability::OutageTrackerOptions{kFailRounds, kRecoverRounds}),
      rng_(seed) {
  char boot[40];
  std::snprintf(boot, sizeof boot, "%08llx-%04llx-4%03llx-8%03llx-%012llx",
                static_cast<unsigned long long>(rng_() & 0xffffffff),
                static_cast<unsigned long long>(rng_() & 0xffff),
                static_cast<unsigned long long>(rng_() & 0xfff),
                static_cast<unsigned long long>(rng_() & 0xfff),
                static_cast<unsigned long long>(rng_() & 0xffffffffffffull));
  boot_id_ = boot;
  factory_ = std::make_unique<record::RecordFactory>(
      record::Identity{device_id_, school_id_}, clock_,
      [] {
        return platform::ClockSyncState{true, "kernel", 20000};
      },
      boot_id_);
  target_.down_target_mbps = std::max(100, school.contracted_down_mbps);
  target_.up_target_mbps = school.contracted_up_mbps;
  target_.tolerance_pct = 5;
  // Most lines deliver their contract (IP capacity at or a little above it); a share does not.
  const bool below = uni(rng_, 0, 1) < profile_.below_contract_share;
  const double f = below ? uni(rng_, 0.35, 0.9) : uni(rng_, 0.97, 1.06);
  capacity_down_ = school.contracted_down_mbps * f;
  capacity_up_ = school.contracted_up_mbps * (below ? uni(rng_, 0.5, 1.0) : uni(rng_, 0.97, 1.05));
  base_rtt_ms_ = uni(rng_, 4, 35);
  gateway_octet_ = 1 + static_cast<int>(rng_() % 3);
  boot_wall_ = start - seconds(static_cast<long>(uni(rng_, 3600, 30 * 86400.0)));
  next_period_end_ =
      start + seconds(1 + static_cast<long>(rng_() % profile_.availability_period_s));
  period_start_ = next_period_end_ - seconds(profile_.availability_period_s);
  day_ = verdict::localDayOf(start);
  daily_due_ = day_.end + kDailyDelay;
  planDay(day_);
  // Drop the tests before the start (the day began before the simulation).
  tests_.erase(std::remove_if(tests_.begin(), tests_.end(), [&](WallTime t) { return t < start; }),
               tests_.end());
  if (outage_plan_ && outage_plan_->first < start) outage_plan_.reset();
  next_ = start;
}

void SimDevice::planDay(const verdict::LocalDay& day) {
  tests_.clear();
  const auto win_start = day.start + std::chrono::hours(kWindowStartH);
  const double win_s = (kWindowEndH - kWindowStartH) * 3600.0;
  for (int i = 0; i < profile_.tests_per_day; ++i) {
    // Spread like the agent's schedule: one test per slice of the window, jittered.
    const double slice = win_s / profile_.tests_per_day;
    tests_.push_back(win_start + seconds(static_cast<long>(slice * i + uni(rng_, 0, slice))));
  }
  std::sort(tests_.begin(), tests_.end());
  outage_plan_.reset();
  outage_started_ = false;
  if (uni(rng_, 0, 1) < profile_.outage_per_day) {
    const auto s = day.start + seconds(static_cast<long>(uni(rng_, 3600, 86400 - 5 * 3600)));
    // Mostly short, a few long enough for an availability alert (> 10 min).
    const double minutes = std::exp(uni(rng_, std::log(1.0), std::log(240.0)));
    outage_plan_ = {s, s + seconds(static_cast<long>(minutes * 60) + 30)};
    const double c = uni(rng_, 0, 1);
    outage_class_ = c < 0.6 ? 0 : c < 0.85 ? 1 : 2;
  }
}

void SimDevice::updateNext() {
  next_ = next_period_end_;
  next_ev_ = Ev::kAvailability;
  auto consider = [&](WallTime t, Ev e) {
    if (t < next_) {
      next_ = t;
      next_ev_ = e;
    }
  };
  if (!tests_.empty()) consider(tests_.front(), Ev::kTest);
  consider(daily_due_, Ev::kDaily);
  if (outage_plan_) {
    if (!outage_started_)
      consider(outage_plan_->first + kRound * (kFailRounds - 1), Ev::kOutageStart);
    else
      consider(outage_plan_->second + kRound * (kRecoverRounds - 1), Ev::kOutageEnd);
  }
}

SteadyTime SimDevice::steadyAt(WallTime t) const {
  return SteadyTime{} + std::chrono::duration_cast<SteadyTime::duration>(t - boot_wall_);
}

void SimDevice::journal(const std::string& kind, nlohmann::json body, WallTime at,
                        std::deque<Message>& out, int& n, bool feed_alerts) {
  clock_.set(at, steadyAt(at));
  auto rec = factory_->make(kind, std::move(body));
  // What the journal does on append: its journal_id, the next seq, the id.
  const uint64_t seq = ++seq_;
  rec["journal_id"] = journal_id_;
  rec["seq"] = seq;
  rec["id"] = device_id_ + ":" + journal_id_ + ":" + std::to_string(seq);
  Message m;
  m.kind = kind;
  m.topic =
      publish::topicFor(profile_.topic_prefix, school_id_, device_id_, publish::topicKindFor(kind));
  m.retained = publish::retainedKind(kind);
  m.payload = rec.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  m.payload.shrink_to_fit();  // a storm backlog holds millions of these
  out.push_back(std::move(m));
  ++n;
  if (kind == "throughput" || kind == "outage") day_records_.push_back(rec);
  if (!feed_alerts) return;
  // The daemon's listener: every journaled record goes through the alert engine; an alert
  // record is followed by the retained alert_state.
  for (const auto& a : alerts_.onRecord(rec)) journal("alert", a.toJson(), at, out, n, true);
  if (kind == "alert") journal("alert_state", alerts_.state().toJson(), at, out, n, true);
}

availability::RoundResult SimDevice::round(WallTime at, bool bad, int cls) {
  using availability::ProbeKind;
  availability::RoundResult r;
  r.steady = steadyAt(at);
  r.wall = at;
  auto probe = [&](ProbeKind k, std::string target, bool ok, double rtt) {
    availability::ProbeResult p;
    p.kind = k;
    p.target = std::move(target);
    p.reachable = p.ok = ok;
    if (ok)
      p.rtt = std::chrono::microseconds(static_cast<long>(rtt * 1000));
    else
      p.detail = "timeout";
    r.probes.push_back(std::move(p));
  };
  const bool gw_ok = !(bad && cls == 1);
  const bool net_ok = !bad || cls == 2;
  const bool dns_ok = !bad;
  const double j = uni(rng_, 0, 1);
  probe(ProbeKind::kGateway, "gateway:192.168." + std::to_string(gateway_octet_) + ".1", gw_ok,
        0.4 + j * 0.6);
  probe(ProbeKind::kTcp, "tcp:223.5.5.5:443", net_ok, base_rtt_ms_ + j * 3);
  probe(ProbeKind::kTcp, "tcp:180.76.76.76:443", net_ok, base_rtt_ms_ * 1.3 + j * 4);
  probe(ProbeKind::kDns, "dns:114.114.114.114", dns_ok, base_rtt_ms_ + 1 + j * 5);
  return r;
}

nlohmann::json SimDevice::availabilityBody(WallTime from, WallTime to) {
  availability::PeriodStats ps(steadyAt(from), from);
  const int rounds = profile_.rounds_per_period;
  const auto step = (to - from) / std::max(1, rounds);
  for (int i = 0; i < rounds; ++i) {
    const WallTime t = from + step * i;
    const bool bad = outage_plan_ && t >= outage_plan_->first && t < outage_plan_->second;
    auto r = round(t, bad, outage_class_);
    ps.addRound(r);
    ps.countRound(availability::classifyRound(r).good);
  }
  if (outage_plan_ && outage_plan_->first < to && outage_plan_->second > from) {
    const WallTime a = std::max(from, outage_plan_->first + kRound * (kFailRounds - 1));
    const WallTime b = std::min(to, outage_plan_->second);
    if (a < b) ps.addDownInterval(steadyAt(a), steadyAt(b));
  }
  auto rec = ps.finish(steadyAt(to), to, std::nullopt);
  // As AvailabilityMonitor sets it (docs/schema/availability.json requires it).
  rec.interval_s = std::chrono::duration<double>(kRound).count();
  return rec.toJson();
}

nlohmann::json SimDevice::throughputBody(WallTime at) {
  measure::ThroughputResult r;
  const double idle = base_rtt_ms_ * uni(rng_, 0.95, 1.2);
  r.idle_latency_ms = round2(idle);
  measure::ServerUsed s;
  s.name = serverFor(carrier_);
  s.url = "http://" + s.name + ".speed.example.cn:8080/";
  s.kind = "librespeed";
  s.ip = "10.22." + std::to_string(rng_() % 8) + ".10";
  s.ip_family = 4;
  s.public_ip = "175.30." + std::to_string(rng_() % 256) + "." + std::to_string(1 + rng_() % 254);
  r.servers_tried.push_back({s.name, r.idle_latency_ms, std::nullopt});
  r.wan_interface = "eth1";
  r.nic_speed_mbps = 1000;
  if (uni(rng_, 0, 1) < 0.01) {  // a failed test: the server could not be reached
    r.error = Error{ErrorKind::kConnect, "connect to " + s.ip + ":8080 timed out after 5 s"};
    r.servers_tried.back().error = r.error;
    r.server = s;
    return r.toJson();
  }
  r.server = s;
  const bool busy = uni(rng_, 0, 1) < 0.05;  // a busy school: competing traffic, not counted
  r.cross_traffic_mbps = round1(busy ? uni(rng_, 10, 60) : uni(rng_, 0, 1.5));
  constexpr int kMss = 1448;
  auto direction = [&](double capacity, bool up) {
    measure::DirectionResult d;
    const double ip = std::min(capacity * uni(rng_, 0.93, 1.0), 1000.0 * 0.98);
    d.ip_capacity_mbps = round2(ip);
    d.goodput_mbps = round2(ip * kMss / (kMss + 40));
    d.peak_mbps = round2(d.goodput_mbps * uni(rng_, 1.0, 1.04));
    d.warmup_s = round2(uni(rng_, 0.6, 1.4));
    d.window_s = round2(uni(rng_, 2.0, 4.0));
    d.duration_s = round2(d.warmup_s + d.window_s);
    d.bytes = static_cast<uint64_t>(d.goodput_mbps * 1e6 / 8 * d.duration_s);
    d.streams = std::min(16, 4 + 4 * static_cast<int>(capacity / 300));
    d.stop_reason = "stable";
    d.rtt_ms = round2(idle + uni(rng_, 2, 25));
    d.mss = kMss;
    d.timestamps = true;
    d.loaded_latency_ms = d.rtt_ms;
    d.loaded_latency_samples = static_cast<int>(d.duration_s * 5);
    if (up) d.retransmit_pct = round2(uni(rng_, 0, 0.5));
    return d;
  };
  r.download = direction(capacity_down_, false);
  r.upload = direction(capacity_up_, true);
  r.loaded_latency_ms = std::max(*r.download->loaded_latency_ms, *r.upload->loaded_latency_ms);
  r.rpm = round1(60000.0 / *r.loaded_latency_ms);
  r.cpu_pct = round1(uni(rng_, 8, 35));
  r.engine_cpu_pct = round1(*r.cpu_pct * 0.8);
  r.bytes_total = r.download->bytes + r.upload->bytes + 20000;
  return r.toJson();
}

int SimDevice::generate(std::deque<Message>& out) {
  int n = 0;
  if (first_) {
    // The daemon's start: the retained alert state first.
    first_ = false;
    journal("alert_state", alerts_.state().toJson(), next_, out, n);
    updateNext();
    return n;
  }
  const WallTime at = next_;
  switch (next_ev_) {
    case Ev::kAvailability: {
      auto body = availabilityBody(period_start_, next_period_end_);
      if (!day_obs_start_) day_obs_start_ = period_start_;
      day_obs_end_ = next_period_end_;
      day_up_s_ += body.value("up_s", 0.0);
      day_down_s_ += body.value("down_s", 0.0);
      journal("availability", std::move(body), at, out, n);
      period_start_ = next_period_end_;
      next_period_end_ += seconds(profile_.availability_period_s);
      break;
    }
    case Ev::kTest: {
      auto body = throughputBody(at);
      body["verdict"] = verdict::judgeThroughput(body, target_);
      body["trigger"] = "scheduled";  // as the daemon's scheduled tests (agent/daemon/daemon.cpp)
      tests_.erase(tests_.begin());
      journal("throughput", std::move(body), at, out, n);
      break;
    }
    case Ev::kDaily: {
      std::vector<nlohmann::json> recs = day_records_;
      if (day_obs_start_) {
        recs.push_back({{"kind", "availability"},
                        {"period_start", formatRfc3339Utc(*day_obs_start_)},
                        {"period_end", formatRfc3339Utc(day_obs_end_)},
                        {"up_s", day_up_s_},
                        {"down_s", day_down_s_}});
      }
      auto body = verdict::summarizeDay(recs, day_, day_.end, target_).toJson();
      journal("daily", std::move(body), at, out, n);
      day_records_.clear();
      day_obs_start_.reset();
      day_up_s_ = day_down_s_ = 0;
      day_ = verdict::nextDay(day_);
      daily_due_ = day_.end + kDailyDelay;
      planDay(day_);
      break;
    }
    case Ev::kOutageStart: {
      outage_started_ = true;
      for (int i = 0; i < kFailRounds; ++i) {
        const WallTime t = outage_plan_->first + kRound * i;
        auto r = round(t, true, outage_class_);
        for (auto& b : outage_.onRound(r, availability::classifyRound(r))) {
          const std::string kind = b.value("kind", "event");
          journal(kind, std::move(b), t, out, n);
        }
      }
      break;
    }
    case Ev::kOutageEnd: {
      WallTime t = outage_plan_->first + kRound * kFailRounds;
      for (; t < outage_plan_->second; t += kRound) {
        auto r = round(t, true, outage_class_);
        outage_.onRound(r, availability::classifyRound(r));
      }
      for (int i = 0; i < kRecoverRounds; ++i, t += kRound) {
        auto r = round(t, false, 0);
        for (auto& b : outage_.onRound(r, availability::classifyRound(r))) {
          const std::string kind = b.value("kind", "outage");
          journal(kind, std::move(b), t, out, n);
        }
      }
      outage_plan_.reset();
      outage_started_ = false;
      break;
    }
  }
  updateNext();
  return n;
}

Message SimDevice::statusOnline(WallTime now) const {
  publish::StatusInfo info;
  info.identity = {device_id_, school_id_, school_name_, city_, county_, carrier_};
  info.agent_version = kAgentVersion;
  info.started_at = formatRfc3339Utc(boot_wall_);
  info.config_hash = "sim";
  Message m;
  m.kind = "status";
  m.topic = publish::topicFor(profile_.topic_prefix, school_id_, device_id_, "status");
  m.payload = publish::statusOnlineJson(info, now);
  m.retained = true;
  m.journaled = false;
  return m;
}

Message SimDevice::statusLastWill(WallTime now) const {
  publish::StatusInfo info;
  info.identity.device_id = device_id_;
  info.identity.school_id = school_id_;
  info.agent_version = kAgentVersion;
  Message m = statusOnline(now);
  m.payload = publish::statusOfflineJson(info, "lwt", now);
  return m;
}

}  // namespace uplinkprobe::bench
