// readSchoolSheet: the education department's school sheet (台账) -> typed rows.
//
// Contract:
// - `.csv` (UTF-8 with or without BOM, RFC 4180) or `.xlsx` (first worksheet), chosen by
//   the file extension (case-insensitive).
// - Columns are found by header name, Chinese or English, in any order; header whitespace,
//   full-width parentheses/letters, case, '_' and '-' do not matter, and a unit in
//   parentheses after a contract column is accepted ("合同下行（Mbps）"):
//     学校代码/school_id, 学校名称/name, 市(州)/city, 县(市、区)/county, 学段/stage,
//     运营商/carrier, 合同下行/contracted_down_mbps, 合同上行/contracted_up_mbps, 接入方式/access.
//   The header is the first row (among the first 20) that names the school_id column, so a
//   title row above it is fine. school_id, name, city and county columns are required; other
//   columns are optional; unknown columns (序号, 备注...) are ignored.
// - All or nothing: if any row is bad, the result is an Error (kind "sheet") listing every bad
//   row with its sheet row number and what to fix (missing school_id/name/city/county,
//   school_id not 1-64 of A-Z a-z 0-9 . _ - as the agent requires, duplicate school_id,
//   non-numeric or negative contract, invalid UTF-8), at most max_reported_errors lines.
// - Values are trimmed (also U+3000 and NBSP). Contracts accept "100", "100M", "100 Mbps",
//   "1G" (= 1000), full-width digits; an empty cell is "no contract" (nullopt).
// - Bounded by SheetLimits (file size, rows, zip-bomb guard via XlsxLimits).
// - Pure function of the file; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace uplinkprobe::collector {

struct SchoolRow {
  int row;  // sheet row number (header = the row Excel shows it on)
  std::string school_id, name, city, county, stage, carrier, access;
  std::optional<double> contracted_down_mbps, contracted_up_mbps;
};

struct SheetLimits {
  std::uint64_t max_file_bytes = 64ull << 20;
  std::uint64_t max_uncompressed_bytes = 256ull << 20;  // per XLSX part
  std::size_t max_rows = 300000;
  std::size_t max_reported_errors = 100;
};

Result<std::vector<SchoolRow>> readSchoolSheet(const std::filesystem::path& file);
Result<std::vector<SchoolRow>> readSchoolSheet(const std::filesystem::path& file,
                                               const SheetLimits& limits);

// The header normalisation used to match columns ("市（州）" -> "市(州)", " School ID" ->
// "schoolid"). Exposed for tests and for error messages elsewhere.
std::string normalizeHeader(const std::string& header);

}  // namespace uplinkprobe::collector
