// ingest_path_bench: where a collector's ingest time goes, without MQTT. Reads captured
// messages ("topic payload" lines, as `mosquitto_sub -v` prints them, e.g. from fleet_sim),
// then times (1) checkMessage with the embedded JSON Schemas (the ingest worker's
// validation) and (2) RecordStore::commitBatch in batches like the Ingestor's, into the
// database URL given. Prints one JSON line. For profiling: valgrind --tool=callgrind.
//   ingest_path_bench --db sqlite:///tmp/x.db [--batch 500] [--no-validate] FILE
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "collector/db/database.h"
#include "collector/ingest/ingestor.h"
#include "collector/ingest/message_check.h"
#include "collector/store/record_store.h"
#include "collector/store/schema.h"

using namespace uplinkprobe;
using namespace uplinkprobe::collector;

int main(int argc, char** argv) {
  std::string db_url = "sqlite::memory:", file;
  size_t batch = 500;
  bool validate = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--db" && i + 1 < argc)
      db_url = argv[++i];
    else if (a == "--batch" && i + 1 < argc)
      batch = std::stoul(argv[++i]);
    else if (a == "--no-validate")
      validate = false;
    else
      file = a;
  }
  if (file.empty()) {
    std::fprintf(stderr, "usage: ingest_path_bench [--db URL] [--batch N] [--no-validate] FILE\n");
    return 64;
  }
  std::vector<std::pair<std::string, std::string>> msgs;
  {
    std::ifstream f(file);
    for (std::string l; std::getline(f, l);) {
      auto sp = l.find(' ');
      if (sp != std::string::npos) msgs.emplace_back(l.substr(0, sp), l.substr(sp + 1));
    }
  }
  using Clock = std::chrono::steady_clock;
  auto schema = embeddedSchemaCheck();
  std::vector<ValidRecord> valid;
  std::vector<Rejection> rejected;
  std::map<std::string, size_t> reasons;
  const auto c0 = Clock::now();
  for (auto& [topic, payload] : msgs) {
    if (!validate) {
      valid.push_back({topic, payload, nlohmann::json::parse(payload, nullptr, false)});
      continue;
    }
    auto r = checkMessage("uplinkprobe/v1", topic, payload, schema, CheckLimits{});
    if (auto* a = std::get_if<Accepted>(&r)) {
      valid.push_back({topic, payload, std::move(a->record)});
    } else if (auto* x = std::get_if<Refused>(&r)) {
      ++reasons[x->detail.substr(0, 60)];
      rejected.push_back({topic, "schema", x->head});
    }
  }
  const double check_s = std::chrono::duration<double>(Clock::now() - c0).count();

  auto db = db::openDatabase(db_url);
  if (!db) {
    std::fprintf(stderr, "%s\n", db.error().message.c_str());
    return 2;
  }
  if (auto m = migrateStore(**db); !m) {
    std::fprintf(stderr, "%s\n", m.error().message.c_str());
    return 2;
  }
  RecordStore store(**db);
  const auto s0 = Clock::now();
  size_t stored = 0;
  for (size_t i = 0; i < valid.size(); i += batch) {
    std::vector<ValidRecord> b(valid.begin() + i,
                               valid.begin() + std::min(valid.size(), i + batch));
    auto r = store.commitBatch(b, {});
    if (!r) {
      std::fprintf(stderr, "commit: %s\n", r.error().message.c_str());
      return 2;
    }
    stored += r->stored;
  }
  const double commit_s = std::chrono::duration<double>(Clock::now() - s0).count();
  nlohmann::json out = {{"messages", msgs.size()},
                        {"accepted", valid.size()},
                        {"refused", rejected.size()},
                        {"refusals", reasons},
                        {"check_us_per_msg", msgs.empty() ? 0 : check_s * 1e6 / msgs.size()},
                        {"stored", stored},
                        {"commit_us_per_record", valid.empty() ? 0 : commit_s * 1e6 / valid.size()},
                        {"commit_records_per_s", commit_s > 0 ? valid.size() / commit_s : 0}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
