// XLSX reading for the school registry (and for tests that read back collector exports).
//
// Contract:
// - Reads the FIRST worksheet of a workbook (first <sheet> of xl/workbook.xml, followed
//   through xl/_rels/workbook.xml.rels), with shared strings (rich-text runs concatenated,
//   phonetic <rPh> runs dropped), inline strings, formula string results, numbers (the cached
//   value as written in the file), booleans. Merged cells, styles and dates are not
//   interpreted: a date is its serial number.
// - Everything is bounded by XlsxLimits: file size, number of zip entries, uncompressed
//   bytes of every part read (counted while inflating, whatever the zip header claims: a zip
//   bomb stops at the cap), rows, columns, shared strings, XML nesting. DTDs are refused (no
//   entity expansion). Errors are Error{kind "sheet"} with a message a clerk can act on.
// - No global state; every function is safe to call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"

namespace uplinkprobe::collector {

struct XlsxLimits {
  std::uint64_t max_file_bytes = 64ull << 20;
  std::uint64_t max_part_bytes = 256ull << 20;  // uncompressed, per XML part read
  std::size_t max_entries = 10000;
  std::size_t max_rows = 300000;
  std::size_t max_columns = 512;
  std::size_t max_shared_strings = 2000000;
};

struct XlsxCell {
  enum class Type { kEmpty, kString, kNumber, kBoolean, kError };
  Type type = Type::kEmpty;
  std::string text;     // strings as stored; numbers as written in the XML ("100", "1.5E2")
  double number = 0.0;  // kNumber (and kBoolean: 0/1)
};

struct XlsxRow {
  int number = 0;               // 1-based sheet row number (as Excel shows it)
  std::vector<XlsxCell> cells;  // index = column (A = 0); trailing empties trimmed
};

struct XlsxSheet {
  std::string name;           // the sheet's tab name
  std::vector<XlsxRow> rows;  // only rows that have at least one cell, in sheet order
};

Result<XlsxSheet> readXlsxFirstSheet(const std::filesystem::path& file, const XlsxLimits& = {});

// One part of the zip package, bounded like the sheet parts ("xl/worksheets/sheet1.xml").
// Used by tests to check what a writer produced (frozen panes, styles).
Result<std::string> readZipEntry(const std::filesystem::path& file, const std::string& entry,
                                 const XlsxLimits& = {});

// "A" -> 0, "AB" -> 27; -1 when `ref` does not start with letters.
int xlsxColumnIndex(std::string_view ref);

}  // namespace uplinkprobe::collector
