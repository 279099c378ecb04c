#include "agent/availability/period_stats.h"

#include <algorithm>
#include <cmath>

#include "common/time_format.h"

namespace uplinkprobe::availability {
namespace {

// Rounds to microsecond precision so records do not carry float noise.
double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

}  // namespace

RttSummary summarizeRtts(const std::vector<double>& rtts_ms) {
  RttSummary s;
  if (rtts_ms.empty()) return s;
  std::vector<double> sorted = rtts_ms;
  std::sort(sorted.begin(), sorted.end());
  size_t n = sorted.size();
  s.min_ms = sorted.front();
  s.median_ms = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
  size_t rank = static_cast<size_t>(std::ceil(0.95 * static_cast<double>(n)));
  s.p95_ms = sorted[std::clamp<size_t>(rank, 1, n) - 1];
  if (n >= 2) {
    double sum = 0;
    for (size_t i = 1; i < n; ++i) sum += std::fabs(rtts_ms[i] - rtts_ms[i - 1]);
    s.jitter_ms = sum / static_cast<double>(n - 1);
  }
  return s;
}

PeriodStats::PeriodStats(SteadyTime start, WallTime wall_start)
    : start_(start), wall_start_(wall_start) {}

void PeriodStats::addRound(const RoundResult& round) {
  for (const ProbeResult& p : round.probes) {
    auto it = targets_.find(p.target);
    if (it == targets_.end()) {
      if (targets_.size() >= kMaxTargets) {
        ++targets_dropped_;
        continue;
      }
      it = targets_.emplace(p.target, Target{}).first;
    }
    Target& t = it->second;
    ++t.probes;
    if (!p.ok) ++t.failed;
    if (p.rtt && t.rtts_ms.size() < kMaxSamplesPerTarget) {
      t.rtts_ms.push_back(static_cast<double>(p.rtt->count()) / 1000.0);
    }
  }
}

void PeriodStats::addDownInterval(SteadyTime from, SteadyTime to) {
  from = std::max(from, start_);
  if (to > from) down_ += to - from;
}

record::AvailabilityRecord PeriodStats::finish(SteadyTime end, WallTime wall_end,
                                               std::optional<SteadyTime> open_since) {
  if (open_since) addDownInterval(*open_since, end);
  auto period = std::max(std::chrono::nanoseconds(0), end - start_);
  auto down = std::min(down_, period);
  record::AvailabilityRecord rec;
  for (const auto& [name, t] : targets_) {
    record::TargetFigures f;
    f.probes = t.probes;
    f.failed = t.failed;
    f.loss_pct = t.probes ? round3(100.0 * t.failed / t.probes) : 0.0;
    if (!t.rtts_ms.empty()) {
      RttSummary s = summarizeRtts(t.rtts_ms);
      f.rtt = record::TargetFigures::Rtt{round3(s.min_ms), round3(s.median_ms), round3(s.p95_ms)};
      if (s.jitter_ms) f.jitter_ms = round3(*s.jitter_ms);
    }
    rec.targets[name] = f;
  }
  rec.period_start = wall_start_;
  rec.period_end = wall_end;
  rec.period_s = round3(toSeconds(period));
  rec.up_s = round3(toSeconds(period - down));
  rec.down_s = round3(toSeconds(down));
  rec.rounds = good_rounds_ + bad_rounds_;
  rec.good_rounds = good_rounds_;
  rec.targets_dropped = targets_dropped_;
  *this = PeriodStats(end, wall_end);
  return rec;
}

}  // namespace uplinkprobe::availability
