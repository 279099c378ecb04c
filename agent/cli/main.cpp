// uplinkprobe: the school-link agent and the technician's CLI. Dispatch only; each command
// lives in its own file.
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>

#include "agent/cli/commands.h"
#include "agent/cli/exit_codes.h"
#include "common/version.h"

namespace {

constexpr const char* kUsage =
    "usage: uplinkprobe <command> [options]\n"
    "\n"
    "commands:\n"
    "  test [--config F] [--server URL] [--target MBPS] [--json]\n"
    "       [--download-only|--upload-only]   measure now, print the verdict\n"
    "  commission [--config F] [--yes] ...   set identity and broker, first test, receipt\n"
    "  run --config F                        the daemon (foreground, systemd Type=notify)\n"
    "  records --config F [--since SEQ] [--kind K] [--limit N] [--json]\n"
    "                                        the local journal, one record per line\n"
    "  report --config F [--days N] [--csv]  daily compliance table, open alerts, last tests\n"
    "  check-config --config F               validate a configuration file\n"
    "  example-config                        print the annotated default configuration\n"
    "  --version                             print the version\n"
    "\n"
    "exit codes: 0 ok, 1 measured below target, 2 error, 64 usage, 78 bad config\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace uplinkprobe::cli;
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::string cmd = argv[1];
  Args rest(argv + 2, argv + argc);
  if (cmd == "--version" || cmd == "version") {
    std::printf("uplinkprobe %s\n", uplinkprobe::kAgentVersion);
    return kExitOk;
  }
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(kUsage, stdout);
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
    std::fprintf(stderr, "uplinkprobe: unknown command \"%s\"\n\n%s", cmd.c_str(), kUsage);
    return kExitUsage;
  }
  return it->second(rest);
}
