#include "collector/registry/xlsx_reader.h"

#include <unzip.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>

#include "collector/registry/xml_reader.h"

namespace uplinkprobe::collector {
namespace {

Error sheetError(std::string message) { return makeError(ErrorKind::kSheet, std::move(message)); }

struct UnzCloser {
  void operator()(void* f) const { unzClose(f); }
};
using Unz = std::unique_ptr<void, UnzCloser>;

// Opens the package after the cheap checks (size, signature) that give a clerk a useful
// message for the usual mistakes: an old .xls, a password-protected workbook, a CSV renamed.
Result<Unz> openPackage(const std::filesystem::path& file, const XlsxLimits& limits) {
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  if (ec) return sheetError(file.string() + ": " + ec.message());
  if (size > limits.max_file_bytes) {
    return sheetError(file.string() + ": " + std::to_string(size) + " bytes, more than the " +
                      std::to_string(limits.max_file_bytes) + " allowed");
  }
  char magic[4] = {};
  std::ifstream in(file, std::ios::binary);
  in.read(magic, 4);
  if (std::memcmp(magic, "\xD0\xCF\x11\xE0", 4) == 0) {
    return sheetError(file.string() +
                      ": an old .xls or a password-protected workbook; save it as an "
                      "unprotected .xlsx (Excel Workbook)");
  }
  if (std::memcmp(magic, "PK\x03\x04", 4) != 0) {
    return sheetError(file.string() + ": not an .xlsx file (no zip signature)");
  }
  Unz zip(unzOpen64(file.c_str()));
  if (!zip) return sheetError(file.string() + ": not a readable .xlsx (zip) file");
  unz_global_info64 info{};
  if (unzGetGlobalInfo64(zip.get(), &info) != UNZ_OK) {
    return sheetError(file.string() + ": broken zip directory");
  }
  if (info.number_entry > limits.max_entries) {
    return sheetError(file.string() + ": " + std::to_string(info.number_entry) +
                      " zip entries, more than the " + std::to_string(limits.max_entries) +
                      " allowed");
  }
  return zip;
}

// Reads one entry; nullopt-like empty Result error when absent and `optional` is set is
// signalled by found=false.
Result<std::string> readEntry(void* zip, const std::string& name, const XlsxLimits& limits,
                              bool* found) {
  if (found) *found = false;
  // OPC part names are case-insensitive (2 = case-insensitive comparison).
  if (unzLocateFile(zip, name.c_str(), 2) != UNZ_OK) {
    if (found) return std::string();
    return sheetError("the workbook has no " + name);
  }
  unz_file_info64 info{};
  if (unzGetCurrentFileInfo64(zip, &info, nullptr, 0, nullptr, 0, nullptr, 0) != UNZ_OK) {
    return sheetError(name + ": broken zip entry");
  }
  if (info.uncompressed_size > limits.max_part_bytes) {
    return sheetError(name + ": " + std::to_string(info.uncompressed_size) +
                      " bytes uncompressed, more than the " +
                      std::to_string(limits.max_part_bytes) + " allowed");
  }
  if (unzOpenCurrentFile(zip) != UNZ_OK) {
    return sheetError(name + ": cannot open zip entry (encrypted or unsupported compression)");
  }
  std::string out;
  // Trust no header: count what actually inflates (a zip bomb lies about its size).
  out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(info.uncompressed_size, 1 << 24)));
  char buf[65536];
  while (true) {
    int n = unzReadCurrentFile(zip, buf, sizeof buf);
    if (n < 0) {
      unzCloseCurrentFile(zip);
      return sheetError(name + ": corrupt compressed data");
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > limits.max_part_bytes) {
      unzCloseCurrentFile(zip);
      return sheetError(name + ": inflates beyond " + std::to_string(limits.max_part_bytes) +
                        " bytes (zip bomb?)");
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  if (unzCloseCurrentFile(zip) != UNZ_OK) return sheetError(name + ": CRC mismatch");
  if (found) *found = true;
  return out;
}

std::string partError(const std::string& part, const XmlReader& xml) {
  return part + ": " + xml.error();
}

// "worksheets/sheet1.xml" relative to xl/, or "/xl/worksheets/sheet1.xml" absolute.
std::string resolvePart(const std::string& target) {
  std::string t = target;
  if (!t.empty() && t[0] == '/') return t.substr(1);
  while (t.rfind("./", 0) == 0) t = t.substr(2);
  return "xl/" + t;
}

struct WorkbookParts {
  std::string sheet_name;
  std::string sheet_part = "xl/worksheets/sheet1.xml";
  std::string shared_strings_part = "xl/sharedStrings.xml";
};

Result<WorkbookParts> findParts(void* zip, const XlsxLimits& limits) {
  WorkbookParts parts;
  auto workbook = readEntry(zip, "xl/workbook.xml", limits, nullptr);
  if (!workbook.ok()) return workbook.error();
  std::string rel_id;
  XmlReader xml(*workbook);
  for (auto ev = xml.next(); ev != XmlReader::Event::kEof; ev = xml.next()) {
    if (ev == XmlReader::Event::kError) return sheetError(partError("xl/workbook.xml", xml));
    if (ev == XmlReader::Event::kStart && xml.name() == "sheet") {
      if (const auto* n = xml.attribute("name")) parts.sheet_name = *n;
      if (const auto* id = xml.attribute("id")) rel_id = *id;
      break;
    }
  }
  if (rel_id.empty()) return parts;
  bool found = false;
  auto rels = readEntry(zip, "xl/_rels/workbook.xml.rels", limits, &found);
  if (!rels.ok()) return rels.error();
  if (!found) return parts;
  XmlReader r(*rels);
  for (auto ev = r.next(); ev != XmlReader::Event::kEof; ev = r.next()) {
    if (ev == XmlReader::Event::kError) {
      return sheetError(partError("xl/_rels/workbook.xml.rels", r));
    }
    if (ev != XmlReader::Event::kStart || r.name() != "Relationship") continue;
    const auto* id = r.attribute("Id");
    const auto* target = r.attribute("Target");
    const auto* type = r.attribute("Type");
    if (!target) continue;
    if (id && *id == rel_id) parts.sheet_part = resolvePart(*target);
    if (type && type->size() >= 14 && type->compare(type->size() - 14, 14, "/sharedStrings") == 0) {
      parts.shared_strings_part = resolvePart(*target);
    }
  }
  return parts;
}

Result<std::vector<std::string>> readSharedStrings(void* zip, const std::string& part,
                                                   const XlsxLimits& limits) {
  std::vector<std::string> strings;
  bool found = false;
  auto text = readEntry(zip, part, limits, &found);
  if (!text.ok()) return text.error();
  if (!found) return strings;
  XmlReader xml(*text);
  bool in_si = false, in_t = false;
  int in_rph = 0;
  std::string current;
  for (auto ev = xml.next(); ev != XmlReader::Event::kEof; ev = xml.next()) {
    switch (ev) {
      case XmlReader::Event::kError:
        return sheetError(partError(part, xml));
      case XmlReader::Event::kStart:
        if (xml.name() == "si") {
          in_si = true;
          current.clear();
        } else if (xml.name() == "rPh") {
          ++in_rph;
        } else if (xml.name() == "t") {
          in_t = true;
        }
        break;
      case XmlReader::Event::kEnd:
        if (xml.name() == "si") {
          if (strings.size() >= limits.max_shared_strings) {
            return sheetError(part + ": more than " + std::to_string(limits.max_shared_strings) +
                              " strings");
          }
          strings.push_back(std::move(current));
          current.clear();
          in_si = false;
        } else if (xml.name() == "rPh") {
          --in_rph;
        } else if (xml.name() == "t") {
          in_t = false;
        }
        break;
      case XmlReader::Event::kText:
        if (in_si && in_t && in_rph == 0) current += xml.text();
        break;
      default:
        break;
    }
  }
  return strings;
}

bool parseRowNumber(const std::string& s, long& out) {
  char* end = nullptr;
  out = std::strtol(s.c_str(), &end, 10);
  return !s.empty() && *end == '\0' && out >= 1 && out <= 1048576;
}

}  // namespace

int xlsxColumnIndex(std::string_view ref) {
  int col = 0;
  std::size_t i = 0;
  for (; i < ref.size() && i < 4; ++i) {
    char c = ref[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c < 'A' || c > 'Z') break;
    col = col * 26 + (c - 'A' + 1);
  }
  if (i == 0 || (i < ref.size() && std::isalpha(static_cast<unsigned char>(ref[i])))) return -1;
  return col - 1;
}

Result<std::string> readZipEntry(const std::filesystem::path& file, const std::string& entry,
                                 const XlsxLimits& limits) {
  auto zip = openPackage(file, limits);
  if (!zip.ok()) return zip.error();
  return readEntry(zip->get(), entry, limits, nullptr);
}

Result<XlsxSheet> readXlsxFirstSheet(const std::filesystem::path& file, const XlsxLimits& limits) {
  auto zip = openPackage(file, limits);
  if (!zip.ok()) return zip.error();
  auto parts = findParts(zip->get(), limits);
  if (!parts.ok()) return parts.error();
  auto shared = readSharedStrings(zip->get(), parts->shared_strings_part, limits);
  if (!shared.ok()) return shared.error();
  auto text = readEntry(zip->get(), parts->sheet_part, limits, nullptr);
  if (!text.ok()) return text.error();
  const std::string& part = parts->sheet_part;

  XlsxSheet sheet;
  sheet.name = parts->sheet_name;
  XmlReader xml(*text);
  bool in_data = false, in_row = false, in_cell = false, in_v = false, in_is_t = false;
  bool in_is = false;
  int in_rph = 0;
  long row_number = 0;
  int next_col = 0, col = 0;
  std::string cell_type, v_text, is_text;
  XlsxRow row;

  auto rowLabel = [&] { return part + " row " + std::to_string(row_number); };
  for (auto ev = xml.next(); ev != XmlReader::Event::kEof; ev = xml.next()) {
    if (ev == XmlReader::Event::kError) return sheetError(partError(part, xml));
    if (ev == XmlReader::Event::kStart) {
      std::string_view n = xml.name();
      if (n == "sheetData") {
        in_data = true;
      } else if (in_data && n == "row") {
        long r = row_number + 1;
        if (const auto* ra = xml.attribute("r")) {
          if (!parseRowNumber(*ra, r) || r <= row_number) {
            return sheetError(part + ": bad row number \"" + *ra + "\"");
          }
        }
        row_number = r;
        in_row = true;
        next_col = 0;
        row = XlsxRow{static_cast<int>(r), {}};
      } else if (in_row && n == "c") {
        in_cell = true;
        col = next_col;
        if (const auto* ref = xml.attribute("r")) {
          col = xlsxColumnIndex(*ref);
          if (col < 0) return sheetError(rowLabel() + ": bad cell reference \"" + *ref + "\"");
        }
        if (col < next_col && !row.cells.empty()) {
          return sheetError(rowLabel() + ": cells out of order");
        }
        if (static_cast<std::size_t>(col) >= limits.max_columns) {
          return sheetError(rowLabel() + ": more than " + std::to_string(limits.max_columns) +
                            " columns");
        }
        next_col = col + 1;
        const auto* t = xml.attribute("t");
        cell_type = t ? *t : "n";
        v_text.clear();
        is_text.clear();
      } else if (in_cell && n == "v") {
        in_v = true;
      } else if (in_cell && n == "is") {
        in_is = true;
      } else if (in_is && n == "rPh") {
        ++in_rph;
      } else if (in_is && n == "t") {
        in_is_t = true;
      }
    } else if (ev == XmlReader::Event::kText) {
      if (in_v) {
        v_text += xml.text();
      } else if (in_is_t && in_rph == 0) {
        is_text += xml.text();
      }
    } else if (ev == XmlReader::Event::kEnd) {
      std::string_view n = xml.name();
      if (n == "v") {
        in_v = false;
      } else if (n == "t") {
        in_is_t = false;
      } else if (n == "rPh") {
        --in_rph;
      } else if (n == "is") {
        in_is = false;
      } else if (n == "c" && in_cell) {
        in_cell = false;
        XlsxCell cell;
        if (cell_type == "s") {
          char* end = nullptr;
          unsigned long idx = std::strtoul(v_text.c_str(), &end, 10);
          if (v_text.empty() || *end != '\0' || idx >= shared->size()) {
            return sheetError(rowLabel() + ": shared string index \"" + v_text + "\" out of range");
          }
          cell.type = XlsxCell::Type::kString;
          cell.text = (*shared)[idx];
        } else if (cell_type == "inlineStr") {
          cell.type = XlsxCell::Type::kString;
          cell.text = is_text;
        } else if (cell_type == "str" || cell_type == "d") {
          cell.type = XlsxCell::Type::kString;
          cell.text = v_text;
        } else if (cell_type == "b") {
          cell.type = XlsxCell::Type::kBoolean;
          cell.number = v_text == "1" ? 1.0 : 0.0;
          cell.text = v_text == "1" ? "TRUE" : "FALSE";
        } else if (cell_type == "e") {
          cell.type = XlsxCell::Type::kError;
          cell.text = v_text;
        } else if (!v_text.empty()) {
          char* end = nullptr;
          cell.number = std::strtod(v_text.c_str(), &end);
          if (*end != '\0') {
            return sheetError(rowLabel() + ": bad number \"" + v_text + "\"");
          }
          cell.type = XlsxCell::Type::kNumber;
          cell.text = v_text;
        }
        if (cell.type != XlsxCell::Type::kEmpty) {
          row.cells.resize(static_cast<std::size_t>(col) + 1);
          row.cells[static_cast<std::size_t>(col)] = std::move(cell);
        }
      } else if (n == "row" && in_row) {
        in_row = false;
        if (!row.cells.empty()) {
          if (sheet.rows.size() >= limits.max_rows) {
            return sheetError(part + ": more than " + std::to_string(limits.max_rows) + " rows");
          }
          sheet.rows.push_back(std::move(row));
        }
        row = XlsxRow{};
      } else if (n == "sheetData") {
        in_data = false;
      }
    }
  }
  return sheet;
}

}  // namespace uplinkprobe::collector
