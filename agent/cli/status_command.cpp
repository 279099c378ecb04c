// `uplinkprobe status [--config F] [--json]`: reads {storage.dir}/status.json, which the
// daemon keeps current (agent/daemon/status_file.h), and judges it (status_view.h).
// Exit 0 healthy, 1 degraded, 2 not running.
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "agent/cli/arg_parser.h"
#include "agent/cli/command_config.h"
#include "agent/cli/commands.h"
#include "agent/cli/display_format.h"
#include "agent/cli/message_words.h"
#include "agent/cli/status_view.h"
#include "agent/cli/usage_text.h"
#include "agent/config/config_loader.h"
#include "agent/daemon/state_file.h"
#include "agent/daemon/status_file.h"
#include "common/exit_codes.h"
#include "common/terminal_text.h"
#include "common/time_format.h"

namespace uplinkprobe::cli {
namespace {

// The pid is alive and is an uplinkprobe (a reused pid of another program is not).
bool uplinkprobeAlive(int64_t pid) {
  if (pid <= 0 || pid > 4194304) return false;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) return false;
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(comm, name);
  return name.rfind("uplinkprobe", 0) == 0;
}

}  // namespace

int statusCommand(const Args& args) {
  auto parsed = parseArgs(args, {"--json"}, {"--config"});
  if (!parsed) return usageError("status", parsed.error().message);
  auto cfg =
      loadCommandConfig(parsed->getOr("--config", kDefaultConfigPath), config::Purpose::kTest);
  if (!cfg) return kExitBadConfig;
  useTimeZone(cfg->schedule.timezone);
  const std::string path =
      (std::filesystem::path(cfg->storage.dir) / daemon::kStatusFileName).string();
  const auto file = daemon::readStateFile(path);
  const bool alive = file && file->is_object() && file->contains("pid") &&
                     (*file)["pid"].is_number_integer() &&
                     uplinkprobeAlive((*file)["pid"].get<int64_t>());
  const auto report = evaluateStatus(file, alive, SystemClock::instance().wallNow(), path);
  if (parsed->has("--json"))
    std::printf("%s\n", report.json.dump().c_str());
  else
    std::fputs(terminalSafe(report.text).c_str(), stdout);
  return report.exit_code;
}

}  // namespace uplinkprobe::cli
