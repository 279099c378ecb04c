// Human summary of a throughput record for the technician (80 columns), and the exit code
// its verdict implies. Pure functions of the record, so they are unit-tested. Numbers go
// through display_format.h (unknown is "—"), verdict words through verdict_words.h.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace uplinkprobe::cli {

// A method "udp" record (OB-UDPST) gets the UDP figures: IP capacity, loss, sub-intervals.
std::string formatTestSummary(const nlohmann::json& record);
// 2 when the test failed, 130 when cancelled, 1 when any judged direction is below its
// target, else 0 (verdict_words.h exitCodeFor).
int exitCodeForRecord(const nlohmann::json& record);

}  // namespace uplinkprobe::cli
