// set_schedule / set_target as edits of the remote overrides file `{storage.dir}/remote.toml`
// (agent/config/remote_overrides.h: why the root-owned config file is never written by the
// service), which every config load lays over the config file, so a restart keeps the change.
// Edited line by line (agent/config/toml_edit.h), the resulting configuration validated as
// `check-config` loads it before anything is written, saved with the previous overrides as
// remote.toml.bak, then applied like SIGHUP by the caller. An invalid change is refused whole:
// nothing is written.
#pragma once

#include <functional>
#include <string>

#include "agent/config/config.h"
#include "agent/control/verbs.h"
#include "common/result.h"

namespace uplinkprobe::control {

// Pure: the edited text. Error kind "invalid_arguments" (e.g. windows spans several lines
// in the file and cannot be rewritten safely).
Result<std::string> editConfigText(const std::string& text, const SetSchedule& s);
Result<std::string> editConfigText(const std::string& text, const SetTarget& t);

// Reads the config file `config_path` and its overrides, applies `edit` to the overrides'
// text, validates the configuration they make (kind "invalid_arguments" with the loader's
// message if it fails), then writes remote.toml.bak (the previous overrides, when there were
// any) and remote.toml, atomically, mode 0640. Returns the new configuration. Kind "io" for
// I/O errors. The config file itself is only read.
Result<config::Config> applyRemoteEdit(
    const std::string& config_path,
    const std::function<Result<std::string>(const std::string&)>& edit);

}  // namespace uplinkprobe::control
