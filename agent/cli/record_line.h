// One human line per record for `uplinkprobe records` (80 columns where possible):
// "seq  local time  kind  what happened".
#pragma once

#include <string>

namespace uplinkprobe::cli {
std::string formatRecordLine(const std::string& record_json);
}  // namespace uplinkprobe::cli
