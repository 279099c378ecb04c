// Loads and validates a TOML configuration against schema(). The toml++ types never leave
// this module: callers get a Config or an Error whose message names the file, the line and
// the key ("/etc/uplinkprobe/uplinkprobe.toml line 12: [mqtt] uri: expected tcp:// or ssl://").
#pragma once

#include <string>

#include "common/result.h"
#include "agent/config/config.h"

namespace uplinkprobe::config {

enum class Purpose {
  kTest,  // `uplinkprobe test`: identity and servers may be missing (--server on the CLI)
  kRun,   // `uplinkprobe run` / check-config: identity and at least one server required
};

Result<Config> loadConfigFile(const std::string& path, Purpose purpose);
// `source_name` is used in messages only.
Result<Config> loadConfigString(const std::string& toml_text, const std::string& source_name,
                                Purpose purpose);
// Stable hash of the effective configuration (published in the status message so that an
// operator sees which devices run an outdated config). Secrets are not part of it.
std::string configHash(const Config& c);

}  // namespace uplinkprobe::config
