// Remote overrides: what signed remote commands (`set_schedule`, `set_target`) change, kept in
// `{storage.dir}/remote.toml` and laid over the root-owned config file whenever a config is
// loaded (run, reload, check-config, report, …).
//
// Why a separate file: the config file is root's (it names the state directory, the broker
// credentials and the trusted command keys, and root's `commission` reads it). The daemon runs
// as the service account, which parses network input; letting it rewrite that file would let
// a compromised account trust its own keys or point root at its files. So the service account
// writes only remote.toml in its own state directory, and the loader accepts from it only the
// keys below — anything else in it is refused whole with a message naming the line.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace uplinkprobe::config {

// The (section, key) pairs a remote command may set. Nothing in [control], [mqtt],
// [identity], [storage] or [[servers]] is ever here.
inline constexpr std::pair<std::string_view, std::string_view> kRemoteKeys[] = {
    {"schedule", "tests_per_day"},    {"schedule", "windows"},
    {"target", "floor_down_mbps"},    {"target", "contracted_down_mbps"},
    {"target", "contracted_up_mbps"}, {"target", "tolerance_pct"}};

inline constexpr std::size_t kMaxRemoteOverridesBytes = 16 * 1024;

// "{storage_dir}/remote.toml".
std::string remoteOverridesPath(const std::string& storage_dir);

// Reads the overrides file with platform::readRegularFile (no symlink followed, a FIFO cannot
// hang it, a regular file of at most kMaxRemoteOverridesBytes): "" when it (or its
// directory) does not exist. Error kind "io" otherwise.
Result<std::string> readRemoteOverrides(const std::string& path);

// The config text with every key of `overrides` applied by the line-preserving editor
// (comments and layout of the config are kept). Error kind "config": the overrides are not
// TOML, set a key outside kRemoteKeys, or give a key a value of the wrong shape (an integer;
// for windows an array of strings). `overrides_name` names the file in messages.
Result<std::string> applyRemoteOverrides(const std::string& config_text,
                                         const std::string& overrides,
                                         const std::string& overrides_name);

}  // namespace uplinkprobe::config
