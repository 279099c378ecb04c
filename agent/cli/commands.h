// One function per `uplinkprobe` subcommand; each returns the process exit code
// (common/exit_codes.h). main.cpp only dispatches.
#pragma once

#include <string>
#include <vector>

namespace uplinkprobe::cli {

using Args = std::vector<std::string>;

int testCommand(const Args& args);
int checkConfigCommand(const Args& args);
int exampleConfigCommand(const Args& args);
int commissionCommand(const Args& args);
int runCommand(const Args& args);
int recordsCommand(const Args& args);
int reportCommand(const Args& args);
int statusCommand(const Args& args);
int receiptCommand(const Args& args);

}  // namespace uplinkprobe::cli

namespace uplinkprobe::cli {
// The record kinds of the contract (docs/schema), for --kind checks.
std::vector<std::string> recordKinds();
}  // namespace uplinkprobe::cli
