#include "agent/verdict/daily_summary.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "common/time_format.h"
#include "record/availability_records.h"
#include "record/throughput_record.h"

namespace uplinkprobe::verdict {
namespace {

double round2(double v) { return std::round(v * 100.0) / 100.0; }
double round4(double v) { return std::round(v * 10000.0) / 10000.0; }

std::optional<WallTime> timeField(const nlohmann::json& r, const char* key) {
  if (!r.contains(key) || !r[key].is_string()) return std::nullopt;
  return parseRfc3339(r[key].get<std::string>());
}

// outages.by_class is keyed by the outage's class; a record without one counts as "unknown".
std::string classKey(const std::string& cls) { return cls.empty() ? "unknown" : cls; }

double overlapSeconds(WallTime a, WallTime b, WallTime from, WallTime to) {
  const WallTime lo = std::max(a, from), hi = std::min(b, to);
  return hi > lo ? toSeconds(hi - lo) : 0.0;
}

nlohmann::json distributionJson(const std::vector<double>& v) {
  auto d = distributionOf(v);
  if (!d) return nullptr;
  return {{"median", round2(d->median)},
          {"p10", round2(d->p10)},
          {"min", round2(d->min)},
          {"max", round2(d->max)},
          {"n", d->n}};
}

nlohmann::json medianJson(const std::vector<double>& v) {
  auto d = distributionOf(v);
  return d ? nlohmann::json(round2(d->median)) : nlohmann::json(nullptr);
}

}  // namespace

std::optional<Distribution> distributionOf(std::vector<double> v) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  Distribution d;
  d.n = v.size();
  d.min = v.front();
  d.max = v.back();
  const size_t n = v.size();
  d.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
  // Nearest rank: the ceil(0.1 n)-th smallest (1-based), computed in integers so that
  // n = 10, 20, ... do not suffer from 0.1 not being exact in binary.
  const size_t rank = std::max<size_t>(1, (n + 9) / 10);
  d.p10 = v[rank - 1];
  return d;
}

