// Steps the collector's commands share: load the config (exit 78 on error), set the process
// time zone, open and migrate the database.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "collector/cli/args.h"
#include "collector/config/config.h"
#include "collector/db/database.h"
#include "collector/store/local_time.h"

namespace uplinkprobe::collector::cli {

// Loads --config (required) and prints the error; nullopt → exit 78 (or 64 when missing).
std::optional<config::Config> loadConfigOrReport(const Args& args, int& exit_code);
// Sets TZ from [ledger] timezone (call before any thread starts).
void applyTimezone(const config::Config& c);
SchoolHours schoolHours(const config::Config& c);
// Opens and migrates [database] url; prints the error; nullptr → exit 2.
std::unique_ptr<db::Database> openAndMigrate(const config::Config& c);

}  // namespace uplinkprobe::collector::cli
