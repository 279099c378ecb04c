#include "http/query_string.h"

#include <gtest/gtest.h>

namespace uplinkprobe::http {
namespace {

TEST(QueryString, FindsParams) {
  EXPECT_EQ(queryParam("a=1&ckSize=20&r=0.1", "ckSize"), "20");
  EXPECT_EQ(queryParam("cksize=20", "ckSize"), std::nullopt);
  EXPECT_EQ(queryParam("cors", "cors"), "");
  EXPECT_EQ(queryParam("", "x"), std::nullopt);
}

TEST(QueryString, PercentDecode) {
  EXPECT_EQ(percentDecode("a%20b+c"), "a b c");
  EXPECT_EQ(percentDecode("%E5%90%89%E6%9E%97"), "吉林");
  EXPECT_EQ(percentDecode("2026-12-02T01%3A53%3A27Z"), "2026-12-02T01:53:27Z");
  EXPECT_EQ(percentDecode(""), "");
  EXPECT_EQ(percentDecode("%"), std::nullopt);
  EXPECT_EQ(percentDecode("%4"), std::nullopt);
  EXPECT_EQ(percentDecode("%zz"), std::nullopt);
  EXPECT_EQ(percentDecode("ab%"), std::nullopt);
}

TEST(QueryString, PercentEncodeKeepsOnlyUnreservedAndRoundTrips) {
  EXPECT_EQ(percentEncode("aZ09-_.~"), "aZ09-_.~");
  EXPECT_EQ(percentEncode("a b&c=d/é+"), "a%20b%26c%3Dd%2F%C3%A9%2B");
  const std::string all = [] {
    std::string s;
    for (int c = 0; c < 256; ++c) s += static_cast<char>(c);
    return s;
  }();
  EXPECT_EQ(percentDecode(percentEncode(all)), all);
}

TEST(QueryString, ParseQueryDecodesAndBounds) {
  auto q = parseQuery("by=county&&since=2026-12-01T00%3A00%3A00Z&flag");
  ASSERT_TRUE(q);
  ASSERT_EQ(q->size(), 3u);
  EXPECT_EQ((*q)[0].name, "by");
  EXPECT_EQ((*q)[0].value, "county");
  EXPECT_EQ((*q)[1].value, "2026-12-01T00:00:00Z");
  EXPECT_EQ((*q)[2].name, "flag");
  EXPECT_EQ((*q)[2].value, "");
  EXPECT_FALSE(parseQuery("a=%G1"));
  EXPECT_FALSE(parseQuery("a=1&b=2&c=3", 2));
  EXPECT_TRUE(parseQuery("a=1&b=2", 2));
  EXPECT_TRUE(parseQuery("")->empty());
}

}  // namespace
}  // namespace uplinkprobe::http