nlohmann::json summarizeDay(const std::vector<nlohmann::json>& records, const LocalDay& day,
                            WallTime until, const VerdictInputs& target) {
  until = std::clamp(until, day.start, day.end);
  const auto inDay = [&](WallTime t) { return t >= day.start && t < until; };

  int run = 0, failed = 0, counted = 0, deferred = 0, skipped = 0;
  std::vector<double> down_good, down_cap, up_good, up_cap, idle, loaded;
  uint64_t bytes = 0;
  double up_s = 0, down_s = 0, observed_s = 0, power_off_s = 0;
  std::map<std::string, std::pair<int, double>> by_class;  // class -> (count, seconds)
  std::set<WallTime> closed_starts;
  std::vector<record::OutageStartedEvent> started;

  for (const auto& r : records) {
    if (!r.is_object() || !r.contains("kind") || !r["kind"].is_string()) continue;
    const std::string kind = r["kind"].get<std::string>();
    const auto ts = timeField(r, "ts");
    if (kind == "throughput") {
      if (!ts || !inDay(*ts)) continue;
      ++run;
      const record::ThroughputRecord test = record::parseThroughputRecord(r);
      if (test.failed) ++failed;
      if (test.bytes_total) bytes += *test.bytes_total;
      if (!test.verdict || !test.verdict->counted) continue;
      ++counted;
      // Method "udp" records (issue 17) carry capacities only, where the method keeps them.
      // A direction that failed gives neither figure (its capacity used to be counted while
      // its goodput was not).
      for (auto [dir, good, cap] : {std::tuple{"download", &down_good, &down_cap},
                                    std::tuple{"upload", &up_good, &up_cap}}) {
        const record::DirectionFigures* d = test.direction(dir);
        if (d == nullptr || d->failed) continue;
        if (d->goodput_mbps) good->push_back(*d->goodput_mbps);
        if (d->ip_capacity_mbps) cap->push_back(*d->ip_capacity_mbps);
      }
      if (test.idle_latency_ms) idle.push_back(*test.idle_latency_ms);
      if (test.loaded_latency_ms) loaded.push_back(*test.loaded_latency_ms);
    } else if (kind == "event") {
      if (auto opened = record::parseOutageStartedEvent(r)) {
        started.push_back(*opened);
        continue;
      }
      const std::string ev = r.value("event", "");
      if (!ts || !inDay(*ts)) continue;
      if (ev == "test_deferred") ++deferred;
      if (ev == "test_skipped") ++skipped;
    } else if (kind == "availability") {
      const auto period = record::parseAvailabilityRecord(r);
      if (!period) continue;
      const double span = toSeconds(period->period_end - period->period_start);
      if (span <= 0) continue;
      const double inside =
          overlapSeconds(period->period_start, period->period_end, day.start, until);
      if (inside <= 0) continue;
      const double share = inside / span;
      up_s += share * period->up_s;
      down_s += share * period->down_s;
      observed_s += inside;
    } else if (kind == "outage") {
      const auto outage = record::parseOutageRecord(r);
      if (!outage) continue;
      closed_starts.insert(outage->start);
      const double secs = overlapSeconds(outage->start, outage->end, day.start, until);
      const bool touches = outage->start < until && outage->end >= day.start;
      if (!touches) continue;
      auto& c = by_class[classKey(outage->outage_class)];
      ++c.first;
      c.second += secs;
    } else if (kind == "power") {
      if (const auto off = record::parsePowerRecord(r))
        power_off_s += overlapSeconds(off->start, off->end, day.start, until);
    }
  }
  // Outages still open: started, never closed in the records we were given.
  for (const record::OutageStartedEvent& opened : started) {
    if (closed_starts.count(opened.start) || opened.start >= until) continue;
    auto& c = by_class[classKey(opened.outage_class)];
    ++c.first;
    c.second += overlapSeconds(opened.start, until, day.start, until);
  }

  const double day_s = toSeconds(until - day.start);
  observed_s = std::min(observed_s, day_s);
  const double coverage = day_s > 0 ? observed_s / day_s : 0.0;

  nlohmann::json outages = {{"count", 0}, {"seconds", 0.0}, {"by_class", nlohmann::json::object()}};
  int total_count = 0;
  double total_secs = 0;
  for (const auto& [cls, c] : by_class) {
    outages["by_class"][cls] = {{"count", c.first}, {"seconds", round2(c.second)}};
    total_count += c.first;
    total_secs += c.second;
  }
  outages["count"] = total_count;
  outages["seconds"] = round2(total_secs);

  nlohmann::json verdict = {{"basis", "median counted download ip_capacity_mbps"},
                            {"target_mbps", target.down_target_mbps},
                            {"tolerance_pct", target.tolerance_pct}};
  auto cap = distributionOf(down_cap);
  verdict["measured_mbps"] = cap ? nlohmann::json(round2(cap->median)) : nlohmann::json(nullptr);
  verdict["meets_target"] =
      cap ? nlohmann::json(cap->median >=
                           target.down_target_mbps * (1.0 - target.tolerance_pct / 100.0))
          : nlohmann::json(nullptr);

  return {
      {"date", day.date},
      {"day_start", formatRfc3339Utc(day.start)},
      {"day_end", formatRfc3339Utc(day.end)},
      {"until", formatRfc3339Utc(until)},
      {"complete", until >= day.end},
      {"tests",
       {{"run", run},
        {"counted", counted},
        {"failed", failed},
        {"deferred", deferred},
        {"skipped", skipped}}},
      {"download",
       {{"goodput_mbps", distributionJson(down_good)},
        {"ip_capacity_mbps", distributionJson(down_cap)}}},
      {"upload",
       {{"goodput_mbps", distributionJson(up_good)},
        {"ip_capacity_mbps", distributionJson(up_cap)}}},
      {"latency", {{"idle_ms_median", medianJson(idle)}, {"loaded_ms_median", medianJson(loaded)}}},
      {"uptime_pct", up_s + down_s > 0 ? nlohmann::json(round2(100.0 * up_s / (up_s + down_s)))
                                       : nlohmann::json(nullptr)},
      {"up_s", round2(up_s)},
      {"down_s", round2(down_s)},
      {"unknown_s", round2(std::max(0.0, day_s - observed_s))},
      {"coverage", round4(coverage)},
      {"partial", coverage < kPartialCoverage},
      {"outages", outages},
      {"power_off_s", round2(power_off_s)},
      {"bytes_tests", bytes},
      {"verdict", verdict},
      {"method",
       "figures over counted tests; median = mean of middle two; p10 = nearest rank "
       "ceil(0.1n); uptime over observed time only"},
  };
}

}  // namespace uplinkprobe::verdict
