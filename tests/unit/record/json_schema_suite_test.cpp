// Runs the official JSON-Schema-Test-Suite draft 2020-12 cases of every keyword that
// record/schema_validator supports (tests/data/json-schema-test-suite: why a vendored copy is
// in its README). Every case of every group must pass, except the groups listed in
// kExcluded; an excluded group must be REFUSED at load (it uses a keyword or feature outside
// the subset), so an exclusion can never hide a wrong answer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "record/schema_validator.h"

namespace uplinkprobe::record {
namespace {

using nlohmann::json;

const char* const kFiles[] = {"type",
                              "properties",
                              "required",
                              "additionalProperties",
                              "items",
                              "enum",
                              "const",
                              "minimum",
                              "maximum",
                              "exclusiveMinimum",
                              "exclusiveMaximum",
                              "minLength",
                              "maxLength",
                              "pattern",
                              "minItems",
                              "maxItems",
                              "allOf",
                              "anyOf",
                              "oneOf",
                              "not",
                              "ref",
                              "defs",
                              "boolean_schema",
                              "infinite-loop-detection"};

// (file, group description) -> why it is excluded.
const std::map<std::pair<std::string, std::string>, std::string> kExcluded = {
    {{"properties", "properties, patternProperties, additionalProperties interaction"},
     "patternProperties"},
    {{"additionalProperties", "additionalProperties being false does not allow other properties"},
     "patternProperties"},
    {{"additionalProperties", "non-ASCII pattern with additionalProperties"}, "patternProperties"},
    {{"additionalProperties", "additionalProperties with propertyNames"}, "propertyNames"},
    {{"additionalProperties", "dependentSchemas with additionalProperties"}, "dependentSchemas"},
    {{"items", "items and subitems"}, "prefixItems"},
    {{"items", "prefixItems with no additional items allowed"}, "prefixItems"},
    {{"items", "items does not look in applicators, valid case"}, "prefixItems"},
    {{"items", "prefixItems validation adjusts the starting index for items"}, "prefixItems"},
    {{"items", "items with heterogeneous array"}, "prefixItems"},
    {{"allOf", "allOf combined with anyOf, oneOf"}, "multipleOf"},
    {{"not", "collect annotations inside a 'not', even if collection is disabled"},
     "unevaluatedProperties"},
    {{"ref", "relative pointer ref to array"}, "prefixItems"},
    {{"ref", "remote ref, containing refs itself"},
     "refers to the draft 2020-12 meta-schema, a remote document ($dynamicRef, $vocabulary)"},
    {{"ref", "ref creates new scope when adjacent to keywords"}, "unevaluatedProperties"},
    {{"ref", "order of evaluation: $id and $anchor and $ref"}, "$anchor"},
    {{"ref", "URN base URI with URN and anchor ref"}, "$anchor"},
    {{"ref", "ref to if"}, "if/then/else"},
    {{"ref", "ref to then"}, "if/then/else"},
    {{"ref", "ref to else"}, "if/then/else"},
    {{"defs", "validate definition against metaschema"},
     "refers to the draft 2020-12 meta-schema, a remote document"},
    {{"pattern", "pattern with Unicode property escape requires unicode mode"},
     "\\p{...} needs the ECMAScript u flag; std::regex has no Unicode property escapes"},
};

TEST(JsonSchemaTestSuite, Draft202012SupportedKeywords) {
  const std::filesystem::path dir = std::filesystem::path(UPLINKPROBE_SOURCE_DIR) /
                                    "tests/data/json-schema-test-suite/draft2020-12";
  std::size_t cases = 0, groups = 0, excluded_groups = 0, excluded_cases = 0;
  std::set<std::pair<std::string, std::string>> seen_exclusions;
  for (const char* file : kFiles) {
    std::ifstream in(dir / (std::string(file) + ".json"));
    ASSERT_TRUE(in) << "missing suite file " << file;
    json suite = json::parse(in);
    for (const auto& group : suite) {
      const std::string desc = group.at("description");
      auto loaded = SchemaSet::load({{"schema.json", group.at("schema").dump()}});
      auto ex = kExcluded.find({file, desc});
      if (ex != kExcluded.end()) {
        seen_exclusions.insert(ex->first);
        ++excluded_groups;
        excluded_cases += group.at("tests").size();
        EXPECT_FALSE(loaded.ok()) << file << " / " << desc
                                  << ": excluded group must be refused at load";
        continue;
      }
      ++groups;
      ASSERT_TRUE(loaded.ok()) << file << " / " << desc << ": " << loaded.error().message;
      for (const auto& t : group.at("tests")) {
        ++cases;
        auto r = loaded->validateDocument("schema.json", t.at("data"));
        EXPECT_EQ(r.ok(), t.at("valid").get<bool>())
            << file << " / " << desc << " / " << t.at("description").get<std::string>()
            << "\n  data: " << t.at("data").dump() << "\n  errors: " << r.message();
      }
    }
  }
  EXPECT_EQ(seen_exclusions.size(), kExcluded.size()) << "an exclusion names no suite group";
  std::cout << "suite: " << cases << " cases in " << groups << " groups passed; excluded "
            << excluded_cases << " cases in " << excluded_groups << " groups\n";
  EXPECT_GT(cases, 450u);
}

}  // namespace
}  // namespace uplinkprobe::record
