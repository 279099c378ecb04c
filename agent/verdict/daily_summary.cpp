#include "agent/verdict/daily_summary.h"

#include <algorithm>
#include <cmath>
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

// Figures in the record carry two decimals.
std::optional<Distribution> rounded(const std::vector<double>& v) {
  auto d = distributionOf(v);
  if (!d) return std::nullopt;
  return Distribution{round2(d->median), round2(d->p10), round2(d->min), round2(d->max), d->n};
}

std::optional<double> roundedMedian(const std::vector<double>& v) {
  auto d = distributionOf(v);
  return d ? std::optional<double>(round2(d->median)) : std::nullopt;
}

}  // namespace

std::optional<Distribution> distributionOf(std::vector<double> v) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  Distribution d;
  d.n = static_cast<int64_t>(v.size());
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

record::DailyRecord summarizeDay(const std::vector<nlohmann::json>& records, const LocalDay& day,
                                 WallTime until, const VerdictInputs& target) {
  until = std::clamp(until, day.start, day.end);
  const auto inDay = [&](WallTime t) { return t >= day.start && t < until; };

  int run = 0, failed = 0, counted = 0, deferred = 0, skipped = 0;
  std::vector<double> down_good, down_cap, up_good, up_cap, idle, loaded;
  uint64_t bytes = 0;
  double up_s = 0, down_s = 0, observed_s = 0, power_off_s = 0;
  record::DailyRecord d;  // outages_by_class accumulates here; the rest is set at the end
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
      auto& c = d.outages_by_class[classKey(outage->outage_class)];
      ++c.count;
      c.seconds += secs;
    } else if (kind == "power") {
      if (const auto off = record::parsePowerRecord(r))
        power_off_s += overlapSeconds(off->start, off->end, day.start, until);
    }
  }
  // Outages still open: started, never closed in the records we were given.
  for (const record::OutageStartedEvent& opened : started) {
    if (closed_starts.count(opened.start) || opened.start >= until) continue;
    auto& c = d.outages_by_class[classKey(opened.outage_class)];
    ++c.count;
    c.seconds += overlapSeconds(opened.start, until, day.start, until);
  }

  const double day_s = toSeconds(until - day.start);
  observed_s = std::min(observed_s, day_s);
  const double coverage = day_s > 0 ? observed_s / day_s : 0.0;

  for (auto& [cls, c] : d.outages_by_class) {
    d.outages.count += c.count;
    d.outages.seconds += c.seconds;
    c.seconds = round2(c.seconds);
  }
  d.outages.seconds = round2(d.outages.seconds);

  d.verdict.target_mbps = target.down_target_mbps;
  d.verdict.tolerance_pct = target.tolerance_pct;
  if (auto cap = distributionOf(down_cap)) {
    d.verdict.measured_mbps = round2(cap->median);
    d.verdict.meets_target =
        cap->median >= target.down_target_mbps * (1.0 - target.tolerance_pct / 100.0);
  }

  d.date = day.date;
  d.day_start = day.start;
  d.day_end = day.end;
  d.until = until;
  d.complete = until >= day.end;
  d.tests = {run, counted, failed, deferred, skipped};
  d.download = {rounded(down_good), rounded(down_cap)};
  d.upload = {rounded(up_good), rounded(up_cap)};
  d.idle_ms_median = roundedMedian(idle);
  d.loaded_ms_median = roundedMedian(loaded);
  if (up_s + down_s > 0) d.uptime_pct = round2(100.0 * up_s / (up_s + down_s));
  d.up_s = round2(up_s);
  d.down_s = round2(down_s);
  d.unknown_s = round2(std::max(0.0, day_s - observed_s));
  d.coverage = round4(coverage);
  d.partial = coverage < kPartialCoverage;
  d.power_off_s = round2(power_off_s);
  d.bytes_tests = bytes;
  return d;
}

}  // namespace uplinkprobe::verdict
