// The ledger as a table of typed cells with zh-CN column headers (the users are Chinese
// education officials; docs/collector-ledger.md gives each header in English). The CLI and the
// HTTP exports hand it to collector/export's writers (Table{columns, rows}).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "collector/ledger/ledger.h"

namespace uplinkprobe::collector {

// Same type as collector/export/table.h's Cell (a redeclaration of the same alias).
using Cell = std::variant<std::monostate, std::string, double, int64_t>;

struct LedgerTable {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

// by == kSchool: one row per school; otherwise one row per group. Times are local
// ("2026-12-01 10:00", the process time zone); percentages 0..100; empty cell = no data.
LedgerTable ledgerTable(const Ledger& ledger);

// zh-CN label of a school state: 正常上报 / 超时未报 / 从未上报.
const char* schoolStateLabel(SchoolState s);

}  // namespace uplinkprobe::collector
