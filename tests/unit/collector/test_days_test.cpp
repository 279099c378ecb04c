#include "collector/store/test_days.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace uplinkprobe::collector {
namespace {

std::vector<PackedTest> unpack(const std::string& s, bool* ok = nullptr) {
  std::vector<PackedTest> out;
  const bool good = forEachPackedTest(s, [&](const PackedTest& t) { out.push_back(t); });
  if (ok) *ok = good;
  return out;
}

TEST(TestDays, EveryDoubleReadsBackExactly) {
  std::string packed;
  const std::vector<double> values = {
      95.43, 1.0 / 3.0, 1e-9, 123456789.123456789, std::nextafter(100.0, 0.0), 0.0};
  for (size_t i = 0; i < values.size(); ++i)
    appendPackedTest(packed, {1764640800000 + static_cast<int64_t>(i), static_cast<int>(i * 97),
                              values[i], values[values.size() - 1 - i], i % 2 == 0});
  bool ok = false;
  auto got = unpack(packed, &ok);
  ASSERT_TRUE(ok) << packed;
  ASSERT_EQ(got.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(got[i].ts_ms, 1764640800000 + static_cast<int64_t>(i));
    EXPECT_EQ(got[i].local_mow, static_cast<int>(i * 97));
    EXPECT_EQ(got[i].down_mbps, values[i]);  // bit-exact, not near
    EXPECT_EQ(got[i].up_mbps, values[values.size() - 1 - i]);
    EXPECT_EQ(got[i].meets_target, i % 2 == 0);
  }
}

TEST(TestDays, MissingValuesStayMissing) {
  std::string packed;
  appendPackedTest(packed, {5, 6, std::nullopt, std::nullopt, std::nullopt});
  EXPECT_EQ(packed, "5,6,,,");
  auto got = unpack(packed);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].down_mbps);
  EXPECT_FALSE(got[0].up_mbps);
  EXPECT_FALSE(got[0].meets_target);
}

TEST(TestDays, ReadsWhatTheBackfillsWrite) {
  // SQLite's printf('%!.17g') and PostgreSQL's float8 text.
  bool ok = false;
  auto got = unpack("1,2,95.430000000000007,47.8,1;3,4,1e-09,,0", &ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].down_mbps, 95.43);
  EXPECT_EQ(got[1].down_mbps, 1e-9);
  EXPECT_EQ(got[1].meets_target, false);
}

TEST(TestDays, AMalformedEntryIsReportedAndSkipped) {
  for (const char* bad : {"1,2,3,4", "1,2,3,4,5,6", "x,2,3,4,1", "1,2,3abc,4,1", "1,2,3,4,2",
                          "1,2,nan(,4,1", "1,2,3,4,1;;,", "1.5,2,3,4,1"}) {
    bool ok = true;
    auto got = unpack(bad, &ok);
    EXPECT_FALSE(ok) << bad;
  }
  bool ok = false;
  auto got = unpack("1,2,3,4,1;bogus;5,6,7,8,0", &ok);
  EXPECT_FALSE(ok);
  ASSERT_EQ(got.size(), 2u);  // the good entries are still read
  EXPECT_EQ(got[1].ts_ms, 5);
}

TEST(TestDays, EmptyIsNothing) {
  bool ok = false;
  EXPECT_TRUE(unpack("", &ok).empty());
  EXPECT_TRUE(ok);
}

}  // namespace
}  // namespace uplinkprobe::collector
