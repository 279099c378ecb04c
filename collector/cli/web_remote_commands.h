// The web UI's remote commands for real: "test now" signs run_test with [control] key_file
// and publishes it through the collector's broker (collector/control/command_sender.h); the
// school's recent commands come from the audit log. Made only when key_file is set.
#pragma once

#include <functional>
#include <memory>

#include "collector/config/config.h"
#include "collector/db/database.h"
#include "collector/web/remote_commands.h"

namespace uplinkprobe::collector {

std::unique_ptr<web::RemoteCommands> makeWebRemoteCommands(
    const config::Config& config,
    std::function<Result<std::unique_ptr<db::Database>>()> open_database);

}  // namespace uplinkprobe::collector
