// common/utf8: the one UTF-8 implementation the sheet readers, the XLSX export and the MQTT
// codec share.
#include "common/utf8.h"

#include <gtest/gtest.h>

namespace uplinkprobe::utf8 {
namespace {

TEST(Utf8, ValidationIsStrict) {
  EXPECT_TRUE(isValid("学校 school"));
  EXPECT_TRUE(isValid("\xF0\x9F\x98\x80"));                   // U+1F600
  EXPECT_FALSE(isValid("\xC0\x80"));                          // overlong NUL
  EXPECT_FALSE(isValid("\xE0\x80\xAF"));                      // overlong '/'
  EXPECT_FALSE(isValid("\xED\xA0\x80"));                      // surrogate
  EXPECT_FALSE(isValid("\xF4\x90\x80\x80"));                  // above U+10FFFF
  EXPECT_FALSE(isValid("\xE5\xAD"));                          // truncated
  EXPECT_TRUE(isValid(std::string_view("a\0b", 3)));          // files may carry NUL
  EXPECT_FALSE(isValid(std::string_view("a\0b", 3), false));  // MQTT strings may not
}

TEST(Utf8, DecodeAlwaysAdvancesAndAppendRoundTrips) {
  const std::string text = "学\xFFx\xE5\xAD";
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t cp = 0;
    const std::size_t n = decodeOne(text, i, cp);
    ASSERT_GE(n, 1u);
    append(cp, out);
    i += n;
  }
  // Each byte that starts no complete sequence became U+FFFD.
  EXPECT_EQ(out, "学\xEF\xBF\xBDx\xEF\xBF\xBD\xEF\xBF\xBD");
  std::string all;
  for (std::uint32_t cp : {0x41u, 0x7FFu, 0xFFFFu, 0x10FFFFu}) append(cp, all);
  EXPECT_TRUE(isValid(all));
}

}  // namespace
}  // namespace uplinkprobe::utf8
