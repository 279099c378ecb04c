// Human summary of a throughput record for the technician (80 columns), and the exit code
// its verdict implies. Pure functions of the record, so they are unit-tested.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace uplinkprobe::cli {

std::string formatTestSummary(const nlohmann::json& record);
// kExitError when the test failed, kExitBelowTarget when judged below target, else kExitOk.
int exitCodeForRecord(const nlohmann::json& record);

}  // namespace uplinkprobe::cli
