// Loads and validates the collector's TOML configuration against the schema table
// (collector/config/schema.h). Errors have kind "config" and name the file, the line and the
// key ("/etc/uplinkprobe-collector/collector.toml line 7: [ledger] target_mbps: must be
// between 1 and 100000"); the CLI exits 78 on them.
#pragma once

#include <string>

#include "collector/config/config.h"
#include "common/result.h"

namespace uplinkprobe::collector::config {

Result<Config> loadConfigFile(const std::string& path);
// `source_name` is used in messages only.
Result<Config> loadConfigString(const std::string& toml_text, const std::string& source_name);
// Annotated example configuration generated from the schema table.
std::string exampleConfig();

}  // namespace uplinkprobe::collector::config
