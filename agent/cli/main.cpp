// uplinkprobe: the school-link agent and the technician's CLI. Dispatch only; each command
// lives in its own file, its help text in usage_text.cpp.
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>

#include "agent/cli/commands.h"
#include "agent/cli/exit_codes.h"
#include "agent/cli/usage_text.h"
#include "common/version.h"

int main(int argc, char** argv) {
  using namespace uplinkprobe::cli;
  if (argc < 2) {
    std::fputs(mainUsage().c_str(), stderr);
    return kExitUsage;
  }
  const std::string cmd = argv[1];
  Args rest(argv + 2, argv + argc);
  if (cmd == "--version" || cmd == "version") {
    std::printf("uplinkprobe %s\n", uplinkprobe::kAgentVersion);
    return kExitOk;
  }
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(mainUsage().c_str(), stdout);
    return kExitOk;
  }
  const std::map<std::string, std::function<int(const Args&)>> commands = {
      {"test", testCommand},
      {"check-config", checkConfigCommand},
      {"example-config", exampleConfigCommand},
      {"run", runCommand},
      {"records", recordsCommand},
      {"report", reportCommand},
      {"commission", commissionCommand},
  };
  auto it = commands.find(cmd);
  if (it == commands.end()) {
    std::fprintf(stderr, "uplinkprobe: unknown command \"%s\"\n\n%s", cmd.c_str(),
                 mainUsage().c_str());
    return kExitUsage;
  }
  // Every subcommand answers --help (exit 0); commission prints its own, longer text.
  const std::string own_usage = commandUsage(cmd);
  if (!own_usage.empty())
    for (const auto& a : rest)
      if (a == "--help" || a == "-h") {
        std::fputs(own_usage.c_str(), stdout);
        return kExitOk;
      }
  return it->second(rest);
}
