// The registry's database side: the department's schools, upserted from its sheet
// (collector/registry/school_sheet.h parses it; the CLI maps its rows here).
//
// importSchools() is one transaction: every row is written or none is (a failure rolls back
// the whole import). Re-importing updates the rows by school_id; schools absent from the new
// sheet are kept (a sheet may be one county's part of the province) and reported as such.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "collector/db/database.h"
#include "common/result.h"

namespace uplinkprobe::collector {

struct RegistrySchool {
  int source_row = 0;  // the sheet's row number
  std::string school_id, name, province, city, county, stage, carrier, access;
  std::optional<double> contracted_down_mbps, contracted_up_mbps;
};

struct ImportOutcome {
  size_t inserted = 0, updated = 0, unchanged = 0;
  size_t not_in_sheet = 0;  // schools already in the registry that this sheet does not list
};

Result<ImportOutcome> importSchools(db::Database& db, const std::vector<RegistrySchool>& schools,
                                    int64_t now_ms);

}  // namespace uplinkprobe::collector
