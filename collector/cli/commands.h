// The subcommands of uplinkprobe-collector; each returns the process exit code
// (0 ok, 2 error, 64 usage, 78 bad config).
#pragma once

#include <string>
#include <vector>

namespace uplinkprobe::collector::cli {

using Argv = std::vector<std::string>;

int runCommand(const Argv& args);
int checkConfigCommand(const Argv& args);
int exampleConfigCommand(const Argv& args);
int importSchoolsCommand(const Argv& args);
int ledgerCommand(const Argv& args);
int userCommand(const Argv& args);

}  // namespace uplinkprobe::collector::cli
