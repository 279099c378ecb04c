#include "common/time_format.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace uplinkprobe {

TEST(TimeFormat, UtcRoundTripKeepsMillis) {
  WallTime t = WallTime{} + std::chrono::milliseconds(1795867800123LL);
  std::string s = formatRfc3339Utc(t);
  EXPECT_EQ(s, "2026-11-28T12:10:00.123Z");
  auto back = parseRfc3339(s);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, t);
}

TEST(TimeFormat, LocalCarriesOffset) {
  setenv("TZ", "Asia/Shanghai", 1);
  tzset();
  WallTime t = WallTime{} + std::chrono::seconds(1795867800);
  std::string s = formatRfc3339Local(t);
  EXPECT_EQ(s, "2026-11-28T20:10:00.000+08:00");
  EXPECT_EQ(*parseRfc3339(s), t);
  unsetenv("TZ");
  tzset();
}

// Issue 9: records are UTC, screens are local WITH the zone (configured timezone).
TEST(TimeFormat, ScreensShowLocalTimeWithTheZone) {
  useTimeZone("Asia/Shanghai");
  WallTime t = WallTime{} + std::chrono::milliseconds(1795867800123LL);
  EXPECT_EQ(formatLocalDisplay(t), "2026-11-28 20:10:00 +08:00");
  EXPECT_EQ(displayLocal("2026-11-28T12:10:00.123Z"), "2026-11-28 20:10:00 +08:00");
  EXPECT_EQ(displayLocal("2026-11-28T20:10:00+08:00"), "2026-11-28 20:10:00 +08:00");
  EXPECT_EQ(displayLocal("not a time"), "not a time");
  useTimeZone("America/Sao_Paulo");
  EXPECT_EQ(displayLocal("2026-11-28T12:10:00.123Z"), "2026-11-28 09:10:00 -03:00");
  useTimeZone("");  // "" keeps the zone in force
  EXPECT_EQ(displayLocal("2026-11-28T12:10:00.123Z"), "2026-11-28 09:10:00 -03:00");
  unsetenv("TZ");
  tzset();
}

TEST(TimeFormat, RejectsGarbage) {
  EXPECT_FALSE(parseRfc3339("").has_value());
  EXPECT_FALSE(parseRfc3339("2026-11-28").has_value());
  EXPECT_FALSE(parseRfc3339("2026-13-28T00:00:00Z").has_value());
  EXPECT_FALSE(parseRfc3339("2026-11-28T00:00:00+0800").has_value());
  EXPECT_FALSE(parseRfc3339("2026-11-28T00:00:00Zjunk").has_value());
  // Found by fuzz/typed_records_fuzz: a year past 2262 wrapped WallTime's nanoseconds and
  // came back as another time; a negative field and a day the month lacks were accepted.
  EXPECT_FALSE(parseRfc3339("4052-12-03T01:00:00.000Z").has_value());
  EXPECT_FALSE(parseRfc3339("2026-11-28T-1:00:00Z").has_value());
  EXPECT_FALSE(parseRfc3339("2026-11-28T00:-5:00Z").has_value());
  EXPECT_FALSE(parseRfc3339("2026-02-30T00:00:00Z").has_value());
  EXPECT_FALSE(parseRfc3339("2026-11-28T00:00:00+-1:00").has_value());
  EXPECT_TRUE(parseRfc3339("2028-02-29T00:00:00Z").has_value());  // a leap day
  EXPECT_TRUE(parseRfc3339("1970-01-01T00:01:00Z").has_value());  // a box without an RTC
  EXPECT_EQ(formatRfc3339Utc(*parseRfc3339("2200-12-31T23:59:59.999Z")),
            "2200-12-31T23:59:59.999Z");
}

}  // namespace uplinkprobe
