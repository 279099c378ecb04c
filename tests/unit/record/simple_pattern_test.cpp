// SimplePattern against std::regex (the reference the validator used for every pattern):
// every pattern the record schemas use compiles, and on a large deterministic sample of
// subjects built from the characters that matter (and some that never match) both give the
// same answer. Patterns that need backtracking or regex features are refused, never guessed.
#include "record/simple_pattern.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <string>

namespace uplinkprobe::record {
namespace {

bool reference(const std::regex& re, const std::string& subject) {
  return std::regex_search(subject, re);
}

std::set<std::string> schemaPatterns() {
  std::set<std::string> out;
  for (const auto& f :
       std::filesystem::directory_iterator(std::string(UPLINKPROBE_SOURCE_DIR) + "/docs/schema")) {
    std::ifstream in(f.path());
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    const std::regex re(R"re("pattern"\s*:\s*"((?:[^"\\]|\\.)*)")re");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
         ++it) {
      std::string p = (*it)[1];
      std::string unescaped;  // JSON string escapes: only \\ occurs in our patterns
      for (size_t i = 0; i < p.size(); ++i) {
        if (p[i] == '\\' && i + 1 < p.size()) ++i;
        unescaped += p[i];
      }
      out.insert(unescaped);
    }
  }
  return out;
}

void expectSameAsRegex(const std::string& pattern, const std::vector<std::string>& fixed) {
  auto sp = SimplePattern::compile(pattern);
  ASSERT_TRUE(sp.has_value()) << pattern;
  const std::regex re(pattern, std::regex_constants::ECMAScript);
  for (const auto& s : fixed)
    EXPECT_EQ(sp->matches(s), reference(re, s)) << pattern << " on \"" << s << "\"";
  // Random subjects from an alphabet that straddles every class boundary, and one-character
  // edits (replace, insert, delete) of the fixed subjects, so that near-matches are covered.
  const std::string alphabet = "09af-_.:TZ+Az/\\ 5\x7f\xc3\xa9";
  std::mt19937 rng(12345);
  std::vector<std::string> subjects;
  for (int n = 0; n < 3000; ++n) {
    std::string s;
    const int len = static_cast<int>(rng() % 40);
    for (int i = 0; i < len; ++i) s += alphabet[rng() % alphabet.size()];
    subjects.push_back(std::move(s));
  }
  for (const auto& f : fixed) {
    for (int n = 0; n < 60 && !f.empty(); ++n) {
      std::string s = f;
      const size_t at = rng() % s.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          s[at] = c;
          break;
        case 1:
          s.insert(s.begin() + static_cast<long>(at), c);
          break;
        default:
          s.erase(at, 1);
      }
      subjects.push_back(std::move(s));
    }
  }
  for (const auto& s : subjects)
    ASSERT_EQ(sp->matches(s), reference(re, s)) << pattern << " on \"" << s << "\"";
}

TEST(SimplePattern, EverySchemaPatternCompilesAndAgreesWithTheRegex) {
  const auto patterns = schemaPatterns();
  ASSERT_GE(patterns.size(), 5u);
  for (const auto& p : patterns) {
    expectSameAsRegex(p, {"", "2026-12-02", "2026-12-02T01:53:27Z", "2026-12-02T01:53:27.123Z",
                          "2026-12-02T01:53:27.Z", "2026-12-02T01:53:27.1234567890Z",
                          "jl-0042-p1:00000000000000aa:1", "jl-0042-p1:00000000000000aa:01", "a:b",
                          "0123456789abcdef", "0123456789abcdeF", "run_test", std::string(64, 'a'),
                          std::string(65, 'a'), "é", "2026-12-02\n"});
  }
}

TEST(SimplePattern, HandWrittenCornersAgreeWithTheRegex) {
  for (const std::string p :
       {"^a$", "^[a-c]{2,}x$", "^[0-9]+$", "^x?y$", "^\\.\\-$", "^(\\.[0-9]{1,3})?Z$",
        "^[\\d.]{1,4}:$", "^[-a]{0,3}b$", "^[a-]{1,2}c$", "^\\d{4}$"}) {
    expectSameAsRegex(p, {"a", "x", "y", "xy", "abx", "aax", "Z", ".1Z", ".Z", "1.2:", "--b", "a-c",
                          "1234", "12345"});
  }
}

TEST(SimplePattern, PatternsThatNeedBacktrackingOrMoreAreLeftToTheRegex) {
  for (const char* p :
       {"^[a-z]*[a-z]$", "a+", "^a|b$", "^.+$", "^[^a]$", "^a*?$", "^(ab)*$", "^(a?)?b$", "^\\w+$",
        "^é$", "^a$x", "^a\\$", "^(a)+$", "^[a-z]{2,1}$", "^(\\.[0-9]+)?[0-9]$"}) {
    EXPECT_FALSE(SimplePattern::compile(p).has_value()) << p;
  }
}

}  // namespace
}  // namespace uplinkprobe::record
