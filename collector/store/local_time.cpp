#include "collector/store/local_time.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <regex>

namespace uplinkprobe::collector {
namespace {

constexpr int kMinutesPerWeek = 7 * 24 * 60;

LocalStamp fromTm(const std::tm& tm) {
  LocalStamp s;
  const int monday_based = (tm.tm_wday + 6) % 7;
  s.minute_of_week = monday_based * 1440 + tm.tm_hour * 60 + tm.tm_min;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  s.date = buf;
  return s;
}

int dayIndex(const std::string& d) {
  static const std::array<const char*, 7> names{"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  std::string l = d;
  std::transform(l.begin(), l.end(), l.begin(), ::tolower);
  for (size_t i = 0; i < names.size(); ++i)
    if (l == names[i]) return static_cast<int>(i);
  return -1;
}

struct Window {
  int day_from, day_to, minute_from, minute_to;
};

std::string parseWindow(const std::string& w, Window& out) {
  static const std::regex re(
      R"(^\s*([A-Za-z]{3})(?:-([A-Za-z]{3}))?\s+([01][0-9]|2[0-4]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])\s*$)");
  std::smatch m;
  if (!std::regex_match(w, m, re))
    return "school hours \"" + w + "\": expected e.g. \"Mon-Fri 08:00-17:00\"";
  out.day_from = dayIndex(m[1]);
  out.day_to = m[2].matched ? dayIndex(m[2]) : out.day_from;
  if (out.day_from < 0 || out.day_to < 0)
    return "school hours \"" + w + "\": days are Mon Tue Wed Thu Fri Sat Sun";
  if (out.day_to < out.day_from)
    return "school hours \"" + w + "\": day range must run Mon→Sun (e.g. Mon-Fri)";
  out.minute_from = std::stoi(m[3]) * 60 + std::stoi(m[4]);
  out.minute_to = std::stoi(m[5]) * 60 + std::stoi(m[6]);
  if (out.minute_from > 1440 || out.minute_to > 1440)
    return "school hours \"" + w + "\": times must be at most 24:00";
  if (out.minute_from >= out.minute_to)
    return "school hours \"" + w + "\": start must be before end";
  return "";
}

}  // namespace

LocalStamp processLocalStamp(int64_t utc_ms) {
  std::time_t t = static_cast<std::time_t>(utc_ms / 1000 - (utc_ms % 1000 < 0 ? 1 : 0));
  std::tm tm{};
  localtime_r(&t, &tm);
  return fromTm(tm);
}

LocalClock fixedOffsetClock(int offset_minutes) {
  return [offset_minutes](int64_t utc_ms) {
    int64_t s = utc_ms / 1000 - (utc_ms % 1000 < 0 ? 1 : 0) + int64_t{offset_minutes} * 60;
    std::time_t t = static_cast<std::time_t>(s);
    std::tm tm{};
    gmtime_r(&t, &tm);
    return fromTm(tm);
  };
}

std::string checkSchoolHoursWindow(const std::string& window) {
  Window w;
  return parseWindow(window, w);
}

Result<SchoolHours> SchoolHours::parse(const std::vector<std::string>& windows) {
  std::vector<std::pair<int, int>> iv;
  for (const auto& s : windows) {
    Window w;
    if (auto err = parseWindow(s, w); !err.empty()) return makeError(ErrorKind::kConfig, err);
    for (int d = w.day_from; d <= w.day_to; ++d)
      iv.emplace_back(d * 1440 + w.minute_from, d * 1440 + w.minute_to);
  }
  std::sort(iv.begin(), iv.end());
  SchoolHours h;
  for (const auto& p : iv) {
    if (!h.intervals_.empty() && p.first <= h.intervals_.back().second)
      h.intervals_.back().second = std::max(h.intervals_.back().second, p.second);
    else
      h.intervals_.push_back(p);
  }
  return h;
}

SchoolHours SchoolHours::always() {
  SchoolHours h;
  h.intervals_.emplace_back(0, kMinutesPerWeek);
  return h;
}

bool SchoolHours::contains(int mow) const {
  for (const auto& [a, b] : intervals_)
    if (mow >= a && mow < b) return true;
  return false;
}

}  // namespace uplinkprobe::collector
