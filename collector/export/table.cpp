#include "collector/export/table.h"

#include <xlsxwriter.h>

#include <unistd.h>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/utf8.h"

namespace uplinkprobe::collector {
namespace {

constexpr std::size_t kXlsxMaxCellChars = 32767;
constexpr std::size_t kXlsxMaxRows = 1048576;

struct Range {
  std::uint32_t lo, hi;
};

bool inRanges(std::uint32_t cp, const Range* r, std::size_t n) {
  const Range* end = r + n;
  const Range* it =
      std::upper_bound(r, end, cp, [](std::uint32_t v, const Range& x) { return v < x.lo; });
  return it != r && cp <= (it - 1)->hi;
}

// East Asian Width W and F (Unicode 15, condensed) and the emoji presentation blocks.
const Range kWide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
    {0x23F0, 0x23F0},   {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},
    {0x2648, 0x2653},   {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
    {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26CE, 0x26CE},
    {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
    {0x2728, 0x2728},   {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},
    {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27B0, 0x27B0},   {0x27BF, 0x27BF},
    {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x303E},
    {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
    {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},
    {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4},
    {0x17000, 0x18CFF}, {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF},
    {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F251}, {0x1F300, 0x1F64F},
    {0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF},
    {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

// Zero width: combining marks, zero-width joiners/spaces, variation selectors.
const Range kZero[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A}, {0x064B, 0x065F},
    {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
    {0x200B, 0x200F}, {0x2028, 0x202E}, {0x2060, 0x2064}, {0x20D0, 0x20FF}, {0x302A, 0x302D},
    {0x3099, 0x309A}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
};

std::size_t cpWidth(std::uint32_t cp) {
  if (inRanges(cp, kZero, std::size(kZero))) return 0;
  if (inRanges(cp, kWide, std::size(kWide))) return 2;
  return 1;
}

// Control characters (C0, DEL, C1) become U+FFFD: no escape sequences reach a terminal.
std::string sanitizeForTerminal(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp;
    std::size_t n = utf8::decodeOne(s, i, cp);
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0xFFFD) {
      out += cp == '\n' || cp == '\t' || cp == '\r' ? " " : "\xEF\xBF\xBD";
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string shortest(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string fixedDecimals(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", std::max(0, decimals), v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

Status checkShape(const Table& t) {
  if (t.columns.empty()) return makeError(ErrorKind::kExport, "table has no columns");
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    if (t.rows[r].size() != t.columns.size()) {
      return makeError(ErrorKind::kExport,
                       "row " + std::to_string(r) + " has " + std::to_string(t.rows[r].size()) +
                           " cells, expected " + std::to_string(t.columns.size()));
    }
  }
  return Status::Ok();
}

// Display width after cutting to Excel's limit, for column widths.
std::size_t cellDisplayWidth(const Cell& c) {
  if (const auto* s = std::get_if<std::string>(&c)) return displayWidth(*s);
  if (const auto* d = std::get_if<double>(&c)) return std::isfinite(*d) ? shortest(*d).size() : 0;
  if (const auto* i = std::get_if<int64_t>(&c)) return std::to_string(*i).size();
  return 0;
}

// Cuts a UTF-8 string to at most `max_chars` code points without splitting one.
std::string cutCodePoints(const std::string& s, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && chars++ == max_chars) {
      return s.substr(0, i);
    }
  }
  return s;
}

}  // namespace

std::size_t displayWidth(std::string_view s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp;
    i += utf8::decodeOne(s, i, cp);
    w += cpWidth(cp);
  }
  return w;
}

Status writeText(const Table& table, std::ostream& out, const TextOptions& options) {
  if (auto st = checkShape(table); !st.ok()) return st;
  const std::size_t n = table.columns.size();
  std::vector<std::vector<std::string>> text(table.rows.size(), std::vector<std::string>(n));
  std::vector<std::vector<bool>> right(table.rows.size(), std::vector<bool>(n, false));
  std::vector<std::string> header(n);
  std::vector<std::size_t> width(n, 0);
  for (std::size_t c = 0; c < n; ++c) {
    header[c] = sanitizeForTerminal(table.columns[c]);
    width[c] = displayWidth(header[c]);
  }
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    for (std::size_t c = 0; c < n; ++c) {
      const Cell& cell = table.rows[r][c];
      std::string s;
      if (const auto* str = std::get_if<std::string>(&cell)) {
        s = sanitizeForTerminal(*str);
      } else if (const auto* d = std::get_if<double>(&cell)) {
        s = std::isfinite(*d) ? fixedDecimals(*d, options.decimals) : options.empty;
        right[r][c] = true;
      } else if (const auto* i = std::get_if<int64_t>(&cell)) {
        s = std::to_string(*i);
        right[r][c] = true;
      } else {
        s = options.empty;
      }
      width[c] = std::max(width[c], displayWidth(s));
      text[r][c] = std::move(s);
    }
  }
  auto emit = [&](const std::vector<std::string>& cells, const std::vector<bool>* align) {
    std::string line;
    for (std::size_t c = 0; c < n; ++c) {
      std::size_t pad = width[c] - displayWidth(cells[c]);
      bool r = align && (*align)[c];
      if (c) line += "  ";
      if (r) line.append(pad, ' ');
      line += cells[c];
      if (!r && c + 1 < n) line.append(pad, ' ');
    }
    out << line << '\n';
  };
  emit(header, nullptr);
  std::vector<std::string> rule(n);
  for (std::size_t c = 0; c < n; ++c) rule[c].assign(width[c], '-');
  emit(rule, nullptr);
  for (std::size_t r = 0; r < text.size(); ++r) emit(text[r], &right[r]);
  if (!out) return makeError(ErrorKind::kExport, "write failed");
  return Status::Ok();
}

Status writeCsv(const Table& table, std::ostream& out) {
  if (auto st = checkShape(table); !st.ok()) return st;
  auto field = [](const std::string& raw) {
    std::string s = raw;
    if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
                       s[0] == '\r')) {
      s.insert(s.begin(), '\'');
    }
    bool quote = s.find_first_of(",\"\r\n") != std::string::npos ||
                 (!s.empty() && (s.front() == ' ' || s.back() == ' '));
    if (!quote) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  out << "\xEF\xBB\xBF";
  for (std::size_t c = 0; c < table.columns.size(); ++c) {
    out << (c ? "," : "") << field(table.columns[c]);
  }
  out << "\r\n";
  for (const auto& row : table.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c) out << ',';
      const Cell& cell = row[c];
      if (const auto* s = std::get_if<std::string>(&cell)) {
        out << field(*s);
      } else if (const auto* d = std::get_if<double>(&cell)) {
        if (std::isfinite(*d)) out << shortest(*d);
      } else if (const auto* i = std::get_if<int64_t>(&cell)) {
        out << *i;
      }
    }
    out << "\r\n";
  }
  if (!out) return makeError(ErrorKind::kExport, "write failed");
  return Status::Ok();
}

