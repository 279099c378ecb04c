// `uplinkprobe run --config F`: the daemon in the foreground (systemd Type=notify).
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>

#include "agent/cli/arg_parser.h"
#include "agent/cli/commands.h"
#include "agent/cli/display_format.h"
#include "agent/cli/usage_text.h"
#include "agent/config/config_loader.h"
#include "agent/daemon/config_validation.h"
#include "agent/daemon/daemon.h"
#include "common/exit_codes.h"
#include "common/time_format.h"

namespace uplinkprobe::cli {

void setupDaemonLogging() {
  auto logger = spdlog::stderr_logger_mt("uplinkprobe");
  // Under systemd, journald stamps time and unit itself; "<N>" prefixes map levels to
  // syslog priorities (sd-daemon(3)).
  if (std::getenv("JOURNAL_STREAM"))
    logger->set_pattern("%v");
  else
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  spdlog::set_default_logger(logger);
  spdlog::flush_on(spdlog::level::info);
}

int runCommand(const Args& args) {
  auto parsed = parseArgs(args, {}, {"--config"});
  if (!parsed) return usageError("run", parsed.error().message);
  const std::string path = parsed->getOr("--config", kDefaultConfigPath);
  auto cfg = config::loadConfigFile(path, config::Purpose::kRun);
  if (!cfg) {
    std::fputs(wrapMessage(cfg.error().message).c_str(), stderr);
    return kExitBadConfig;
  }
  // The same checks as check-config: a config it accepts starts, one it refuses does not.
  auto v = daemon::validate(*cfg);
  for (const auto& e : v.errors) std::fputs(wrapMessage(e).c_str(), stderr);
  if (!v.ok()) return kExitBadConfig;
  // Log lines show the school's local time with its offset from the first line on (the
  // daemon sets the same zone again; records stay UTC).
  useTimeZone(cfg->schedule.timezone);
  setupDaemonLogging();
  daemon::Daemon d(path, std::move(*cfg));
  return d.run();
}

}  // namespace uplinkprobe::cli
