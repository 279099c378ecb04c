#include "http/chunked_decoder.h"

#include <gtest/gtest.h>

#include <string>

namespace uplinkprobe::http {
namespace {

using S = ChunkedDecoder::Status;

TEST(ChunkedDecoder, DecodesWholeBodyAndStopsAtItsEnd) {
  ChunkedDecoder d(1 << 20);
  std::string body = "5\r\nhello\r\nA;ext=1\r\n0123456789\r\n0\r\n\r\n";
  auto step = d.feed(body + "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(step.status, S::kDone);
  EXPECT_EQ(step.consumed, body.size());
  EXPECT_EQ(d.bodyBytes(), 15u);
}

TEST(ChunkedDecoder, ByteByByteEqualsWhole) {
  std::string body = "3\r\nabc\r\n10 ; x=\"y\"\r\n0123456789abcdef\r\n0\r\nTrailer: v\r\n\r\n";
  ChunkedDecoder d(1 << 20);
  for (std::size_t i = 0; i < body.size(); ++i) {
    auto step = d.feed(std::string_view(body).substr(i, 1));
    ASSERT_EQ(step.consumed, 1u) << "at " << i;
    if (i + 1 < body.size()) {
      ASSERT_EQ(step.status, S::kNeedMore) << "at " << i << ": " << d.errorMessage();
    } else {
      EXPECT_EQ(step.status, S::kDone);
    }
  }
  EXPECT_EQ(d.bodyBytes(), 19u);
}

TEST(ChunkedDecoder, RejectsMalformed) {
  for (std::string bad : {"\r\n", "g\r\n", "5\r\nhelloX\r\n", "5\nhello\r\n",
                          "1234567890abcdef0\r\n", "0\r\nTrailer\n\r\n", "3\r\nabc\r\r"}) {
    ChunkedDecoder d(1 << 20);
    EXPECT_EQ(d.feed(bad).status, S::kMalformed) << bad;
    EXPECT_EQ(d.feed("0\r\n\r\n").status, S::kMalformed) << "error must be sticky";
  }
}

TEST(ChunkedDecoder, OnlyWhitespaceThenExtensionAfterTheSize) {
  for (std::string bad : {"5x\r\nhello\r\n0\r\n\r\n", "5 garbage\r\nhello\r\n0\r\n\r\n",
                          "5\"\r\nhello\r\n0\r\n\r\n", "5 ,;a\r\nhello\r\n0\r\n\r\n"}) {
    ChunkedDecoder d(1 << 20);
    EXPECT_EQ(d.feed(bad).status, S::kMalformed) << bad;
  }
  for (std::string good : {"5;name=value\r\nhello\r\n0\r\n\r\n", "5 \t;a\r\nhello\r\n0\r\n\r\n",
                           "5  \r\nhello\r\n0 ;last\r\n\r\n"}) {
    ChunkedDecoder d(1 << 20);
    EXPECT_EQ(d.feed(good).status, S::kDone) << good;
    EXPECT_EQ(d.bodyBytes(), 5u);
  }
}

TEST(ChunkedDecoder, RejectsBodyOverLimitBeforeReadingIt) {
  ChunkedDecoder d(100);
  EXPECT_EQ(d.feed("50\r\n").status, S::kNeedMore);
  ChunkedDecoder d2(100);
  auto step = d2.feed("65\r\n");  // 101 bytes declared
  EXPECT_EQ(step.status, S::kTooLarge);
  ChunkedDecoder d3(100);
  std::string sixty(60, 'x');
  EXPECT_EQ(d3.feed("3c\r\n" + sixty + "\r\n").status, S::kNeedMore);
  EXPECT_EQ(d3.feed("3c\r\n").status, S::kTooLarge);  // 120 > 100 in total
}

TEST(ChunkedDecoder, BoundsExtensionsAndTrailers) {
  ChunkedDecoder d(1 << 20);
  std::string line = "1;" + std::string(ChunkedDecoder::kMaxChunkLine + 1, 'e');
  EXPECT_EQ(d.feed(line).status, S::kMalformed);
  ChunkedDecoder t(1 << 20);
  std::string trailer = "0\r\n";
  for (int i = 0; i < 200; ++i) trailer += "X-T: " + std::string(60, 'v') + "\r\n";
  EXPECT_EQ(t.feed(trailer).status, S::kMalformed);
}

}  // namespace
}  // namespace uplinkprobe::http