Status writeJson(const Table& table, std::ostream& out, int indent) {
  if (auto st = checkShape(table); !st.ok()) return st;
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const auto& row : table.rows) {
    nlohmann::ordered_json obj = nlohmann::ordered_json::object();
    for (std::size_t c = 0; c < row.size(); ++c) {
      const Cell& cell = row[c];
      auto& slot = obj[table.columns[c]];
      if (const auto* s = std::get_if<std::string>(&cell)) {
        slot = *s;
      } else if (const auto* d = std::get_if<double>(&cell)) {
        if (std::isfinite(*d)) slot = *d;
      } else if (const auto* i = std::get_if<int64_t>(&cell)) {
        slot = *i;
      }
    }
    arr.push_back(std::move(obj));
  }
  out << arr.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
  if (!out) return makeError(ErrorKind::kExport, "write failed");
  return Status::Ok();
}

Status writeXlsx(const Table& table, const std::filesystem::path& file,
                 const std::string& sheet_name) {
  if (auto st = checkShape(table); !st.ok()) return st;
  if (table.rows.size() + 1 > kXlsxMaxRows) {
    return makeError(ErrorKind::kExport, std::to_string(table.rows.size()) +
                                             " rows do not fit in one worksheet (1048575 at most)");
  }
  if (table.columns.size() > 16384) return makeError(ErrorKind::kExport, "more than 16384 columns");
  lxw_workbook* wb = workbook_new(file.c_str());
  if (!wb) return makeError(ErrorKind::kExport, file.string() + ": cannot create workbook");
  lxw_worksheet* ws = workbook_add_worksheet(wb, sheet_name.c_str());
  if (!ws) {
    workbook_close(wb);
    std::filesystem::remove(file);
    return makeError(ErrorKind::kExport, "bad sheet name \"" + sheet_name + "\"");
  }
  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);
  std::vector<std::size_t> width(table.columns.size(), 0);
  lxw_error err = LXW_NO_ERROR;
  auto writeString = [&](lxw_row_t r, lxw_col_t c, const std::string& s, lxw_format* f) {
    const std::string cut = cutCodePoints(s, kXlsxMaxCellChars);
    lxw_error e = worksheet_write_string(ws, r, c, cut.c_str(), f);
    if (e != LXW_NO_ERROR && err == LXW_NO_ERROR) err = e;
  };
  for (std::size_t c = 0; c < table.columns.size(); ++c) {
    writeString(0, static_cast<lxw_col_t>(c), table.columns[c], bold);
    width[c] = displayWidth(table.columns[c]);
  }
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    auto row = static_cast<lxw_row_t>(r + 1);
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      auto col = static_cast<lxw_col_t>(c);
      const Cell& cell = table.rows[r][c];
      if (const auto* s = std::get_if<std::string>(&cell)) {
        if (!s->empty()) writeString(row, col, *s, nullptr);
      } else if (const auto* d = std::get_if<double>(&cell)) {
        if (std::isfinite(*d)) worksheet_write_number(ws, row, col, *d, nullptr);
      } else if (const auto* i = std::get_if<int64_t>(&cell)) {
        // Excel numbers are doubles: exact up to 2^53, which every count here is below.
        worksheet_write_number(ws, row, col, static_cast<double>(*i), nullptr);
      }
      width[c] = std::max(width[c], cellDisplayWidth(cell));
    }
  }
  for (std::size_t c = 0; c < width.size(); ++c) {
    double w = static_cast<double>(std::min<std::size_t>(width[c], 60)) + 2;
    worksheet_set_column(ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), w, nullptr);
  }
  worksheet_freeze_panes(ws, 1, 0);
  worksheet_autofilter(ws, 0, 0, static_cast<lxw_row_t>(table.rows.size()),
                       static_cast<lxw_col_t>(table.columns.size() - 1));
  lxw_error close_err = workbook_close(wb);
  if (err != LXW_NO_ERROR || close_err != LXW_NO_ERROR) {
    std::filesystem::remove(file);
    return makeError(ErrorKind::kExport,
                     file.string() + ": " + lxw_strerror(err != LXW_NO_ERROR ? err : close_err));
  }
  return Status::Ok();
}

Result<std::string> xlsxBytes(const Table& table, const std::string& sheet_name) {
  std::error_code ec;
  auto dir = std::filesystem::temp_directory_path(ec);
  if (ec) return makeError(ErrorKind::kExport, "no temporary directory: " + ec.message());
  std::string tmpl = (dir / "uplinkprobe-export-XXXXXX.xlsx").string();
  int fd = mkstemps(tmpl.data(), 5);
  if (fd < 0)
    return makeError(ErrorKind::kExport, "cannot create a temporary file in " + dir.string());
  ::close(fd);
  std::filesystem::path path(tmpl);
  Status st = writeXlsx(table, path, sheet_name);
  if (!st.ok()) {
    std::filesystem::remove(path, ec);
    return st.error();
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  std::filesystem::remove(path, ec);
  if (!in && !in.eof()) return makeError(ErrorKind::kExport, "cannot read back the workbook");
  return bytes.str();
}

}  // namespace uplinkprobe::collector
