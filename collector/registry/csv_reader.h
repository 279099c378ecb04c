// parseCsv: RFC 4180 CSV as spreadsheets write it (comma separator, "" escapes, quoted
// fields spanning lines, CRLF, LF or CR line ends, optional UTF-8 BOM). The text is checked
// to be UTF-8; a GBK/GB18030 file (Excel's "CSV (逗号分隔)" on Chinese Windows) is refused with
// a message saying how to save it. Bounded by CsvLimits. Pure function, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace uplinkprobe::collector {

struct CsvLimits {
  std::size_t max_rows = 300000;
  std::size_t max_fields = 512;
  std::size_t max_field_bytes = 64 * 1024;
};

struct CsvRecord {
  int number = 0;  // 1-based record number: the row Excel shows it on
  std::vector<std::string> fields;
};

// Error kind "sheet"; messages name the row ("row 12: quote inside an unquoted field").
Result<std::vector<CsvRecord>> parseCsv(std::string_view text, const CsvLimits& limits = {});

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool isValidUtf8(std::string_view s);

}  // namespace uplinkprobe::collector
