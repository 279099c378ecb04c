// `uplinkprobe-collector import-schools --config F FILE`: the department's school sheet into
// the registry, in one transaction (a bad row: nothing is imported, exit 2 with its row).
#include <chrono>
#include <cstdio>

#include "collector/cli/args.h"
#include "collector/cli/commands.h"
#include "collector/cli/common_setup.h"
#include "collector/store/school_registry.h"
#ifdef UPLINKPROBE_HAVE_SCHOOL_SHEET
#include "collector/registry/school_sheet.h"
#endif

namespace uplinkprobe::collector::cli {

int importSchoolsCommand(const Argv& argv) {
  auto args = parseArgs(argv, {}, {"--config"}, 1);
  if (!args) {
    std::fprintf(stderr, "uplinkprobe-collector import-schools: %s\n",
                 args.error().message.c_str());
    return kExitUsage;
  }
  if (args->positional.size() != 1) {
    std::fprintf(stderr,
                 "uplinkprobe-collector import-schools: give the sheet FILE (.csv or .xlsx)\n");
    return kExitUsage;
  }
  int code = kExitOk;
  auto cfg = loadConfigOrReport(*args, code);
  if (!cfg) return code;
#ifdef UPLINKPROBE_HAVE_SCHOOL_SHEET
  auto rows = readSchoolSheet(args->positional[0]);
  if (!rows) {
    std::fprintf(stderr, "uplinkprobe-collector import-schools: %s: %s\n",
                 args->positional[0].c_str(), rows.error().message.c_str());
    return kExitError;
  }
  std::vector<RegistrySchool> schools;
  schools.reserve(rows->size());
  for (const auto& r : *rows)
    schools.push_back({r.row, r.school_id, r.name, cfg->ledger.province, r.city, r.county, r.stage,
                       r.carrier, r.access, r.contracted_down_mbps, r.contracted_up_mbps});
  auto db = openAndMigrate(*cfg);
  if (!db) return kExitError;
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto out = importSchools(*db, schools, now);
  if (!out) {
    std::fprintf(stderr, "uplinkprobe-collector import-schools: nothing imported: %s\n",
                 out.error().message.c_str());
    return kExitError;
  }
  std::printf("导入 %zu 所学校：新增 %zu，更新 %zu，未变 %zu", schools.size(), out->inserted,
              out->updated, out->unchanged);
  if (out->not_in_sheet) std::printf("；登记在册但本表未列 %zu（保留）", out->not_in_sheet);
  std::printf("\n(imported %zu schools: %zu new, %zu updated, %zu unchanged)\n", schools.size(),
              out->inserted, out->updated, out->unchanged);
  return kExitOk;
#else
  std::fprintf(stderr,
               "uplinkprobe-collector import-schools: the school sheet reader is not built in\n");
  return kExitError;
#endif
}

}  // namespace uplinkprobe::collector::cli
