// Which local days still need a `daily` record. Pure.
//
// Days strictly before today's local day, after the last day already summarised, and not
// before the day of the journal's first record (no summaries of days before the agent
// existed). Catch-up is bounded: at most `max_days` days, the most recent ones (an agent
// switched off for a month summarises the last week it can, not thirty empty days).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/verdict/local_day.h"
#include "common/clock.h"

namespace uplinkprobe::verdict {

inline constexpr int kMaxDailyCatchUp = 7;

// last_daily_date: "date" of the newest daily record, if any. first_record: ts of the
// journal's oldest record, if any (none -> nothing is due). Oldest due day first.
std::vector<LocalDay> daysDue(const std::optional<std::string>& last_daily_date,
                              std::optional<WallTime> first_record, WallTime now,
                              int max_days = kMaxDailyCatchUp);

// When to look again: the next local midnight after now.
WallTime nextDailyCheck(WallTime now);

}  // namespace uplinkprobe::verdict
