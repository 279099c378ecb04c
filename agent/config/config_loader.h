// Loads and validates a TOML configuration against schema(). The toml++ types never leave
// this module: callers get a Config or an Error whose message names the file, the line and
// the key ("/etc/uplinkprobe/uplinkprobe.toml line 12: [mqtt] uri: expected tcp:// or ssl://").
#pragma once

#include <string>
#include <string_view>

#include "agent/config/config.h"
#include "common/result.h"

namespace uplinkprobe::config {

enum class Purpose {
  kTest,  // `uplinkprobe test`: identity and servers may be missing (--server on the CLI)
  kRun,   // `uplinkprobe run` / check-config: identity and at least one server required
};

// Key of Config::lines: "section.key", "servers#N.key" (N from 1) for array sections.
std::string keyId(std::string_view section, std::string_view key, size_t index = 0);
// "FILE line N: [section] key: message" (without " line N" when the file omits the key, so
// the message names the default value's key); for problems found after loading.
std::string keyMessage(const Config& c, std::string_view section, std::string_view key,
                       const std::string& message, size_t index = 0);

Result<Config> loadConfigFile(const std::string& path, Purpose purpose);
// `source_name` is used in messages; a relative [throughput] servers_file is read from
// `base_dir`, by default the directory of `source_name`.
Result<Config> loadConfigString(const std::string& toml_text, const std::string& source_name,
                                Purpose purpose, const std::string& base_dir = "");
// Stable hash of the effective configuration, published in the status message and in the
// agent_started / config_reloaded events so that an operator sees which devices run an
// outdated or weakened config. Covers every key of schema() with its effective value
// (defaults included, every [[servers]] entry); secrets enter by their file path
// (password_file, key_file, ...), never by content. Format: 16 lowercase hex digits of
// FNV-1a 64 over canonicalConfig(). Documented in docs/config.md.
std::string configHash(const Config& c);
// The exact text configHash() hashes: "uplinkprobe-config/2", then one "section.key=value"
// line per key ("servers#N.key=" per server), strings as "<bytes>:<text>".
std::string canonicalConfig(const Config& c);

}  // namespace uplinkprobe::config
