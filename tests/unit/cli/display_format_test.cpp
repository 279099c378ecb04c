// display_format.h: unknown is "—" never 0, adaptive precision, cells that keep columns
// aligned whatever the magnitude, display widths of UTF-8 text, wrapping to 80 columns.
#include "agent/cli/display_format.h"

#include <gtest/gtest.h>

namespace uplinkprobe::cli {
namespace {

TEST(DisplayFormat, UnknownIsADashNeverZero) {
  EXPECT_EQ(formatRate(std::nullopt), "—");
  EXPECT_EQ(formatMs(std::nullopt), "—");
  EXPECT_EQ(formatPercent(std::nullopt), "—");
  EXPECT_EQ(formatBytes(std::nullopt), "—");
  const auto j = nlohmann::json::parse(R"({"a":{"b":null,"c":"x","d":0}})");
  EXPECT_FALSE(numberAt(j, {"a", "b"}));
  EXPECT_FALSE(numberAt(j, {"a", "c"}));
  EXPECT_FALSE(numberAt(j, {"a", "missing"}));
  EXPECT_FALSE(numberAt(j, {"a", "d", "deeper"}));
  ASSERT_TRUE(numberAt(j, {"a", "d"}));
  EXPECT_EQ(formatRate(numberAt(j, {"a", "d"})), "0 Mbps");  // a carried 0 is a 0
}

TEST(DisplayFormat, AdaptivePrecision) {
  EXPECT_EQ(formatMs(0.03), "0.03 ms");
  EXPECT_EQ(formatMs(0.004), "<0.01 ms");
  EXPECT_EQ(formatMs(12.44), "12.4 ms");
  EXPECT_EQ(formatRate(95.63), "95.6 Mbps");
  EXPECT_EQ(formatRate(9.876), "9.88 Mbps");
  EXPECT_EQ(formatRate(9.996), "10.0 Mbps");
  EXPECT_EQ(formatRate(100), "100 Mbps");
  EXPECT_EQ(formatRate(956.34), "956.3 Mbps");
  EXPECT_EQ(formatRate(999.97), "1.00 Gbps");  // never "1000.0 Mbps"
  EXPECT_EQ(formatRate(1234.5), "1.23 Gbps");
  EXPECT_EQ(formatRate(10344.5), "10.3 Gbps");
  EXPECT_EQ(formatRate(17000), "17.0 Gbps");
  EXPECT_EQ(formatBytes(400e6), "400 MB");
  EXPECT_EQ(formatBytes(1.234e9), "1.23 GB");
  EXPECT_EQ(formatBytes(12345), "12.3 kB");
  EXPECT_EQ(formatPercent(99.999), "99.99 %");  // cut, not rounded up to 100
  EXPECT_EQ(formatPercent(5), "5 %");
  EXPECT_EQ(formatPercent(0.001), "<0.01 %");
  EXPECT_EQ(formatDuration(67), "1 min");
  EXPECT_EQ(formatDuration(3 * 3600 + 5 * 60), "3 h 05 min");
}

TEST(DisplayFormat, CellsKeepColumnsWhateverTheMagnitude) {
  for (double v : {0.0, 0.03, 9.99, 95.6, 956.3, 9999.0, 10344.5, 99999.0})
    EXPECT_EQ(displayWidth(rateCell(v)), kCellWidth) << v;
  EXPECT_EQ(displayWidth(rateCell(std::nullopt)), kCellWidth);
}

TEST(DisplayFormat, DisplayWidthCountsColumnsNotBytes) {
  EXPECT_EQ(displayWidth("—"), 1);
  EXPECT_EQ(displayWidth("达标"), 4);
  EXPECT_EQ(displayWidth("\r\033[K  download"), 10);
  EXPECT_EQ(displayWidth("≥ 95"), 4);
}

TEST(DisplayFormat, WrapLineNeverPassesEightyColumns) {
  std::string words;
  for (int i = 0; i < 40; ++i) words += "word" + std::to_string(i) + " ";
  const std::string url = "http://a-very-long-host-name.example.org/" + std::string(120, 'x');
  const std::string out = wrapLine("verdict", words + url + " end");
  // A word longer than a line stays whole (copy and paste), alone on its line.
  EXPECT_NE(out.find("\n          " + url + "\n"), std::string::npos) << out;
  size_t start = 0;
  int lines = 0;
  while (start < out.size()) {
    const size_t nl = out.find('\n', start);
    ASSERT_NE(nl, std::string::npos);
    const std::string line = out.substr(start, nl - start);
    if (line.find(url) == std::string::npos) {
      EXPECT_LE(displayWidth(line), kMaxColumns) << line;
    }
    if (lines++ > 0) {
      EXPECT_EQ(line.rfind("          ", 0), 0u) << line;
    }
    start = nl + 1;
  }
  EXPECT_GT(lines, 3);
  EXPECT_EQ(wrapLine("下载", "95.6 Mbps"), "下载      95.6 Mbps\n");
  EXPECT_EQ(wrapLine("消息服务器：", "x", 9), "消息服务器： x\n");
}

}  // namespace
}  // namespace uplinkprobe::cli
