#include <cstdio>

#include "collector/cli/args.h"
#include "collector/cli/commands.h"
#include "collector/cli/common_setup.h"
#include "collector/config/config_loader.h"

namespace uplinkprobe::collector::cli {

int checkConfigCommand(const Argv& argv) {
  auto args = parseArgs(argv, {}, {"--config"}, 0);
  if (!args) {
    std::fprintf(stderr, "uplinkprobe-collector check-config: %s\n", args.error().message.c_str());
    return kExitUsage;
  }
  int code = kExitOk;
  auto c = loadConfigOrReport(*args, code);
  if (!c) return code;
  std::printf("%s: ok\n", c->source_path.c_str());
  if (c->http.allow_remote)
    std::fprintf(stderr,
                 "warning: [http] allow_remote = true: the API (no access control yet) may "
                 "listen beyond loopback\n");
  return kExitOk;
}

int exampleConfigCommand(const Argv& argv) {
  auto args = parseArgs(argv, {}, {}, 0);
  if (!args) {
    std::fprintf(stderr, "uplinkprobe-collector example-config: %s\n",
                 args.error().message.c_str());
    return kExitUsage;
  }
  std::fputs(config::exampleConfig().c_str(), stdout);
  return kExitOk;
}

}  // namespace uplinkprobe::collector::cli
