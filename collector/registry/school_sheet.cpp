#include "collector/registry/school_sheet.h"

#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "collector/registry/csv_reader.h"
#include "collector/registry/xlsx_reader.h"
#include "common/utf8.h"

namespace uplinkprobe::collector {
namespace {

enum Field { kSchoolId, kName, kCity, kCounty, kStage, kCarrier, kDown, kUp, kAccess, kFieldCount };

struct FieldInfo {
  const char* canonical;  // English name, used in messages
  const char* chinese;
  std::vector<const char*> aliases;
  bool required;
};

const std::array<FieldInfo, kFieldCount>& fields() {
  static const std::array<FieldInfo, kFieldCount> kFields = {{
      {"school_id",
       "学校代码",
       {"学校代码", "school_id", "学校标识码", "学校编码", "schoolcode"},
       true},
      {"name", "学校名称", {"学校名称", "name", "school_name", "学校"}, true},
      {"city", "市(州)", {"市(州)", "city", "市州", "市", "地市"}, true},
      {"county",
       "县(市、区)",
       {"县(市、区)", "county", "县(市,区)", "县市区", "县区", "区县"},
       true},
      {"stage", "学段", {"学段", "stage"}, false},
      {"carrier", "运营商", {"运营商", "carrier"}, false},
      {"contracted_down_mbps",
       "合同下行",
       {"合同下行", "contracted_down_mbps", "合同下行带宽"},
       false},
      {"contracted_up_mbps", "合同上行", {"合同上行", "contracted_up_mbps", "合同上行带宽"}, false},
      {"access", "接入方式", {"接入方式", "access"}, false},
  }};
  return kFields;
}

bool isBlank(std::uint32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == 0x3000 || cp == 0xA0 ||
         cp == 0xFEFF;
}

// Full-width forms (U+FF01..FF5E) to ASCII: "（" -> "(", "１００" -> "100".
std::uint32_t narrow(std::uint32_t cp) { return cp >= 0xFF01 && cp <= 0xFF5E ? cp - 0xFEE0 : cp; }

std::string trim(const std::string& s) {
  std::size_t begin = 0, end = s.size();
  while (begin < end) {
    std::uint32_t cp;
    std::size_t n = utf8::decodeOne(s, begin, cp);
    if (!isBlank(cp)) break;
    begin += n;
  }
  while (end > begin) {
    std::size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    std::uint32_t cp;
    utf8::decodeOne(s, start, cp);
    if (!isBlank(cp)) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

// Full-width to ASCII, blanks removed, ASCII lower-cased; drops '_' and '-' when `header`.
std::string fold(const std::string& s, bool header) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp;
    i += utf8::decodeOne(s, i, cp);
    cp = narrow(cp);
    if (isBlank(cp)) continue;
    if (header && (cp == '_' || cp == '-')) continue;
    if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
    utf8::append(cp, out);
  }
  return out;
}

bool isSchoolId(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// "100", "100M", "100 Mbps", "1G", "１００兆" -> Mbps. nullopt + message on garbage.
std::optional<double> parseMbps(const std::string& raw, std::string& problem) {
  std::string v = fold(raw, false);
  double scale = 1;
  static const std::pair<const char*, double> kUnits[] = {
      {"mbit/s", 1}, {"mb/s", 1},    {"mbps", 1},    {"兆bps", 1}, {"mb", 1},  {"m", 1},
      {"兆", 1},     {"gbps", 1000}, {"gb/s", 1000}, {"gb", 1000}, {"g", 1000}};
  for (const auto& [unit, factor] : kUnits) {
    std::size_t n = std::strlen(unit);
    if (v.size() > n && v.compare(v.size() - n, n, unit) == 0) {
      v.resize(v.size() - n);
      scale = factor;
      break;
    }
  }
  char* end = nullptr;
  double d = v.empty() ? NAN : std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !std::isfinite(d) ||
      v.find_first_of("xXpPnNiI") != std::string::npos) {
    problem = "is not a number of Mbps (write e.g. 100 or 100M)";
    return std::nullopt;
  }
  d *= scale;
  if (d < 0 || d > 100000) {
    problem = "must be between 0 and 100000 Mbps";
    return std::nullopt;
  }
  return d;
}

struct GridRow {
  int row;
  std::vector<std::string> cells;
};

std::string numberText(const XlsxCell& cell) {
  double v = cell.number;
  if (std::isfinite(v) && std::trunc(v) == v && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  return cell.text;
}

Result<std::vector<GridRow>> readGrid(const std::filesystem::path& file,
                                      const SheetLimits& limits) {
  std::string ext = file.extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::vector<GridRow> grid;
  if (ext == ".xlsx") {
    XlsxLimits xl;
    xl.max_file_bytes = limits.max_file_bytes;
    xl.max_part_bytes = limits.max_uncompressed_bytes;
    xl.max_rows = limits.max_rows + 1;
    auto sheet = readXlsxFirstSheet(file, xl);
    if (!sheet.ok()) return sheet.error();
    for (auto& r : sheet->rows) {
      GridRow g{r.number, {}};
      for (auto& c : r.cells) {
        g.cells.push_back(c.type == XlsxCell::Type::kNumber ? numberText(c) : std::move(c.text));
      }
      grid.push_back(std::move(g));
    }
    return grid;
  }
  if (ext != ".csv") {
    return makeError(ErrorKind::kSheet,
                     file.string() + ": use a .csv or .xlsx file (got \"" + ext + "\")");
  }
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  if (ec) return makeError(ErrorKind::kSheet, file.string() + ": " + ec.message());
  if (size > limits.max_file_bytes) {
    return makeError(ErrorKind::kSheet, file.string() + ": " + std::to_string(size) +
                                            " bytes, more than the " +
                                            std::to_string(limits.max_file_bytes) + " allowed");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return makeError(ErrorKind::kSheet, file.string() + ": cannot open");
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  text.resize(static_cast<std::size_t>(in.gcount()));
  CsvLimits cl;
  cl.max_rows = limits.max_rows + 1;
  auto records = parseCsv(text, cl);
  if (!records.ok())
    return makeError(ErrorKind::kSheet, file.string() + ": " + records.error().message);
  for (auto& r : *records) grid.push_back(GridRow{r.number, std::move(r.fields)});
  return grid;
}

std::optional<Field> matchHeader(const std::string& cell) {
  std::string h = normalizeHeader(cell);
  if (h.empty()) return std::nullopt;
  for (int f = 0; f < kFieldCount; ++f) {
    for (const char* alias : fields()[f].aliases) {
      if (h == normalizeHeader(alias)) return static_cast<Field>(f);
    }
  }
  // A unit after a contract column: "合同下行(mbps)", "合同上行(m)".
  if (h.back() == ')') {
    std::size_t open = h.rfind('(');
    if (open != std::string::npos && open > 0) {
      std::string unit = h.substr(open + 1, h.size() - open - 2);
      static const char* kUnits[] = {"mbps", "m", "mb", "兆", "mb/s", "兆bps", "mbit/s"};
      bool is_unit = false;
      for (const char* u : kUnits) is_unit = is_unit || unit == u;
      std::string stem = h.substr(0, open);
      if (is_unit) {
        for (Field f : {kDown, kUp}) {
          for (const char* alias : fields()[f].aliases) {
            if (stem == normalizeHeader(alias)) return f;
          }
        }
      }
    }
  }
  return std::nullopt;
}

std::string columnLetter(std::size_t col) {
  std::string s;
  for (std::size_t c = col + 1; c > 0; c = (c - 1) / 26) s.insert(s.begin(), 'A' + (c - 1) % 26);
  return s;
}

}  // namespace

std::string normalizeHeader(const std::string& header) { return fold(header, true); }

Result<std::vector<SchoolRow>> readSchoolSheet(const std::filesystem::path& file) {
  return readSchoolSheet(file, SheetLimits{});
}

Result<std::vector<SchoolRow>> readSchoolSheet(const std::filesystem::path& file,
                                               const SheetLimits& limits) {
  auto grid = readGrid(file, limits);
  if (!grid.ok()) return grid.error();
  const std::string where = file.filename().string();

  // The header: the first of the first 20 rows that names the school_id column.
  std::size_t header_index = grid->size();
  for (std::size_t i = 0; i < grid->size() && i < 20; ++i) {
    for (const auto& cell : (*grid)[i].cells) {
      if (matchHeader(cell) == kSchoolId) {
        header_index = i;
        break;
      }
    }
    if (header_index != grid->size()) break;
  }
  if (header_index == grid->size()) {
    return makeError(ErrorKind::kSheet,
                     where +
                         ": no header row naming the school id column (学校代码 or "
                         "school_id) in the first 20 rows");
  }
  const GridRow& header = (*grid)[header_index];
  std::array<int, kFieldCount> column;
  column.fill(-1);
  std::array<std::string, kFieldCount> header_text;
  for (std::size_t c = 0; c < header.cells.size(); ++c) {
    auto f = matchHeader(header.cells[c]);
    if (!f) continue;
    if (column[*f] >= 0) {
      return makeError(ErrorKind::kSheet,
                       where + " row " + std::to_string(header.row) + ": columns " +
                           columnLetter(static_cast<std::size_t>(column[*f])) + " and " +
                           columnLetter(c) + " are both " + fields()[*f].chinese + "/" +
                           fields()[*f].canonical + "; keep one");
    }
    column[*f] = static_cast<int>(c);
    header_text[*f] = trim(header.cells[c]);
  }
  std::string missing;
  for (int f = 0; f < kFieldCount; ++f) {
    if (fields()[f].required && column[f] < 0) {
      missing += std::string(missing.empty() ? "" : ", ") + fields()[f].chinese + "/" +
                 fields()[f].canonical;
    }
  }
  if (!missing.empty()) {
    return makeError(ErrorKind::kSheet, where + " row " + std::to_string(header.row) +
                                            ": missing column(s) " + missing);
  }

  std::vector<SchoolRow> rows;
  std::vector<std::string> problems;
  std::size_t bad_rows = 0;
  std::map<std::string, int> seen;  // school_id -> row
  for (std::size_t i = header_index + 1; i < grid->size(); ++i) {
    const GridRow& g = (*grid)[i];
    bool blank = true;
    for (const auto& c : g.cells) blank = blank && trim(c).empty();
    if (blank) continue;
    if (rows.size() >= limits.max_rows) {
      return makeError(ErrorKind::kSheet,
                       where + ": more than " + std::to_string(limits.max_rows) + " schools");
    }
    std::vector<std::string> issues;
    std::array<std::string, kFieldCount> v;
    for (int f = 0; f < kFieldCount; ++f) {
      if (column[f] < 0 || static_cast<std::size_t>(column[f]) >= g.cells.size()) continue;
      const std::string& raw = g.cells[static_cast<std::size_t>(column[f])];
      if (!utf8::isValid(raw)) {
        issues.push_back(header_text[f] + ": invalid UTF-8 text; retype the cell");
        continue;
      }
      v[f] = trim(raw);
    }
    auto label = [&](int f) {
      return header_text[f] == fields()[f].canonical
                 ? header_text[f]
                 : header_text[f] + " (" + fields()[f].canonical + ")";
    };
    for (int f : {kSchoolId, kName, kCity, kCounty}) {
      if (v[f].empty()) issues.push_back("missing " + label(f));
    }
    if (!v[kSchoolId].empty()) {
      if (!isSchoolId(v[kSchoolId])) {
        issues.push_back(label(kSchoolId) + " \"" + v[kSchoolId] +
                         "\": use 1-64 characters of A-Z a-z 0-9 . _ - (it becomes part of MQTT "
                         "topics)");
      } else if (auto [it, inserted] = seen.emplace(v[kSchoolId], g.row); !inserted) {
        issues.push_back(label(kSchoolId) + " \"" + v[kSchoolId] + "\" is already on row " +
                         std::to_string(it->second));
      }
    }
    SchoolRow row{g.row,     v[kSchoolId], v[kName],   v[kCity],     v[kCounty],
                  v[kStage], v[kCarrier],  v[kAccess], std::nullopt, std::nullopt};
    for (int f : {kDown, kUp}) {
      if (v[f].empty()) continue;
      std::string problem;
      auto mbps = parseMbps(v[f], problem);
      if (!mbps) {
        issues.push_back(label(f) + " \"" + v[f] + "\" " + problem);
      } else {
        (f == kDown ? row.contracted_down_mbps : row.contracted_up_mbps) = mbps;
      }
    }
    if (!issues.empty()) {
      ++bad_rows;
      if (problems.size() < limits.max_reported_errors) {
        std::string line = "row " + std::to_string(g.row) + ": ";
        for (std::size_t k = 0; k < issues.size(); ++k) line += (k ? "; " : "") + issues[k];
        problems.push_back(std::move(line));
      }
      continue;
    }
    rows.push_back(std::move(row));
  }
  if (bad_rows > 0) {
    std::string msg = where + ": " + std::to_string(bad_rows) + " bad row" +
                      (bad_rows == 1 ? "" : "s") + ", nothing imported; fix and import again:";
    for (const auto& p : problems) msg += "\n  " + p;
    if (bad_rows > problems.size()) {
      msg += "\n  ... and " + std::to_string(bad_rows - problems.size()) + " more bad rows";
    }
    return makeError(ErrorKind::kSheet, msg);
  }
  if (rows.empty())
    return makeError(ErrorKind::kSheet, where + ": no school rows under the header");
  return rows;
}

}  // namespace uplinkprobe::collector
