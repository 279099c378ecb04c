#include "agent/cli/display_format.h"

#include <fmt/format.h>

#include <cmath>

namespace uplinkprobe::cli {
namespace {

double roundTo(double v, double scale) { return std::round(v * scale) / scale; }

}  // namespace

std::optional<double> numberAt(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* p = &j;
  for (const char* k : path) {
    if (!p->is_object()) return std::nullopt;
    auto it = p->find(k);
    if (it == p->end()) return std::nullopt;
    p = &*it;
  }
  if (!p->is_number()) return std::nullopt;
  const double v = p->get<double>();
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

namespace {

std::string numberText(std::optional<double> v, bool whole_plain) {
  if (!v || !std::isfinite(*v)) return kUnknown;
  const double a = std::fabs(*v);
  const char* sign = *v < 0 ? "-" : "";
  if (a == 0) return "0";
  // Whole numbers (targets, tolerances) print without decimals: "100 Mbps", "5 %".
  if (whole_plain && a < 1e5 && a == std::round(a)) return fmt::format("{}{:.0f}", sign, a);
  // Decisions are taken on the rounded value, so 9.996 becomes "10.0", not "10.00".
  if (roundTo(a, 100) < 0.01) return fmt::format("{}<0.01", sign);
  if (roundTo(a, 100) < 10) return fmt::format("{}{:.2f}", sign, a);
  if (roundTo(a, 10) < 1000) return fmt::format("{}{:.1f}", sign, a);
  return fmt::format("{}{:.0f}", sign, a);
}

}  // namespace

std::string formatNumber(std::optional<double> v) { return numberText(v, true); }

std::string formatRate(std::optional<double> mbps) {
  if (!mbps || !std::isfinite(*mbps)) return kUnknown;
  // 17000 Mbps is "17.0 Gbps" like the 17.04 beside it, not "17 Gbps".
  if (roundTo(std::fabs(*mbps), 10) >= 1000) return numberText(*mbps / 1000, false) + " Gbps";
  return formatNumber(mbps) + " Mbps";
}

std::string rateCell(std::optional<double> mbps) {
  return fmt::format("{:>{}}", formatNumber(mbps), kCellWidth);
}

std::string formatMs(std::optional<double> ms) {
  if (!ms || !std::isfinite(*ms)) return kUnknown;
  return formatNumber(ms) + " ms";
}

std::string formatSeconds(std::optional<double> s) {
  if (!s || !std::isfinite(*s)) return kUnknown;
  return formatNumber(s) + " s";
}

std::string formatBytes(std::optional<double> b) {
  if (!b || !std::isfinite(*b)) return kUnknown;
  const double a = std::fabs(*b);
  if (a == 0) return "0 B";
  if (roundTo(a / 1e3, 10) < 1000) return formatNumber(*b / 1e3) + " kB";
  if (roundTo(a / 1e6, 10) < 1000) return formatNumber(*b / 1e6) + " MB";
  return formatNumber(*b / 1e9) + " GB";
}

std::string formatPercent(std::optional<double> pct) {
  if (!pct || !std::isfinite(*pct)) return kUnknown;
  const double a = *pct;
  if (a == 0) return "0 %";
  if (a > 0 && a < 0.005) return "<0.01 %";
  if (a == std::round(a)) return fmt::format("{:.0f} %", a);
  // Below 100 the value is cut, not rounded: 99.999 % uptime is not "100 %".
  if (a > 0 && a < 100) return fmt::format("{:.2f} %", std::floor(a * 100) / 100);
  return fmt::format("{:.0f} %", a);
}

std::string formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return kUnknown;
  const long long s = std::llround(seconds);
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{} min", s / 60);
  if (s < 86400) return fmt::format("{} h {:02} min", s / 3600, (s % 3600) / 60);
  return fmt::format("{} d {} h", s / 86400, (s % 86400) / 3600);
}

int displayWidth(const std::string& u) {
  int w = 0;
  for (size_t i = 0; i < u.size();) {
    const unsigned char c = static_cast<unsigned char>(u[i]);
    if (c == 0x1b) {  // ESC [ params final-byte
      ++i;
      if (i < u.size() && u[i] == '[') {
        ++i;
        while (i < u.size() && !(u[i] >= 0x40 && u[i] <= 0x7e)) ++i;
        if (i < u.size()) ++i;
      }
      continue;
    }
    uint32_t cp = c;
    int len = 1;
    if (c >= 0xf0) {
      cp = c & 0x07;
      len = 4;
    } else if (c >= 0xe0) {
      cp = c & 0x0f;
      len = 3;
    } else if (c >= 0xc0) {
      cp = c & 0x1f;
      len = 2;
    }
    for (int k = 1; k < len && i + k < u.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(u[i + k]) & 0x3f);
    i += len;
    if (cp < 0x20 || cp == 0x7f) continue;       // control characters
    if (cp >= 0x0300 && cp <= 0x036f) continue;  // combining marks
    const bool wide = (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
                      (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
                      (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
                      (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

}  // namespace uplinkprobe::cli

namespace uplinkprobe::cli {

std::string wrapLine(const std::string& label, const std::string& text, int indent,
                     bool pad_label) {
  std::string out;
  std::string line = label;
  while (pad_label && displayWidth(line) < indent) line += ' ';
  // A label as wide as the indent (a longer translation) still gets a space after it.
  if (pad_label && !line.empty() && line.back() != ' ') line += ' ';
  const std::string pad(indent, ' ');
  bool line_has_word = false;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find(' ', i);
    if (j == std::string::npos) j = text.size();
    std::string word = text.substr(i, j - i);
    i = j + 1;
    if (word.empty()) continue;
    const int room = kMaxColumns - displayWidth(line) - (line_has_word ? 1 : 0);
    if (displayWidth(word) > room && line_has_word) {
      out += line + "\n";
      line = pad;
      line_has_word = false;
    }
    // A single word wider than a whole line (a path, a URL) stays whole on its own line:
    // cutting it would break copy and paste.
    line += (line_has_word ? " " : "") + word;
    line_has_word = true;
  }
  out += line + "\n";
  return out;
}

}  // namespace uplinkprobe::cli

namespace uplinkprobe::cli {

std::string wrapMessage(const std::string& text) {
  std::string out;
  size_t start = 0;
  // Each line of a multi-line message is wrapped on its own.
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out += wrapLine("", text.substr(start, nl - start), 2, false);
    start = nl + 1;
  }
  return out;
}

}  // namespace uplinkprobe::cli
