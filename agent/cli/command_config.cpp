#include "agent/cli/command_config.h"

#include <cstdio>

#include "agent/cli/display_format.h"
#include "agent/cli/message_words.h"

namespace uplinkprobe::cli {

std::optional<config::Config> loadCommandConfig(const std::string& path, config::Purpose purpose) {
  auto cfg = config::loadConfigFile(path, purpose);
  if (!cfg) {
    std::fputs(wrapMessage(personMessage(cfg.error().message)).c_str(), stderr);
    return std::nullopt;
  }
  return std::move(*cfg);
}

}  // namespace uplinkprobe::cli
