#include "common/time_format.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace uplinkprobe {
namespace {

std::string format(WallTime t, bool utc) {
  using namespace std::chrono;
  const auto since = t.time_since_epoch();
  const auto secs = duration_cast<seconds>(since);
  auto millis = duration_cast<milliseconds>(since - secs).count();
  if (millis < 0) millis += 1000;  // pre-1970 clocks still format, never crash
  std::time_t tt = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  if (utc) {
    gmtime_r(&tt, &tm);
  } else {
    localtime_r(&tt, &tm);
  }
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  std::snprintf(buf, sizeof buf, ".%03lld", static_cast<long long>(millis));
  out += buf;
  if (utc) {
    out += 'Z';
  } else {
    long off = tm.tm_gmtoff;
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    std::snprintf(buf, sizeof buf, "%c%02ld:%02ld", sign, off / 3600, (off % 3600) / 60);
    out += buf;
  }
  return out;
}

}  // namespace

std::string formatRfc3339Local(WallTime t) { return format(t, false); }
std::string formatRfc3339Utc(WallTime t) { return format(t, true); }

std::string formatLocalDisplay(WallTime t) {
  // "2026-12-02T09:53:27.123+08:00" -> "2026-12-02 09:53:27 +08:00"
  std::string s = format(t, false);
  if (s.size() < 29) return s;
  return s.substr(0, 10) + " " + s.substr(11, 8) + " " + s.substr(23);
}

std::string displayLocal(const std::string& rfc3339) {
  auto t = parseRfc3339(rfc3339);
  return t ? formatLocalDisplay(*t) : rfc3339;
}

void useTimeZone(const std::string& tz) {
  if (tz.empty()) return;
  setenv("TZ", tz.c_str(), 1);
  tzset();
}

namespace {
constexpr int kMinYear = 1970;  // a probe without a real-time clock starts at the epoch
constexpr int kMaxYear = 2200;
}  // namespace

std::optional<WallTime> parseRfc3339(const std::string& s) {
  int y, mo, d, h, mi, sec;
  char rest[32] = {0};
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%31s", &y, &mo, &d, &h, &mi, &sec, rest) < 7)
    return std::nullopt;
  std::string r(rest);
  long long millis = 0;
  size_t pos = 0;
  if (!r.empty() && r[0] == '.') {
    pos = 1;
    int digits = 0;
    while (pos < r.size() && r[pos] >= '0' && r[pos] <= '9') {
      if (digits < 3) {
        millis = millis * 10 + (r[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    while (digits++ < 3) millis *= 10;
  }
  long offset = 0;
  if (pos < r.size() && (r[pos] == 'Z' || r[pos] == 'z')) {
    if (pos + 1 != r.size()) return std::nullopt;
  } else if (pos < r.size() && (r[pos] == '+' || r[pos] == '-')) {
    int oh, om;
    if (std::sscanf(r.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2 || r.size() != pos + 6 ||
        oh < 0 || oh > 23 || om < 0 || om > 59)
      return std::nullopt;
    offset = (oh * 3600L + om * 60L) * (r[pos] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  // %2d also reads "-1": every field is checked both ways. Years stay within what WallTime
  // (nanoseconds since 1970 in 64 bits) holds, with room: a time past 2262 would wrap.
  if (y < kMinYear || y > kMaxYear || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
      mi < 0 || mi > 59 || sec < 0 || sec > 60)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  std::time_t day = timegm(&tm);
  // A day that does not exist (02-30) would roll into the next month: not a time.
  std::tm check{};
  if (gmtime_r(&day, &check) == nullptr || check.tm_mday != d || check.tm_mon != mo - 1)
    return std::nullopt;
  const std::time_t tt = day + h * 3600L + mi * 60L + sec;
  return WallTime{} + std::chrono::seconds(tt - offset) + std::chrono::milliseconds(millis);
}

double toSeconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

}  // namespace uplinkprobe
