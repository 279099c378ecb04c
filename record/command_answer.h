// The typed answer to a signed remote command: the `event` records "command_done" and
// "command_refused" (docs/schema/event.json, docs/control.md). It is the one contract
// between a probe that carries out a command and the collector that issued it, so both
// sides use this struct: one serializer (toJson: the body, "kind" and "event" included,
// without the envelope) and one tolerant parser; availability_records.h gives the rules
// they follow.
//
// Producer: control::CommandController. Readers: the collector's command log (each device's
// outcome on the web page and in `uplinkprobe-collector command status`) and `command send`,
// which prints the answers as they arrive.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace uplinkprobe::record {

// event.json "detail": maxLength 512. Cut at a character boundary, never inside one.
inline constexpr size_t kMaxAnswerDetail = 512;

struct CommandAnswer {
  bool done = false;  // "command_done"; false: "command_refused"
  // The command answered; "" (and issuer_seq 0) when its payload could not be read at all.
  std::string command_id;
  std::string verb;
  std::string key_id;
  uint64_t issuer_seq = 0;
  // command_refused only.
  std::string reason;       // control::Refusal's name, e.g. "replayed", "rate_limited"
  std::string detail;       // why, for a person
  uint64_t suppressed = 0;  // refusals not journaled since the previous one (flood bound)
  // command_done only: the verb's own fields (run_test: record_id; report_config: config).
  nlohmann::json result = nlohmann::json::object();

  nlohmann::json toJson() const;
  std::string eventName() const { return done ? "command_done" : "command_refused"; }
};
// Needs kind "event" (when the record names its kind) and event command_done or
// command_refused.
std::optional<CommandAnswer> parseCommandAnswer(const nlohmann::json& r);

}  // namespace uplinkprobe::record
