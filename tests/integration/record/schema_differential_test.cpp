// The collector's validator (record/schema_validator, embedded docs/schema) against the
// reference, Debian's python3-jsonschema, on every docs/schema file:
//   corpus = real records of every kind from tools/record_samples (the agent's own producers)
//            + the retained status and its Last Will,
//   cases  = each record as produced, and mutated: every member removed, every value replaced
//            by values of every JSON type, an unknown member added to every object, a
//            trailing newline appended to every string; and every record checked against
//            every schema file (wrong kind).
// Both must give the same verdict on every case. One known, documented difference is
// asserted rather than hidden: Python's `$` also matches before a trailing "\n", ECMA-262's
// (the standard JSON Schema refers to) does not, so a string "…Z\n" is refused by the
// collector and accepted by python3-jsonschema.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "record/schema_validator.h"

namespace uplinkprobe::record {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Case {
  std::string schema;
  json data;
  std::string what;
  bool trailing_newline = false;
};

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int rc = pclose(p);
  EXPECT_EQ(rc, 0) << cmd;
  return out;
}

void walk(const json& root, const json& node, const json::json_pointer& at,
          const std::string& schema, std::vector<Case>& out) {
  static const json kValues[] = {
      nullptr, true, 0, -1, 2.5, "", "x", "2026-12-02T01:53:27Z", json::array(), json::object()};
  if (!at.empty()) {
    const json& parent = root.at(at.parent_pointer());
    if (parent.is_object()) {
      json copy = root;
      copy.at(at.parent_pointer()).erase(at.back());
      out.push_back({schema, std::move(copy), "remove " + at.to_string()});
    }
    for (const json& v : kValues) {
      if (v == node && v.type() == node.type()) continue;
      json copy = root;
      copy.at(at) = v;
      out.push_back({schema, std::move(copy), at.to_string() + " = " + v.dump()});
    }
    if (node.is_string()) {
      json copy = root;
      copy.at(at) = node.get<std::string>() + "\n";
      out.push_back({schema, std::move(copy), at.to_string() + " += \\n", true});
    }
  }
  if (node.is_object()) {
    json copy = root;
    copy.at(at)["zz_unknown"] = 1;
    out.push_back({schema, std::move(copy), "add " + at.to_string() + "/zz_unknown"});
    for (auto it = node.begin(); it != node.end(); ++it) {
      walk(root, it.value(), at / it.key(), schema, out);
    }
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size() && i < 3; ++i) walk(root, node[i], at / i, schema, out);
  }
}

TEST(SchemaDifferential, CollectorValidatorAgreesWithPythonJsonschema) {
  const std::string src = UPLINKPROBE_SOURCE_DIR;
  const std::string samples =
      std::string(UPLINKPROBE_BINARY_DIR) + "/tools/record_samples/record_samples";
  ASSERT_TRUE(fs::exists(samples)) << samples << " not built";
  std::istringstream lines(run(samples + " --per-kind 2"));
  std::vector<json> records;
  for (std::string line; std::getline(lines, line);) records.push_back(json::parse(line));

  const SchemaSet& set = SchemaSet::embedded();
  std::vector<Case> cases;
  std::set<std::string> kinds;
  for (const json& r : records) {
    std::string kind = r.at("kind");
    kinds.insert(kind);
    cases.push_back({kind + ".json", r, "as produced"});
    walk(r, r, json::json_pointer(), kind + ".json", cases);
    for (const std::string& name : set.names()) {
      if (name != kind + ".json") cases.push_back({name, r, kind + " record as " + name});
    }
  }
  // Kinds the simulator cannot produce (power needs a heartbeat gap, gap a lost segment) are
  // still compared on the other kinds' records and their mutations, against their schema.
  EXPECT_GE(kinds.size(), 8u);

  char dir_tmpl[] = "/tmp/schema-diff-XXXXXX";
  ASSERT_NE(mkdtemp(dir_tmpl), nullptr);
  const fs::path dir = dir_tmpl;
  json payload = json::array();
  for (const Case& c : cases) payload.push_back({{"schema", c.schema}, {"data", c.data}});
  std::ofstream(dir / "cases.json") << payload.dump();
  run("/usr/bin/python3 " + src + "/tests/support/schema_oracle.py " +
      (dir / "cases.json").string() + " " + (dir / "verdicts.json").string() + " " + src +
      "/docs/schema");
  std::ifstream in(dir / "verdicts.json");
  ASSERT_TRUE(in) << "python3-jsonschema produced no verdicts";
  json verdicts = json::parse(in);
  fs::remove_all(dir);
  ASSERT_EQ(verdicts.size(), cases.size());

  std::size_t valid = 0, invalid = 0, newline_divergence = 0, disagreements = 0;
  std::map<std::string, std::size_t> base_valid;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    ValidationResult ours = set.validateDocument(c.schema, c.data);
    bool theirs = verdicts[i].at("valid");
    if (c.trailing_newline && theirs && !ours.ok()) {
      // Python's `$` matches before a final "\n"; ECMA-262's does not. Ours must be a
      // pattern refusal, nothing else.
      ++newline_divergence;
      for (const auto& e : ours.errors) EXPECT_EQ(e.keyword, "pattern") << e.toString();
      continue;
    }
    if (ours.ok() != theirs && ++disagreements <= 20) {
      ADD_FAILURE() << c.schema << ": " << c.what
                    << "\n  collector: " << (ours.ok() ? "valid" : ours.message())
                    << "\n  python3-jsonschema: " << verdicts[i].at("errors").dump()
                    << "\n  data: " << c.data.dump().substr(0, 400);
    }
    (theirs ? valid : invalid)++;
  }
  for (const json& r : records) {
    std::string name = r.at("kind").get<std::string>() + ".json";
    auto result = set.validateDocument(name, r);
    base_valid[name] += result.ok();
    // What the agent really sends must pass the collector's ingest.
    EXPECT_TRUE(result.ok()) << name << ": " << result.message() << "\n  " << r.dump();
  }
  std::cout << "differential: " << cases.size() << " cases from " << records.size()
            << " records of " << kinds.size() << " kinds; agree on " << valid << " valid and "
            << invalid << " invalid; trailing-newline pattern divergence " << newline_divergence
            << "; disagreements " << disagreements << "\n";
  for (const auto& [name, n] : base_valid) {
    std::cout << "  records valid as produced, " << name << ": " << n << "\n";
  }
  // Ingest cost: validations per second of one real throughput record (wall and this
  // thread's CPU time; the machine is shared, CPU time is the steadier figure).
  for (const json& r : records) {
    if (r.at("kind") != "throughput") continue;
    const int n = 20000;
    timespec c0{}, c1{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    auto t0 = std::chrono::steady_clock::now();
    std::size_t ok = 0;
    for (int i = 0; i < n; ++i) ok += set.validate("throughput", r).ok();
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    double cpu = (c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) / 1e9;
    std::cout << "throughput record (" << r.dump().size() << " bytes, "
              << (ok == n ? "valid" : "INVALID") << "): " << static_cast<long>(n / cpu)
              << " validations/s per core (" << cpu * 1e6 / n << " us CPU each; wall "
              << static_cast<long>(n / wall) << "/s)\n";
    break;
  }
  EXPECT_EQ(disagreements, 0u);
  // Both verdicts must be well represented (a differential test where everything is refused
  // would prove little).
  EXPECT_GE(valid, 500u);
  EXPECT_GT(invalid, 1000u);
}

}  // namespace
}  // namespace uplinkprobe::record
