#include "agent/journal/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace uplinkprobe::journal {
namespace {

uint32_t bitwise(const std::string& s, uint32_t crc = 0) {
  crc = ~crc;
  for (unsigned char b : s) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
  }
  return ~crc;
}

TEST(Crc32c, KnownVectorAndBitwiseReferenceForEveryLengthAndAlignment) {
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);  // RFC 3720 check value
  std::mt19937 rng(7);
  std::string buf(300, '\0');
  for (auto& c : buf) c = static_cast<char>(rng());
  for (size_t off = 0; off < 8; ++off)
    for (size_t len = 0; off + len <= buf.size(); len += 7)
      ASSERT_EQ(crc32c(buf.data() + off, len), bitwise(buf.substr(off, len))) << off << " " << len;
  EXPECT_EQ(crc32c(buf.data() + 10, 90, crc32c(buf.data(), 10)), bitwise(buf.substr(0, 100)));
}

}  // namespace
}  // namespace uplinkprobe::journal
