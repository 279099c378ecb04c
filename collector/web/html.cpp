#include "collector/web/html.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "common/html_escape.h"
#include "http/query_string.h"

namespace uplinkprobe::collector::web {

std::string esc(std::string_view s) { return htmlEscape(s); }

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
