// set_schedule / set_target as config edits: the running config FILE is the single source
// of truth (a restart keeps the change), edited line by line so comments survive
// (agent/config/toml_edit.h), validated exactly as `check-config` does before anything is
// written, saved with the previous text as <config>.bak, then applied like SIGHUP by the
// caller. An invalid change is refused whole: the file is untouched.
#pragma once

#include <string>

#include "agent/config/config.h"
#include "agent/control/verbs.h"
#include "common/result.h"

namespace uplinkprobe::control {

// Pure: the edited text. Error kind "invalid_arguments" (e.g. windows spans several lines
// in the file and cannot be rewritten safely).
Result<std::string> editConfigText(const std::string& text, const SetSchedule& s);
Result<std::string> editConfigText(const std::string& text, const SetTarget& t);

// Reads `path`, applies `edit`, validates the result (kind "invalid_arguments" with the
// validator's message if it fails), then writes `path`.bak (previous text) and `path`, both
// atomically with the file's mode. Returns the new configuration. Kind "io" for I/O errors.
Result<config::Config> applyConfigEdit(
    const std::string& path, const std::function<Result<std::string>(const std::string&)>& edit);

}  // namespace uplinkprobe::control
