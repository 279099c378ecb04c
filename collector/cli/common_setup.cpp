#include "collector/cli/common_setup.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "collector/config/config_loader.h"
#include "collector/store/schema.h"

namespace uplinkprobe::collector::cli {

std::optional<config::Config> loadConfigOrReport(const Args& args, int& exit_code) {
  auto path = args.get("--config");
  if (!path) {
    std::fprintf(stderr, "uplinkprobe-collector: --config FILE is required\n");
    exit_code = kExitUsage;
    return std::nullopt;
  }
  auto c = config::loadConfigFile(*path);
  if (!c) {
    std::fprintf(stderr, "uplinkprobe-collector: %s\n", c.error().message.c_str());
    exit_code = kExitBadConfig;
    return std::nullopt;
  }
  return std::move(*c);
}

void applyTimezone(const config::Config& c) {
  if (c.ledger.timezone.empty()) return;
  setenv("TZ", c.ledger.timezone.c_str(), 1);
  tzset();
}

SchoolHours schoolHours(const config::Config& c) {
  auto h = SchoolHours::parse(c.schoolHoursWindows());
  return h ? *h : SchoolHours::always();  // validated by the schema already
}

std::unique_ptr<db::Database> openAndMigrate(const config::Config& c) {
  db::Options o;
  o.sqlite_synchronous = c.database.sqlite_synchronous;
  auto db = db::openDatabase(c.database.url, o);
  if (!db) {
    std::fprintf(stderr, "uplinkprobe-collector: %s\n", db.error().message.c_str());
    return nullptr;
  }
  auto v = migrateStore(**db);
  if (!v) {
    std::fprintf(stderr, "uplinkprobe-collector: %s\n", v.error().message.c_str());
    return nullptr;
  }
  return std::move(*db);
}

}  // namespace uplinkprobe::collector::cli
