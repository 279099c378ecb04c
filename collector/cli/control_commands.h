// `uplinkprobe-collector keygen` and `uplinkprobe-collector command` (docs/control.md).
// Registered in collector/cli/main.cpp; each returns the process exit code
// (0 ok, 2 error, 64 usage, 78 bad config).
#pragma once

#include <string>
#include <vector>

namespace uplinkprobe::collector::control {

// keygen --out DIR
int keygenCommand(const std::vector<std::string>& args);
// command --config F --key PRIVATE.pem (--device D | --school S | --county C)
//         [--expires-in MIN] [--wait S] VERB [name=value …]
int commandCommand(const std::vector<std::string>& args);
// command-log --config F [--limit N]: the audit log (collector/control/command_log.h).
int commandLogCommand(const std::vector<std::string>& args);

}  // namespace uplinkprobe::collector::control
