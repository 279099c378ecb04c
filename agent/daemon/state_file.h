// Small JSON state files of the daemon (e.g. an open outage that must survive a restart),
// written atomically (temp file, fsync, rename, fsync dir) so that a power cut leaves either
// the old or the new content, never a torn one. Rarely written: only on state changes.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/result.h"

namespace uplinkprobe::daemon {

Status writeStateFile(const std::string& path, const nlohmann::json& state);
// nullopt when missing or unreadable/corrupt (logged by the caller's context, never fatal).
std::optional<nlohmann::json> readStateFile(const std::string& path);

}  // namespace uplinkprobe::daemon
