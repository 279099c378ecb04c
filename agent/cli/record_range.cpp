#include "agent/cli/record_range.h"

#include <cstdlib>

#include "agent/cli/i18n.h"
#include "agent/verdict/local_day.h"
#include "common/time_format.h"

namespace uplinkprobe::cli {
namespace {

Result<RecordBound> parseBound(const std::string& s, bool until) {
  RecordBound b;
  if (!s.empty() && s.size() <= 19 && s.find_first_not_of("0123456789") == std::string::npos) {
    b.seq = std::strtoull(s.c_str(), nullptr, 10);
    return b;
  }
  if (auto day = verdict::localDayFromDate(s)) {
    b.time = until ? day->end : day->start;
    return b;
  }
  if (auto t = parseRfc3339(s)) {
    b.time = *t;
    return b;
  }
  return makeError(ErrorKind::kUsage,
                   std::string(until ? "--until" : "--since") + " \"" + s + "\": " +
                       tr("expected a record seq (42), a date (2026-12-01) or a time "
                          "(2026-12-01T08:00:00Z)"));
}

}  // namespace

Result<RecordBound> parseSince(const std::string& text) { return parseBound(text, false); }
Result<RecordBound> parseUntil(const std::string& text) { return parseBound(text, true); }

bool RecordRange::contains(uint64_t seq, std::optional<WallTime> ts) const {
  if (since.seq && seq <= *since.seq) return false;
  if (until.seq && seq > *until.seq) return false;
  if (!hasTimeBound()) return true;
  if (!ts) return false;
  if (since.time && *ts < *since.time) return false;
  if (until.time && *ts >= *until.time) return false;
  return true;
}

}  // namespace uplinkprobe::cli
