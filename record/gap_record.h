// The typed `gap` record (docs/schema/gap.json): seqs of a journal that will never exist,
// announced by the journal itself so that a reader can tell "lost" from "not yet here". One
// struct, one serializer (toJson: the body, "kind" included, without the envelope), one
// tolerant parser; availability_records.h gives the rules they follow.
//
// Producer: journal::FileJournal. Readers: the CLI's record lines and the collector's store
// (the announced losses per journal).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace uplinkprobe::record {

struct GapRecord {
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  uint64_t count = 0;
  // "memory_queue_full" | "storage_full" | "torn_tail" | "not_found_on_open"
  std::string reason;

  nlohmann::json toJson() const;
};
// Needs kind "gap" and first_seq ≤ last_seq with a count of at least 1.
std::optional<GapRecord> parseGapRecord(const nlohmann::json& r);

}  // namespace uplinkprobe::record
