// test_days: the ledger's roll-up of counted throughput tests, one row per school and UTC day
// holding that day's tests as one packed text value. The ledger reads ~10^4 × 30 such rows
// for a province instead of scanning every test row of the window (issue 10: < 1 s at 10^7
// records); it still applies the exact window (ts_ms ≥ since) and the school hours it is
// asked for (local_mow) per test, so its answer is the same as a scan of `tests`.
//
// Why the UTC day (ts_ms / 86 400 000) and not the local day: the key needs no time zone, so
// the migration can build the roll-up from existing `tests` rows in SQL, and a changed
// [ledger] timezone cannot misfile a test.
//
// Packed form: entries "ts_ms,local_mow,down,up,meets" joined by ';'. down/up are the IP
// capacities in Mbit/s written so they read back to the same double (shortest round-trip in
// C++, "%!.17g" in SQLite's backfill, float8 text in PostgreSQL ≥ 12); an empty field is
// NULL. meets is 1, 0 or empty.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "collector/db/database.h"

namespace uplinkprobe::collector {

constexpr int64_t kUtcDayMs = 86400000;

struct PackedTest {
  int64_t ts_ms = 0;
  int local_mow = 0;
  std::optional<double> down_mbps, up_mbps;
  std::optional<bool> meets_target;
};

// Appends one entry (with the ';' separator when `packed` is not empty).
void appendPackedTest(std::string& packed, const PackedTest& t);

// Calls `each` for every well-formed entry; returns false if any entry was malformed (the
// caller treats the row as corrupt: the data came from our own writer or migration).
template <typename F>
bool forEachPackedTest(std::string_view packed, F&& each);

// Parses one entry "ts,mow,down,up,meets".
std::optional<PackedTest> parsePackedTest(std::string_view entry);

// INSERT … SELECT that builds test_days from `tests` (counted = 1) for the migration and for
// bench/ledger_bench's SQL fill. Expects test_days empty.
std::string testDaysBackfillSql(db::Dialect dialect);

template <typename F>
bool forEachPackedTest(std::string_view packed, F&& each) {
  bool ok = true;
  while (!packed.empty()) {
    const size_t cut = packed.find(';');
    const std::string_view entry = packed.substr(0, cut);
    if (!entry.empty()) {
      if (auto t = parsePackedTest(entry))
        each(*t);
      else
        ok = false;
    }
    if (cut == std::string_view::npos) break;
    packed.remove_prefix(cut + 1);
  }
  return ok;
}

}  // namespace uplinkprobe::collector
