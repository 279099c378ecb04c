// What the web UI may ask of remote control (docs/control.md): "test now" on a school page,
// and the school's recent commands with each probe's answer. An interface so that the pages
// are tested without a broker; the collector wires the real one (collector/cli/http_parts.cpp)
// only when [control] key_file is set — otherwise the button is not offered.
#pragma once

#include <string>
#include <vector>

#include "collector/control/command_log.h"
#include "common/result.h"

namespace uplinkprobe::collector::web {

class RemoteCommands {
 public:
  virtual ~RemoteCommands() = default;
  // Signs and publishes run_test to every device of the school the collector has seen,
  // audit-logged as issued by `user` via web. Returns the command id. Error kinds: "target"
  // (no device seen), "mqtt", "key", "db".
  virtual Result<std::string> testNow(const std::string& school_id, const std::string& user) = 0;
  // The school's newest commands (at most `limit`), newest first, with the answers.
  virtual Result<std::vector<control::LoggedCommand>> recent(const std::string& school_id,
                                                             int limit) = 0;
};

}  // namespace uplinkprobe::collector::web
