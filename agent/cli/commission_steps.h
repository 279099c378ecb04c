// The deciding steps of `uplinkprobe commission`, apart from the terminal, the network and
// the files, so that each is unit-tested (tests/unit/cli/commission_steps_test.cpp):
//   1. resolveSettings: each field's value from its flag, else — interactive — from the
//      technician's answer (a bad answer is asked again with the reason, at most kMaxAsks
//      times; the example's placeholder identity is never offered as the default), else
//      the config's current value; then the example's placeholder identity is refused;
//   3. editConfigText: the values, the trusted keys and the password file written into the
//      config's text line by line (comments kept); every edit is checked, none aborts.
// commission_command.cpp wires them with the prompts, the password file, the broker and
// test step, the receipt and systemctl.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/cli/arg_parser.h"
#include "agent/config/config.h"
#include "common/result.h"

namespace uplinkprobe::cli {

inline constexpr int kMaxAsks = 5;

// One setting the technician provides: flag, where it lives in the config, prompt text
// (a msgid: translated where it is shown), whether it is a rate in Mbps.
struct CommissionField {
  const char* flag;
  const char* section;
  const char* key;
  const char* prompt;
  bool number;
};
// In the order they are asked: the device id first (it is on the box's label).
const std::vector<CommissionField>& commissionFields();

// A rate in Mbps, 0..100000; nullopt for anything else ("fast", "", "-1", "1e9").
std::optional<double> parseMbps(const std::string& s);
// "100", "0.5": how a number is written back into the config.
std::string formatMbps(double v);
// The config's current value of a field's key, as text.
std::string currentValue(const config::Config& c, const std::string& key);
// Why an interactive answer cannot be taken, in the technician's language ("" = it can).
std::string answerProblem(const CommissionField& f, const std::string& answer,
                          const config::Config* example);

// Asks one question (prompt already translated) with its default; nullopt when input ended
// (*error empty) or the answer could not be read (*error says why).
using AskFn = std::function<std::optional<std::string>(const std::string& prompt,
                                                       const std::string& def, std::string* error)>;
// Tells the technician why an answer was refused.
using TellFn = std::function<void(const std::string& why)>;

// key -> value for every field. Errors (kind "usage", nothing may be written then): input
// ended, too many invalid answers, a flag that is not a rate, the example's placeholder.
Result<std::map<std::string, std::string>> resolveSettings(const ParsedArgs& args,
                                                           const config::Config& current,
                                                           const config::Config* example,
                                                           bool interactive, const AskFn& ask,
                                                           const TellFn& tell);

struct ConfigEdits {
  std::map<std::string, std::string> values;  // from resolveSettings
  // The whole [control] trusted_keys list when a key is added; nullopt = unchanged.
  std::optional<std::vector<std::string>> trusted_keys;
  // [mqtt] password_file: a path, "" to clear it, nullopt = unchanged.
  std::optional<std::string> password_file;
};
// The config's text with the edits applied (a [[servers]] url given here is kind
// "librespeed"). Error kind "config" naming the key an edit could not make.
Result<std::string> editConfigText(const std::string& text, const ConfigEdits& edits);

}  // namespace uplinkprobe::cli
