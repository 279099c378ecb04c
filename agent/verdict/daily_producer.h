// Produces the `daily` records the journal still lacks, for the daemon. Reads the journal,
// writes nothing: the caller journals the returned bodies as kind "daily".
//
// Timing: a day is summarised `settle` after its local midnight, so that the availability
// period and outages crossing midnight (journaled up to a report period later) are in.
// poll() is cheap between checks (one comparison); at a check it reads the journal once
// (paged, at most kMaxDailyRecords records kept) — once a day, plus once at start.
// The journal is the only state: after a restart, the last `daily` record in it says which
// days are done (catch-up bounded by kMaxDailyCatchUp days).
#pragma once

#include <chrono>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/journal/journal.h"
#include "agent/verdict/throughput_verdict.h"
#include "common/clock.h"

namespace uplinkprobe::verdict {

inline constexpr size_t kMaxDailyRecords = 200000;

class DailyProducer {
 public:
  explicit DailyProducer(std::chrono::seconds settle = std::chrono::minutes(6)) : settle_(settle) {}

  // Bodies of the daily records due at `now`, oldest day first (usually none).
  std::vector<nlohmann::json> poll(const journal::Journal& journal, WallTime now,
                                   const VerdictInputs& target);

 private:
  std::chrono::seconds settle_;
  bool checked_ = false;
  WallTime next_check_{};
};

}  // namespace uplinkprobe::verdict
