// The commissioning receipt a school and a county keep: pure (inputs in, text out), every
// line ≤ 80 columns, labels and verdict in the chosen language (i18n.h), numbers through
// display_format.h, the verdict through verdict_words.h. Values that name things (school,
// broker URI, journal path) are printed as given.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "agent/config/config.h"

namespace uplinkprobe::cli {

struct ReceiptInput {
  const config::Config* cfg = nullptr;
  nlohmann::json record;  // the commissioning throughput record (with its verdict)
  std::string agent_version;
  std::string broker_line;   // what happened at the broker
  std::string journal_line;  // "<dir> seq A-B", empty when not written
  std::string service_line;  // what happened to the service
};

std::string formatReceipt(const ReceiptInput& in);

}  // namespace uplinkprobe::cli
