// Table: the one tabular shape every collector export goes through (ledger by school,
// county, city, province, carrier), and its four writers.
//
// Contract:
// - A row has exactly columns.size() cells (writers return Error kind "export" otherwise).
//   Cell kinds: empty, text (UTF-8), double, int64. Non-finite doubles are written as empty.
// - writeText: an aligned terminal table; column width is DISPLAY width (CJK wide and
//   full-width characters count 2 columns, combining marks 0); numbers right-aligned,
//   doubles with at most `decimals` decimals; control characters in text are replaced
//   (a hostile school name cannot move the cursor).
// - writeCsv: UTF-8 with BOM (Excel on Chinese Windows detects the encoding), RFC 4180,
//   CRLF; a text cell starting with = + - @ TAB or CR gets a leading ' (formula injection).
// - writeJson: an array of objects keyed by column, keys in column order; empty -> null.
// - writeXlsx: libxlsxwriter; header bold, frozen and with an autofilter, numbers as numbers,
//   text as text (never a formula), column widths from the display width of the contents.
//   Text longer than Excel's 32767-character cell limit is cut; more than 1048575 rows is
//   an error.
// Thread-safety: all writers are free functions over a const Table; safe concurrently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"

namespace uplinkprobe::collector {

using Cell = std::variant<std::monostate, std::string, double, int64_t>;

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

struct TextOptions {
  int decimals = 1;
  std::string empty = "-";
};

Status writeText(const Table& table, std::ostream& out, const TextOptions& options = {});
Status writeCsv(const Table& table, std::ostream& out);
Status writeJson(const Table& table, std::ostream& out, int indent = -1);
// sheet_name: at most 31 characters, none of []:*?/\ (Excel's rules).
Status writeXlsx(const Table& table, const std::filesystem::path& file,
                 const std::string& sheet_name = "ledger");
// The same workbook as bytes (for an HTTP response): written through a temporary file.
Result<std::string> xlsxBytes(const Table& table, const std::string& sheet_name = "ledger");

// Terminal columns the UTF-8 text occupies (East Asian Wide/Fullwidth = 2, combining = 0).
std::size_t displayWidth(std::string_view utf8);

}  // namespace uplinkprobe::collector
