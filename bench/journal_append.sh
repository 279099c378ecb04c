#!/usr/bin/env bash
# bench/journal_append.sh — cost of one durable journal append on this disk.
#
#   bench/journal_append.sh [--build DIR] [--dir DIR] [--records N] [--size BYTES]
#
# Appends N records of about BYTES of JSON each (default 2000 x 600 B, roughly a throughput
# record) to a fresh journal in DIR (default: a temp dir on the disk holding the build dir,
# i.e. the disk a device would use) with fdatasync per record, and prints appends/s,
# latency percentiles, bytes on disk per record, and the time to reopen (scan) the journal.
# Builds a tiny driver against DIR's libup_journal.a (needs the module built there).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/.." && pwd)"
build="${UPLINKPROBE_BUILD_DIR:-$src/build}"
records=2000
size=600
dir=""
cmdline="$0 $*"
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --records) records="$2"; shift 2 ;;
    --size) size="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "journal_append.sh: unknown option $1" >&2; exit 64 ;;
  esac
done
for lib in agent/journal/libup_journal.a platform/libup_platform.a common/libup_common.a; do
  [ -f "$build/$lib" ] || {
    echo "journal_append.sh: $build/$lib missing; build up_journal first" >&2
    exit 2
  }
done
work="$(mktemp -d "${build%/}/journal-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
[ -n "$dir" ] || dir="$work/journal"
cat > "$work/driver.cpp" <<'CPP'
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "agent/journal/journal.h"

int main(int argc, char** argv) {
  using namespace uplinkprobe;
  using Clock = std::chrono::steady_clock;
  const std::string dir = argv[1];
  const int n = std::atoi(argv[2]);
  const size_t size = static_cast<size_t>(std::atol(argv[3]));
  journal::JournalOptions o;
  o.dir = dir;
  o.device_id = "bench-device-0001";
  std::vector<double> lat;
  auto t0 = Clock::now();
  uint64_t json_bytes = 0;
  {
    auto j = journal::openFileJournal(o, SystemClock::instance());
    if (!j.ok()) { std::fprintf(stderr, "%s\n", j.error().message.c_str()); return 2; }
    for (int i = 0; i < n; ++i) {
      nlohmann::json r = {{"schema", "uplinkprobe/1"}, {"kind", "throughput"},
                          {"device_id", o.device_id}, {"ts", "2026-11-28T12:10:00.123+08:00"},
                          {"pad", std::string(size > 120 ? size - 120 : 1, 'x')}};
      auto s0 = Clock::now();
      auto s = (*j)->append(std::move(r));
      lat.push_back(std::chrono::duration<double, std::milli>(Clock::now() - s0).count());
      if (!s.ok() || !s->durable) { std::fprintf(stderr, "append failed\n"); return 2; }
      json_bytes += s->json.size();
    }
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  uint64_t disk = 0;
  for (auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().rfind("seg-", 0) == 0) disk += e.file_size();
  auto r0 = Clock::now();
  auto j = journal::openFileJournal(o, SystemClock::instance());
  const double reopen_ms = std::chrono::duration<double, std::milli>(Clock::now() - r0).count();
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) { return lat[static_cast<size_t>(p * (lat.size() - 1))]; };
  std::printf("| %d | %.0f | %.0f | %.2f | %.2f | %.2f | %.0f | %.1f | %.1f |\n", n, n / secs,
              double(json_bytes) / n, pct(0.5), pct(0.99), lat.back(), double(disk) / n,
              double(disk) / n - double(json_bytes) / n, reopen_ms);
  return j.ok() ? 0 : 2;
}
CPP
c++ -std=c++20 -O2 -I"$src" -I"$build/generated" "$work/driver.cpp" -o "$work/driver" \
  "$build/agent/journal/libup_journal.a" "$build/platform/libup_platform.a" \
  "$build/common/libup_common.a" -lspdlog -lfmt -lpthread
fs="$(df -T "$(dirname "$dir")" | awk 'NR==2{print $2" on "$1}')"
echo "journal append, fdatasync per record; dir $(dirname "$dir") ($fs); $(nproc) cores; $(date -u +%F)"
echo
echo "| records | appends/s | JSON B/record | p50 ms | p99 ms | max ms | disk B/record | framing B/record | reopen ms |"
echo "|---|---|---|---|---|---|---|---|---|"
"$work/driver" "$dir" "$records" "$size"
echo
echo "reproduce: $cmdline"
