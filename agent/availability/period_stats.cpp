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

nlohmann::json PeriodStats::finish(SteadyTime end, WallTime wall_end,
                                   std::optional<SteadyTime> open_since) {
  if (open_since) addDownInterval(*open_since, end);
  auto period = std::max(std::chrono::nanoseconds(0), end - start_);
  auto down = std::min(down_, period);
  nlohmann::json targets = nlohmann::json::object();
  for (const auto& [name, t] : targets_) {
    nlohmann::json j = {{"probes", t.probes},
                        {"failed", t.failed},
                        {"loss_pct", t.probes ? round3(100.0 * t.failed / t.probes) : 0.0}};
    if (t.rtts_ms.empty()) {
      j["rtt_ms"] = nullptr;
      j["jitter_ms"] = nullptr;
    } else {
      RttSummary s = summarizeRtts(t.rtts_ms);
      j["rtt_ms"] = {
          {"min", round3(s.min_ms)}, {"median", round3(s.median_ms)}, {"p95", round3(s.p95_ms)}};
      j["jitter_ms"] = s.jitter_ms ? nlohmann::json(round3(*s.jitter_ms)) : nlohmann::json();
    }
    targets[name] = std::move(j);
  }
  nlohmann::json record = {{"kind", "availability"},
                           {"period_start", formatRfc3339Utc(wall_start_)},
                           {"period_end", formatRfc3339Utc(wall_end)},
                           {"period_s", round3(toSeconds(period))},
                           {"up_s", round3(toSeconds(period - down))},
                           {"down_s", round3(toSeconds(down))},
                           {"rounds", good_rounds_ + bad_rounds_},
                           {"good_rounds", good_rounds_},
                           {"targets", targets},
                           {"targets_dropped", targets_dropped_}};
  *this = PeriodStats(end, wall_end);
  return record;
}

}  // namespace uplinkprobe::availability
