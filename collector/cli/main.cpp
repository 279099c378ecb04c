// uplinkprobe-collector: the central service that stores every school's evidence and keeps
// the ledger. Dispatch only; each command lives in its own file.
#include <cstdio>
#include <functional>
#include <map>
#include <string>

#include "collector/cli/args.h"
#include "collector/cli/commands.h"
#include "collector/cli/control_commands.h"
#include "common/version.h"

namespace {

constexpr const char* kUsage =
    "usage: uplinkprobe-collector <command> [options]\n"
    "\n"
    "commands:\n"
    "  run --config F                     the service (foreground, systemd Type=notify)\n"
    "  check-config --config F            validate a configuration file\n"
    "  example-config                     print the annotated default configuration\n"
    "  import-schools --config F FILE     import the department's school sheet (.csv/.xlsx)\n"
    "  ledger --config F [--by province|city|county|carrier|school] [--days N]\n"
    "         [--format table|csv|xlsx|json] [--out FILE]\n"
    "                                     the ledger of schools (default: by county, table)\n"
    "  user add|passwd|del|list|token ... --config F\n"
    "                                     people of the web UI and API (`user` for details)\n"
    "  keygen --out DIR                   Ed25519 key pair for signed remote commands\n"
    "  command --config F --key PEM (--device D | --school S | --county C) VERB [name=value...]\n"
    "                                     sign and publish a remote command (docs/control.md)\n"
    "  command-log --config F [--limit N] audit log of remote commands and their answers\n"
    "  --version                          print the version\n"
    "\n"
    "exit codes: 0 ok, 2 error, 64 usage, 78 bad config\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace uplinkprobe;
  using namespace uplinkprobe::collector::cli;
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::string cmd = argv[1];
  Argv rest(argv + 2, argv + argc);
  if (cmd == "--version" || cmd == "version") {
    std::printf("uplinkprobe-collector %s\n", uplinkprobe::kAgentVersion);
    return kExitOk;
  }
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  const std::map<std::string, std::function<int(const Argv&)>> commands = {
      {"run", runCommand},
      {"check-config", checkConfigCommand},
      {"example-config", exampleConfigCommand},
      {"import-schools", importSchoolsCommand},
      {"ledger", ledgerCommand},
      {"user", userCommand},
      {"keygen", uplinkprobe::collector::control::keygenCommand},
      {"command", uplinkprobe::collector::control::commandCommand},
      {"command-log", uplinkprobe::collector::control::commandLogCommand},
  };
  auto it = commands.find(cmd);
  if (it == commands.end()) {
    std::fprintf(stderr, "uplinkprobe-collector: unknown command \"%s\"\n\n%s", cmd.c_str(),
                 kUsage);
    return kExitUsage;
  }
  return it->second(rest);
}
