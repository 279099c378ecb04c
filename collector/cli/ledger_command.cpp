// `uplinkprobe-collector ledger`: the ledger from the database, as a terminal table, CSV,
// XLSX or JSON.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "collector/cli/args.h"
#include "collector/cli/commands.h"
#include "collector/cli/common_setup.h"
#include "collector/ledger/ledger.h"
#include "collector/ledger/ledger_table.h"
#ifdef UPLINKPROBE_HAVE_EXPORT
#include "collector/export/table.h"
#endif

namespace uplinkprobe::collector::cli {
namespace {

#ifndef UPLINKPROBE_HAVE_EXPORT
// JSON of the table (array of objects keyed by column) when collector/export is not built.
std::string tableJson(const LedgerTable& t) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& row : t.rows) {
    nlohmann::json o = nlohmann::json::object();
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const Cell& c = row[i];
      if (auto* s = std::get_if<std::string>(&c))
        o[t.columns[i]] = *s;
      else if (auto* d = std::get_if<double>(&c))
        o[t.columns[i]] = *d;
      else if (auto* n = std::get_if<int64_t>(&c))
        o[t.columns[i]] = *n;
      else
        o[t.columns[i]] = nullptr;
    }
    arr.push_back(std::move(o));
  }
  return arr.dump(2) + "\n";
}
#endif

}  // namespace

int ledgerCommand(const Argv& argv) {
  auto args = parseArgs(argv, {}, {"--config", "--by", "--days", "--format", "--out"}, 0);
  if (!args) {
    std::fprintf(stderr, "uplinkprobe-collector ledger: %s\n", args.error().message.c_str());
    return kExitUsage;
  }
  const std::string by_text = args->get("--by").value_or("county");
  auto by = parseLedgerGrouping(by_text);
  if (!by) {
    std::fprintf(stderr,
                 "uplinkprobe-collector ledger: --by must be province, city, county, carrier or "
                 "school (got \"%s\")\n",
                 by_text.c_str());
    return kExitUsage;
  }
  const std::string format = args->get("--format").value_or("table");
  if (format != "table" && format != "csv" && format != "xlsx" && format != "json") {
    std::fprintf(stderr,
                 "uplinkprobe-collector ledger: --format must be table, csv, xlsx or json\n");
    return kExitUsage;
  }
  const auto out_path = args->get("--out");
  if (format == "xlsx" && !out_path) {
    std::fprintf(stderr, "uplinkprobe-collector ledger: --format xlsx needs --out FILE\n");
    return kExitUsage;
  }
  int code = kExitOk;
  auto cfg = loadConfigOrReport(*args, code);
  if (!cfg) return code;
  int days = cfg->ledger.days;
  if (auto d = args->get("--days")) {
    char* end = nullptr;
    long v = std::strtol(d->c_str(), &end, 10);
    if (d->empty() || *end != '\0' || v < 1 || v > 366) {
      std::fprintf(stderr, "uplinkprobe-collector ledger: --days must be 1..366\n");
      return kExitUsage;
    }
    days = static_cast<int>(v);
  }
  applyTimezone(*cfg);
  auto db = openAndMigrate(*cfg);
  if (!db) return kExitError;

  LedgerOptions o;
  o.days = days;
  o.target_mbps = cfg->ledger.target_mbps;
  o.stale_after_ms = int64_t{cfg->ledger.stale_after_hours} * 3600 * 1000;
  o.school_hours = schoolHours(*cfg);
  auto ledger = computeLedger(*db, *by, o);
  if (!ledger) {
    std::fprintf(stderr, "uplinkprobe-collector ledger: %s\n", ledger.error().message.c_str());
    return kExitError;
  }
  const LedgerTable lt = ledgerTable(*ledger);

  std::ostringstream text;
  Status st;
#ifdef UPLINKPROBE_HAVE_EXPORT
  Table t{lt.columns, lt.rows};
  if (format == "xlsx") {
    st = writeXlsx(t, *out_path);
  } else if (format == "csv") {
    st = writeCsv(t, text);
  } else if (format == "json") {
    st = writeJson(t, text, 2);
    text << "\n";
  } else {
    st = writeText(t, text);
  }
#else
  if (format == "xlsx") {
    std::fprintf(stderr, "uplinkprobe-collector ledger: xlsx output is not built in\n");
    return kExitError;
  }
  text << tableJson(lt);
#endif
  if (!st) {
    std::fprintf(stderr, "uplinkprobe-collector ledger: %s\n", st.error().message.c_str());
    return kExitError;
  }
  if (format != "xlsx") {
    if (out_path) {
      std::ofstream f(*out_path, std::ios::binary);
      f << text.str();
      if (!f) {
        std::fprintf(stderr, "uplinkprobe-collector ledger: cannot write %s\n", out_path->c_str());
        return kExitError;
      }
    } else {
      std::cout << text.str();
    }
  }
  if (format == "table" && !out_path) {
    const int64_t reporting = [&] {
      int64_t n = 0;
      for (const auto& s : ledger->schools) n += s.state == SchoolState::kLive;
      return n;
    }();
    std::printf("\n%zu 所学校（登记在册），%lld 所正常上报；近 %d 天，在校时段，目标 %.0f Mbps\n",
                ledger->schools.size(), static_cast<long long>(reporting), days,
                cfg->ledger.target_mbps);
    if (!ledger->unknown_school_devices.empty()) {
      std::printf("未登记学校的设备 (devices reporting schools not in the registry):\n");
      for (const auto& d : ledger->unknown_school_devices)
        std::printf("  %s  学校代码 %s\n", d.device_id.c_str(), d.school_id.c_str());
    }
  }
  return kExitOk;
}

}  // namespace uplinkprobe::collector::cli
