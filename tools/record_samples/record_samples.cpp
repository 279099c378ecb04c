// record_samples: prints, one JSON per line, real records of every kind the simulated fleet
// produces with the agent's own code (bench/fleet_device.h: RecordFactory envelope, journal
// stamping, ThroughputResult::toJson, PeriodStats, OutageTracker, AlertEngine, summarizeDay,
// the retained status and its Last Will), at most --per-kind of each kind.
// Used by tests/integration/record/schema_differential_test.cpp as the corpus on which the
// collector's validator is compared with python3-jsonschema.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/fleet_device.h"
#include "bench/fleet_registry.h"

using namespace uplinkprobe;
using namespace uplinkprobe::bench;

int main(int argc, char** argv) {
  int per_kind = 3;
  int days = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--per-kind") {
      per_kind = std::atoi(argv[i + 1]);
    } else if (a == "--days") {
      days = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: record_samples [--per-kind N] [--days D]\n");
      return 64;
    }
  }
  auto schools = makeSchools(8, 7);
  FleetProfile profile;
  profile.outage_per_day = 1.0;        // every device has outages: outage, event, alert kinds
  profile.below_contract_share = 0.5;  // throughput alerts
  SimClock clock;
  const WallTime start{std::chrono::seconds(1796000000)};  // 2026-11-30T00:53:20Z
  std::vector<std::unique_ptr<SimDevice>> devices;
  for (std::size_t i = 0; i < schools.size(); ++i) {
    char journal[17];
    std::snprintf(journal, sizeof journal, "%016llx",
                  static_cast<unsigned long long>(0x0123456789abcdefULL * (i + 1)));
    devices.push_back(std::make_unique<SimDevice>(schools[i], "up-" + schools[i].school_id, journal,
                                                  42 + i, start, profile, clock));
  }
  std::map<std::string, int> printed;
  auto print = [&](const Message& m) {
    if (printed[m.kind]++ < per_kind) std::cout << m.payload << '\n';
  };
  print(devices[0]->statusOnline(start));
  print(devices[0]->statusLastWill(start));
  std::deque<Message> out;
  const WallTime end = start + std::chrono::hours(24 * days);
  while (true) {
    SimDevice* next = nullptr;
    for (auto& d : devices) {
      if (!next || d->nextTime() < next->nextTime()) next = d.get();
    }
    if (next->nextTime() > end) break;
    next->generate(out);
    for (; !out.empty(); out.pop_front()) print(out.front());
  }
  for (const auto& [kind, n] : printed) std::fprintf(stderr, "%s %d\n", kind.c_str(), n);
  return 0;
}
