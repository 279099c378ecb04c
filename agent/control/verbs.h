// The fixed verbs a probe obeys, as typed values (arguments checked once, here). There is
// deliberately no verb that runs a program, names a URL, reads or writes a file other than
// the config, or touches [control]: a stolen broker password gets nothing, a stolen signing
// key gets at most tests against the configured servers and schedule/target edits.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "agent/config/config.h"
#include "common/result.h"

namespace uplinkprobe::control {

// run_test {"direction": "both"|"download"|"upload", "server": "<[[servers]] name>",
//           "method": "tcp"|"udp"}
// One command is one test and one record. The method is the one asked; without it, the
// named server's (kind "udpst" is UDP), else the one [target] method's verdict leans on
// ("udp" → UDP; "tcp" and "both" → TCP).
struct RunTest {
  bool download = true;
  bool upload = true;
  std::string server;  // "" = the configured servers of the method, in order
  bool udp = false;
};
// set_schedule {"tests_per_day": 0..96, "windows": ["HH:MM-HH:MM", …]} (at least one)
struct SetSchedule {
  std::optional<int> tests_per_day;
  std::optional<std::vector<std::string>> windows;
};
// set_target {"floor_down_mbps", "contracted_down_mbps", "contracted_up_mbps",
// "tolerance_pct"}: integers (at least one)
struct SetTarget {
  std::optional<int64_t> floor_down_mbps;
  std::optional<int64_t> contracted_down_mbps;
  std::optional<int64_t> contracted_up_mbps;
  std::optional<int64_t> tolerance_pct;
};
struct Reload {};        // {} — re-read the config file, like SIGHUP
struct ReportConfig {};  // {} — answer with the effective config, secrets left out

using Command = std::variant<RunTest, SetSchedule, SetTarget, Reload, ReportConfig>;

// Error kind "unknown_verb" or "invalid_arguments" (message says which member and why).
// `cfg` is the running configuration (server names).
Result<Command> parseVerb(const std::string& verb, const nlohmann::json& args,
                          const config::Config& cfg);

// The effective configuration without secrets or credential paths (report_config).
nlohmann::json reportableConfig(const config::Config& cfg);

}  // namespace uplinkprobe::control
