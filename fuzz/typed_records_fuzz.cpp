// libFuzzer harness for the typed record parsers (record/*_record*.h, command_answer.h): a
// JSON document as an agent, a broker or an attacker could deliver it to the collector's
// store, its notifications or the CLI. Invariants: no crash/UB/throw; whatever a parser
// reads, its serializer writes, and reading that back gives the same text again (the
// serializer and the parser agree on every value the parser can produce).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "record/alert_records.h"
#include "record/availability_records.h"
#include "record/command_answer.h"
#include "record/daily_record.h"
#include "record/gap_record.h"
#include "record/status_record.h"
#include "record/throughput_record.h"

using namespace uplinkprobe::record;

namespace {

// parse → toJson → parse → toJson: the two texts must be equal.
template <typename Parse>
void roundTrip(const nlohmann::json& j, Parse parse) {
  const auto first = parse(j);
  if (!first) return;
  const nlohmann::json written = first->toJson();
  const auto again = parse(written);
  if (!again || again->toJson() != written) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) return 0;
  roundTrip(j, parseAvailabilityRecord);
  roundTrip(j, parseOutageRecord);
  roundTrip(j, parseOutageStartedEvent);
  roundTrip(j, parsePowerRecord);
  roundTrip(j, parseDailyRecord);
  roundTrip(j, parseAlertRecord);
  roundTrip(j, parseAlertState);
  roundTrip(j, parseGapRecord);
  roundTrip(j, parseStatusRecord);
  roundTrip(j, parseCommandAnswer);
  const ThroughputRecord t = parseThroughputRecord(j);  // read by every table: never throws
  (void)t.capacity("download");
  return 0;
}
