#!/usr/bin/env bash
# Issue 2 "Done when", as a CI assertion: in the namespace lab with a tbf bottleneck,
# `uplinkprobe test` download and upload goodput is within ±2 % of the ceiling
# (rate × 1448/1514), never above ceiling × 1.005, within ±2 % of iperf3 -P 4 measured in the
# same run, run-to-run spread ≤ 2 %, and on 100 Mbit: ≤ 60 MB and ≤ 8 s per direction.
# Profiles: 100/50 Mbit +0 ms, 100/50 Mbit +40 ms, 300/100 Mbit +0 ms (≈ 4–6 minutes).
# The full table (with 300/100 +40 ms and 3 runs) is bench/accuracy.sh.
#
# FAILS ("CANNOT RUN: …") without root or network namespaces (ctest -LE root-required
# excludes the labs for developers without root).
# FAILS when uplinkprobe, uplinkprobe-server or tundelay are missing: a lab test that silently
# passes without the thing it tests would hide a broken build.
set -uo pipefail
src="${UPLINKPROBE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
source "$src/tests/lab/lib/netlab.sh"
source "$src/tests/lab/lib/measure.sh"
netlab_require_root_or_skip
measure_find_bins || { echo "FAIL: binaries missing (UPLINKPROBE_BUILD_DIR=${UPLINKPROBE_BUILD_DIR:-unset})"; exit 1; }
netlab_tundelay_bin >/dev/null || { echo "FAIL: tundelay not built"; exit 1; }

runs="${ACCURACY_TEST_RUNS:-2}"
profiles="${ACCURACY_TEST_PROFILES:-100/50/0 100/50/40 300/100/0}"
MEASURE_IPERF_SECONDS=6

netlab_up
results="$NETLAB_TMP/results.jsonl"
: >"$results"
measure_start_servers
for p in $profiles; do
  IFS=/ read -r down up rtt <<<"$p"
  measure_profile "$down" "$up" "$rtt" 1 "$runs" "$results"
  profile="${down}/${up} Mbit, +${rtt} ms"
  if ! python3 "$src/tests/lab/lib/labresults.py" check "$results" --lab-only --profile "$profile" >/dev/null; then
    echo "lab below its ceiling for $profile (busy machine?): measuring iperf3 once more"
    measure_iperf3 "$profile" "$down" "$up" "$rtt" download "$results"
    measure_iperf3 "$profile" "$down" "$up" "$rtt" upload "$results"
  fi
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$src/tests/lab/lib/labresults.py" table "$results"
python3 "$src/tests/lab/lib/labresults.py" check "$results" --max-mb 60 --max-s 8 --cost-rate 100
rc=$?
if [ $rc -ne 0 ]; then
  echo "--- raw uplinkprobe records ---"
  cat "$results.records" 2>/dev/null | head -c 20000
  echo
fi
# Closing line in the form CI summaries read.
python3 - "$NETLAB_TMP" "$rc" <<'PY'
import sys
print("throughput_accuracy: %s" % ("1 passed, 0 failed" if sys.argv[2] == "0" else "0 passed, 1 failed"))
PY
exit $rc
