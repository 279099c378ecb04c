#include "collector/registry/csv_reader.h"

#include <cstdint>

#include "common/utf8.h"

namespace uplinkprobe::collector {

bool isValidUtf8(std::string_view s) { return utf8::isValid(s); }

Result<std::vector<CsvRecord>> parseCsv(std::string_view text, const CsvLimits& limits) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (!isValidUtf8(text)) {
    return makeError(ErrorKind::kSheet,
                     "the file is not UTF-8 text (Excel's \"CSV (逗号分隔)\" saves GBK): save it "
                     "as \"CSV UTF-8 (逗号分隔)\" or as .xlsx");
  }
  std::vector<CsvRecord> records;
  int row_no = 1;  // blank lines count: Excel shows them as empty rows
  CsvRecord rec{row_no, {}};
  std::string field;
  bool quoted = false;       // inside a quoted field
  bool was_quoted = false;   // the current field started with a quote
  bool after_quote = false;  // a quoted field just closed: only , or line end may follow
  bool any = false;          // the current record has content (a field or a separator)
  auto fail = [&](const std::string& what) -> Error {
    return makeError(ErrorKind::kSheet, "row " + std::to_string(rec.number) + ": " + what);
  };
  auto endField = [&]() -> bool {
    if (rec.fields.size() >= limits.max_fields) return false;
    rec.fields.push_back(std::move(field));
    field.clear();
    was_quoted = after_quote = false;
    return true;
  };
  auto endRecord = [&]() -> bool {
    if (any) {
      if (records.size() >= limits.max_rows) return false;
      records.push_back(std::move(rec));
    }
    rec = CsvRecord{++row_no, {}};
    any = false;
    return true;
  };
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        after_quote = true;
        ++i;
        continue;
      }
      field += c;
      ++i;
    } else if (c == ',') {
      any = true;
      if (!endField()) return fail("more than " + std::to_string(limits.max_fields) + " fields");
      ++i;
    } else if (c == '\r' || c == '\n') {
      if (any || !field.empty() || was_quoted) {
        any = true;
        if (!endField()) return fail("more than " + std::to_string(limits.max_fields) + " fields");
      }
      if (!endRecord()) return fail("more than " + std::to_string(limits.max_rows) + " rows");
      i += (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
    } else if (after_quote) {
      return fail("text after a closing quote (a quote inside a field must be doubled: \"\")");
    } else if (c == '"' && field.empty() && !was_quoted) {
      quoted = was_quoted = any = true;
      ++i;
    } else {
      field += c;  // a quote inside an unquoted field is kept as it is (spreadsheets do)
      any = true;
      ++i;
    }
    if (field.size() > limits.max_field_bytes) {
      return fail("a field longer than " + std::to_string(limits.max_field_bytes) + " bytes");
    }
  }
  if (quoted) return fail("a quoted field is never closed");
  if (any || !field.empty() || was_quoted) {
    any = true;
    if (!endField()) return fail("more than " + std::to_string(limits.max_fields) + " fields");
  }
  if (!endRecord()) return fail("more than " + std::to_string(limits.max_rows) + " rows");
  return records;
}

}  // namespace uplinkprobe::collector
