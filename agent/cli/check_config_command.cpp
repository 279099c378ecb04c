#include <fmt/format.h>

#include <cstdio>

#include "agent/cli/arg_parser.h"
#include "agent/cli/command_config.h"
#include "agent/cli/commands.h"
#include "agent/cli/display_format.h"
#include "agent/cli/i18n.h"
#include "agent/cli/message_words.h"
#include "agent/cli/usage_text.h"
#include "agent/config/config_loader.h"
#include "agent/config/schema.h"
#include "agent/daemon/config_validation.h"
#include "common/exit_codes.h"

namespace uplinkprobe::cli {

int checkConfigCommand(const Args& args) {
  auto parsed = parseArgs(args, {}, {"--config"});
  if (!parsed) return usageError("check-config", parsed.error().message);
  const std::string path = parsed->getOr("--config", kDefaultConfigPath);
  auto cfg = loadCommandConfig(path, config::Purpose::kRun);
  if (!cfg) return kExitBadConfig;
  // Exactly the checks `run` and a reload make (daemon::validate), every problem listed.
  auto v = daemon::validate(*cfg);
  for (const auto& w : v.warnings)
    std::fputs(wrapMessage(tr("warning: ") + personMessage(w)).c_str(), stderr);
  for (const auto& e : v.errors) std::fputs(wrapMessage(personMessage(e)).c_str(), stderr);
  if (!v.ok()) return kExitBadConfig;
  std::fputs(
      wrapMessage(fmt::format(fmt::runtime(tr("{}: OK (device {}, school {}, {} server(s), "
                                              "target {} down, config {})")),
                              path, cfg->identity.device_id, cfg->identity.school_id,
                              cfg->servers.size(), formatRate(cfg->target.effectiveDownMbps()),
                              config::configHash(*cfg)))
          .c_str(),
      stdout);
  return kExitOk;
}

int exampleConfigCommand(const Args& args) {
  if (!args.empty()) {
    return usageError("example-config", "takes no arguments");
  }
  std::fputs(config::exampleConfig().c_str(), stdout);
  return kExitOk;
}

}  // namespace uplinkprobe::cli
