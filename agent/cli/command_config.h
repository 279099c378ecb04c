// The config file a technician's command reads (check-config, status, records, report,
// receipt).
#pragma once

#include <optional>
#include <string>

#include "agent/config/config.h"
#include "agent/config/config_loader.h"

namespace uplinkprobe::cli {

// Loads and validates the config at `path`. On an error, prints it to stderr as a person
// reads it (translated, wrapped to the terminal) and returns nothing: the command then exits
// with kExitBadConfig.
std::optional<config::Config> loadCommandConfig(const std::string& path, config::Purpose purpose);

}  // namespace uplinkprobe::cli
