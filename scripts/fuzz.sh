#!/usr/bin/env bash
# Builds every libFuzzer harness (fuzz/*_fuzz.cpp; clang-14, ASan+UBSan, coverage inside the
# modules) and runs each for a bounded time, starting from its committed seeds
# (fuzz/corpus/NAME/, may be empty). New inputs go to a scratch directory under build-fuzz/,
# so the repository is never changed; a crash, leak, timeout or out-of-memory fails the run
# and leaves the input as build-fuzz/crashes/NAME-*.
#   usage: scripts/fuzz.sh [SECONDS_PER_HARNESS]     (default 20)
# Found something? Reproduce with build-fuzz/fuzz/NAME build-fuzz/crashes/NAME-..., fix, and
# add the input to fuzz/corpus/NAME/ so it is replayed from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
jobs=$(nproc)
# Warnings stay warnings here (UPLINKPROBE_WERROR=OFF): -Werror is held against the reference
# compiler, GCC 12 (release and ASan builds); clang's own extra warnings must not stop fuzzing.
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DUPLINKPROBE_FUZZ=ON -DUPLINKPROBE_BUILD_TESTS=OFF -DUPLINKPROBE_WERROR=OFF >/dev/null
harnesses=()
for f in fuzz/*_fuzz.cpp; do harnesses+=("$(basename "$f" .cpp)"); done
cmake --build build-fuzz -j"$jobs" --target "${harnesses[@]}"
mkdir -p build-fuzz/crashes
failed=()
for name in "${harnesses[@]}"; do
  scratch=build-fuzz/corpus/$name
  mkdir -p "$scratch" "fuzz/corpus/$name"
  # -timeout: one input may take at most 10 s; -rss_limit_mb bounds memory; -max_len bounds
  # inputs (the parsers' own limits are far below it except for the sheet readers).
  if ! "build-fuzz/fuzz/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=0 -artifact_prefix="build-fuzz/crashes/$name-" \
      "$scratch" "fuzz/corpus/$name" >"build-fuzz/$name.log" 2>&1; then
    echo "FUZZ FAIL $name (log: build-fuzz/$name.log)"
    tail -30 "build-fuzz/$name.log"
    failed+=("$name")
  else
    echo "fuzz ok   $name: $(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "build-fuzz/$name.log" | tail -1)"
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzzing found problems in: ${failed[*]}"
  exit 1
fi
