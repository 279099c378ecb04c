#!/usr/bin/env bash
# bench/journal_paging.sh — cost of paging a full journal with `uplinkprobe records`.
#
#   bench/journal_paging.sh [--build DIR] [--mb 64] [--size BYTES] [--page N] [--bin UPLINKPROBE]
#
# Writes a full journal of MB MiB (default 64 = storage.max_mb's default; 4 MiB segments as
# the journal cuts them, records of about BYTES of JSON, default 600) straight as segment
# files (valid frames, no fdatasync, so it takes seconds), then measures:
#  1. in process: a read-only journal paged from seq 0 to the end, N records per read()
#     (default 1000, the page size `records` uses): first page, p50, max;
#  2. the CLI: `uplinkprobe records --config F --since S --limit N --json > /dev/null` for S
#     at the start, middle and end of the journal (a fresh process each: open + seek + page).
# --bin runs step 2 with another binary too (e.g. one built before the index, to compare).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/.." && pwd)"
build="${UPLINKPROBE_BUILD_DIR:-$src/build}"
mb=64
size=600
page=1000
other=""
cmdline="$0 $*"
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --mb) mb="$2"; shift 2 ;;
    --size) size="$2"; shift 2 ;;
    --page) page="$2"; shift 2 ;;
    --bin) other="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "journal_paging.sh: unknown option $1" >&2; exit 64 ;;
  esac
done
libs=("$build/agent/journal/libup_journal.a" "$build/platform/libup_platform.a"
      "$build/common/libup_common.a")
for lib in "${libs[@]}" "$build/agent/cli/uplinkprobe"; do
  [ -f "$lib" ] || { echo "journal_paging.sh: $lib missing; build it first" >&2; exit 2; }
done
work="$(mktemp -d "${build%/}/journal-paging.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cat > "$work/driver.cpp" <<'CPP'
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "agent/journal/frame.h"
#include "agent/journal/journal.h"

int main(int argc, char** argv) {
  using namespace uplinkprobe;
  using Clock = std::chrono::steady_clock;
  const std::string dir = argv[1];
  const uint64_t total = std::strtoull(argv[2], nullptr, 10) << 20;
  const size_t size = std::strtoul(argv[3], nullptr, 10);
  const size_t page = std::strtoul(argv[4], nullptr, 10);
  const uint64_t seg_bytes = std::clamp<uint64_t>(total / 8, 16 * 1024, 4ull << 20);
  // Fill: frames exactly as the journal writes them, segment files cut at seg_bytes.
  uint64_t seq = 1, written = 0;
  while (written < total) {
    char name[64];
    std::snprintf(name, sizeof name, "/seg-%020llu.ujr", static_cast<unsigned long long>(seq));
    std::ofstream out(dir + name, std::ios::binary);
    uint64_t in_seg = 0;
    while (written < total) {
      nlohmann::json r = {{"schema", "uplinkprobe/1"}, {"kind", seq % 10 ? "availability" : "throughput"},
                          {"device_id", "bench-device-0001"}, {"seq", seq},
                          {"id", "bench-device-0001:" + std::to_string(seq)},
                          {"ts", "2026-11-28T04:10:00.123Z"},
                          {"pad", std::string(size > 160 ? size - 160 : 1, 'x')}};
      const std::string json = r.dump();
      const std::string f = journal::encodeFrame(seq, r["kind"].get<std::string>(), json);
      if (in_seg > 0 && in_seg + f.size() > seg_bytes) break;
      out << f;
      in_seg += f.size();
      written += f.size();
      ++seq;
    }
  }
  const uint64_t last = seq - 1;
  auto j = journal::openFileJournalReadOnly(dir);
  if (!j.ok()) { std::fprintf(stderr, "%s\n", j.error().message.c_str()); return 2; }
  std::vector<double> ms;
  uint64_t since = 0, got = 0;
  while (true) {
    auto t0 = Clock::now();
    auto batch = (*j)->read(since, page);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (batch.empty()) break;
    got += batch.size();
    since = batch.back().seq;
  }
  if (got != last) { std::fprintf(stderr, "read %llu of %llu records\n", (unsigned long long)got, (unsigned long long)last); return 2; }
  const double first = ms.front();
  std::vector<double> sorted(ms.begin(), ms.end());
  std::sort(sorted.begin(), sorted.end());
  double sum = 0;
  for (double x : ms) sum += x;
  std::printf("| %.1f MiB | %llu | %zu | %zu | %.2f | %.2f | %.2f | %.0f |\n",
              written / 1048576.0, (unsigned long long)last, page, ms.size() - 1, first,
              sorted[sorted.size() / 2], sorted.back(), sum);
  std::printf("LAST %llu\n", (unsigned long long)last);
  return 0;
}
CPP
c++ -std=c++20 -O2 -I"$src" -I"$build/generated" "$work/driver.cpp" -o "$work/driver" \
  "${libs[@]}" -lspdlog -lfmt -lpthread
mkdir -p "$work/journal"
fs="$(df -T "$work" | awk 'NR==2{print $2" on "$1}')"
echo "journal paging; dir $work ($fs); $(nproc) cores; load $(cut -d' ' -f1 /proc/loadavg); $(date -u +%F)"
echo
echo "In process, read-only journal, read(since, $page) from 0 to the end:"
echo
echo "| journal | records | page | pages | first page ms | p50 ms | max ms | total ms |"
echo "|---|---|---|---|---|---|---|---|"
out="$("$work/driver" "$work/journal" "$mb" "$size" "$page")"
echo "$out" | grep -v '^LAST'
last="$(echo "$out" | sed -n 's/^LAST //p')"
cat > "$work/c.toml" <<TOML
[storage]
dir = "$work/journal"
TOML
echo
echo "CLI, one process per page: records --config F --since S --limit $page --json > /dev/null"
echo
echo "| binary | since | ms (best of 3) | records |"
echo "|---|---|---|---|"
for bin in "$build/agent/cli/uplinkprobe" ${other:+"$other"}; do
  for s in 0 $((last / 2)) $((last - page)); do
    best=""
    for _ in 1 2 3; do
      t0=$(date +%s%N)
      n=$("$bin" records --config "$work/c.toml" --since "$s" --limit "$page" --json | wc -l)
      t=$(( ($(date +%s%N) - t0) / 1000000 ))
      if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
    done
    echo "| $bin | $s | $best | $n |"
  done
done
echo
echo "reproduce: $cmdline"
