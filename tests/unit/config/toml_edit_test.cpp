#include "agent/config/toml_edit.h"

#include <gtest/gtest.h>

namespace uplinkprobe::config {
namespace {

const std::string kText =
    "# top comment\n"
    "[identity]\n"
    "# Unique id of this probe.\n"
    "device_id = \"old\"  # trailing\n"
    "school_id = \"s\"\n"
    "\n"
    "[[servers]]\n"
    "name = \"local\"\n"
    "url = \"http://a/\"\n"
    "\n"
    "[[servers]]\n"
    "url = \"http://b/\"\n"
    "[schedule]\n"
    "windows = [\"08:00-12:00\",\n"
    "  \"13:00-17:00\"]\n";

TEST(SetTomlKey, ReplacesTheKeyLineAndKeepsEverythingElse) {
  auto r = setTomlKey(kText, "identity", "device_id", "\"new\"");
  ASSERT_TRUE(r);
  std::string want = kText;
  want.replace(want.find("device_id = \"old\"  # trailing"), 29, "device_id = \"new\"");
  EXPECT_EQ(*r, want);
}

TEST(SetTomlKey, EditsOnlyTheFirstArrayTable) {
  auto r = setTomlKey(kText, "servers", "url", "\"http://c/\"");
  ASSERT_TRUE(r);
  EXPECT_NE(r->find("url = \"http://c/\"\n\n[[servers]]\nurl = \"http://b/\""), std::string::npos)
      << *r;
}

TEST(SetTomlKey, InsertsAMissingKeyAfterTheSectionsLastKey) {
  auto r = setTomlKey(kText, "identity", "carrier", "\"X\"");
  ASSERT_TRUE(r);
  EXPECT_NE(r->find("school_id = \"s\"\ncarrier = \"X\"\n\n[[servers]]"), std::string::npos) << *r;
}

TEST(SetTomlKey, AppendsAMissingSection) {
  auto r = setTomlKey(kText, "mqtt", "uri", "\"tcp://h:1883\"");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, kText + "\n[mqtt]\nuri = \"tcp://h:1883\"\n");
}

TEST(SetTomlKey, RefusesMultiLineValues) {
  auto r = setTomlKey(kText, "schedule", "windows", "[]");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("by hand"), std::string::npos);
}

TEST(SetTomlKey, DoesNotMistakeAKeyOfAnotherSection) {
  auto r = setTomlKey("[a]\nx = 1\n[b]\ny = 2\n", "b", "x", "3");
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "[a]\nx = 1\n[b]\ny = 2\nx = 3\n");
}

TEST(TomlQuote, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(tomlQuote("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_EQ(tomlQuote("Nanhu 小学"), "\"Nanhu 小学\"");
}

}  // namespace
}  // namespace uplinkprobe::config
