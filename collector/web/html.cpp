#include "collector/web/html.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "http/query_string.h"

namespace uplinkprobe::collector::web {

namespace {
// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid.
std::size_t utf8Len(std::string_view s, std::size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}
}  // namespace

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    switch (c) {
      case '&':
        out += "&amp;";
        ++i;
        continue;
      case '<':
        out += "&lt;";
        ++i;
        continue;
      case '>':
        out += "&gt;";
        ++i;
        continue;
      case '"':
        out += "&quot;";
        ++i;
        continue;
      case '\'':
        out += "&#39;";
        ++i;
        continue;
      default:
        break;
    }
    std::size_t n = utf8Len(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    unsigned char u = static_cast<unsigned char>(c);
    if (n == 1 && u < 0x20 && c != '\n' && c != '\t') {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(s.data() + i, n);
    }
    i += n;
  }
  return out;
}

std::string urlEncode(std::string_view s) { return http::percentEncode(s); }

std::string num1(std::optional<double> v) {
  if (!v) return "—";
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", *v);
  return b;
}

std::string pct(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f %%", v);
  return b;
}

std::string localTime(std::optional<std::int64_t> utc_ms) {
  if (!utc_ms) return "—";
  std::time_t t = static_cast<std::time_t>(*utc_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%d %H:%M", &tm);
  return b;
}

std::string localDate(std::int64_t utc_ms) {
  std::time_t t = static_cast<std::time_t>(utc_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char b[16];
  std::strftime(b, sizeof b, "%Y-%m-%d", &tm);
  return b;
}

std::string zoneLabel() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  long off = tm.tm_gmtoff / 60;
  char b[96];
  const char* tz = std::getenv("TZ");
  std::string name = tz && *tz ? tz : (tm.tm_zone ? tm.tm_zone : "local");
  if (!name.empty() && name[0] == ':') name.erase(0, 1);
  std::snprintf(b, sizeof b, " (UTC%c%02ld:%02ld)", off < 0 ? '-' : '+', std::labs(off) / 60,
                std::labs(off) % 60);
  return name + b;
}

}  // namespace uplinkprobe::collector::web
