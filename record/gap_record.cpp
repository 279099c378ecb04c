#include "record/gap_record.h"

#include "record/json_read.h"

namespace uplinkprobe::record {

using namespace json_read;  // the tolerant member reads (record/json_read.h)

nlohmann::json GapRecord::toJson() const {
  return {{"kind", "gap"},
          {"first_seq", first_seq},
          {"last_seq", last_seq},
          {"count", count},
          {"reason", reason}};
}

std::optional<GapRecord> parseGapRecord(const nlohmann::json& r) {
  if (text(r, "kind") != "gap") return std::nullopt;
  const auto first = json_read::count(r, "first_seq"), last = json_read::count(r, "last_seq");
  const auto n = json_read::count(r, "count");
  if (!first || !last || !n || *first > *last || *n < 1) return std::nullopt;
  return GapRecord{static_cast<uint64_t>(*first), static_cast<uint64_t>(*last),
                   static_cast<uint64_t>(*n), text(r, "reason")};
}

}  // namespace uplinkprobe::record
