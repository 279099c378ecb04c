// `--since` / `--until` of `records` and `report`: a record seq, a local date or a time.
//
// - digits only: a seq. --since N selects records with seq > N (records after N, as the
//   delivery pointer counts); --until N selects seq <= N.
// - YYYY-MM-DD: a local day in the school's zone (useTimeZone first). --since selects from
//   its local midnight, --until to its end (the whole day is included).
// - RFC 3339 (2026-12-01T08:00:00Z, +08:00 offsets): that instant; --since inclusive,
//   --until exclusive.
// Anything else is a usage error naming the three forms.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/result.h"

namespace uplinkprobe::cli {

struct RecordBound {
  std::optional<uint64_t> seq;
  std::optional<WallTime> time;
};

Result<RecordBound> parseSince(const std::string& text);
Result<RecordBound> parseUntil(const std::string& text);

struct RecordRange {
  RecordBound since, until;
  // Whether a record with this seq and ts (nullopt = unreadable ts) is inside. A record
  // without a readable ts is inside only when the range has no time bound.
  bool contains(uint64_t seq, std::optional<WallTime> ts) const;
  bool hasTimeBound() const { return since.time || until.time; }
};

}  // namespace uplinkprobe::cli
