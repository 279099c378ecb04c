// The help texts of `uplinkprobe` and its subcommands, one place, every line ≤ 80 columns
// (tests/integration/cli/output_width_test.cpp runs each). `uplinkprobe CMD --help` prints
// commandUsage(CMD) on stdout and exits 0; a usage error prints it on stderr and exits 64.
#pragma once

#include <string>

namespace uplinkprobe::cli {

// The --config default of every subcommand that reads a configuration.
inline constexpr const char* kDefaultConfigPath = "/etc/uplinkprobe/uplinkprobe.toml";

std::string mainUsage();
// "" for a command without its own text here (commission keeps its own).
std::string commandUsage(const std::string& command);
// Prints "uplinkprobe CMD: WHY" and the command's usage on stderr; returns 64.
int usageError(const std::string& command, const std::string& why);

}  // namespace uplinkprobe::cli
