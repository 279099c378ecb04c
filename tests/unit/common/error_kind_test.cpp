// common/error_kind: every ErrorKind has one unique wire name that round-trips, and the record
// contract (docs/schema/README.md) lists every name.
#include "common/error_kind.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace uplinkprobe {
namespace {

TEST(ErrorKind, EveryNameRoundTrips) {
  for (std::size_t i = 0; i < kAllErrorKinds.size(); ++i) {
    const ErrorKind k = kAllErrorKinds[i];
    EXPECT_EQ(static_cast<std::size_t>(k), i) << "kAllErrorKinds is in declaration order";
    const auto back = errorKindFromName(errorKindName(k));
    ASSERT_TRUE(back.has_value()) << errorKindName(k);
    EXPECT_EQ(*back, k) << errorKindName(k);
  }
}

TEST(ErrorKind, NamesAreUniqueNonEmptyAndLowercase) {
  std::set<std::string_view> seen;
  for (ErrorKind k : kAllErrorKinds) {
    const std::string_view name = errorKindName(k);
    EXPECT_FALSE(name.empty());
    EXPECT_TRUE(seen.insert(name).second) << "duplicate name " << name;
    for (char c : name) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << name;
  }
}

TEST(ErrorKind, TodaysWireNamesAreKept) {
  EXPECT_EQ(errorKindName(ErrorKind::kIo), "io");
  EXPECT_EQ(errorKindName(ErrorKind::kInvalidArguments), "invalid_arguments");
  EXPECT_EQ(errorKindName(ErrorKind::kUnknownVerb), "unknown_verb");
  EXPECT_EQ(errorKindName(ErrorKind::kJournalLocked), "journal_locked");
  EXPECT_EQ(errorKindName(ErrorKind::kKeyId), "key_id");
}

TEST(ErrorKind, UnknownNamesAreNotKinds) {
  EXPECT_FALSE(errorKindFromName(""));
  EXPECT_FALSE(errorKindFromName("IO"));
  EXPECT_FALSE(errorKindFromName("io "));
  EXPECT_FALSE(errorKindFromName("no_such_kind"));
}

TEST(ErrorKind, TheRecordContractListsEveryKind) {
  const std::string path = std::string(UPLINKPROBE_SOURCE_DIR) + "/docs/schema/README.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  for (ErrorKind k : kAllErrorKinds) {
    // One table row per kind: "| `name` | meaning |".
    const std::string row = "| `" + std::string(errorKindName(k)) + "` |";
    EXPECT_NE(doc.find(row), std::string::npos) << path << " has no row " << row;
  }
}

}  // namespace
}  // namespace uplinkprobe
