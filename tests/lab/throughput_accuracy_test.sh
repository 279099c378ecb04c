#!/usr/bin/env bash
# Issue 2 "Done when", as a CI assertion: in the namespace lab with a tbf bottleneck,
# `uplinkprobe test` download and upload goodput is within 2 % of what the path carried (the
# ceiling rate × 1448/1514, or iperf3 -P 4's best run on the same path when the machine kept
# even iperf3 below it), never above ceiling × 1.005, not more than 2 % below iperf3's mean,
# run-to-run spread ≤ 2 % + iperf3's own, and on 100 Mbit: ≤ 60 MB and ≤ 8 s per direction
# (tests/lab/lib/labresults.py, check).
# Profiles: 100/50 Mbit +0 ms and +40 ms — the government's floor (≈ 3 minutes).
# 300/100 Mbit is in the benchmark (bench/accuracy.sh, 3 runs, +0 and +40 ms), not here: on
# CI's shared 2-core VM, where client, server and the router's tbf share the same two cores,
# one 300 Mbit run of two read 6.4 % below what iperf3 carried a minute earlier (CI run of
# 2026-12-02), while the same code on an idle machine reads within 0.1 % (docs/benchmarks-
# accuracy.md). A CI check at that rate measures the VM's neighbours, not uplinkprobe.
#
# FAILS ("CANNOT RUN: …") without root or network namespaces (ctest -LE root-required
# excludes the labs for developers without root).
# FAILS when uplinkprobe, uplinkprobe-server or tundelay are missing: a lab test that silently
# passes without the thing it tests would hide a broken build.
set -uo pipefail
src="${UPLINKPROBE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
source "$src/tests/lab/lib/netlab.sh"
source "$src/tests/lab/lib/measure.sh"
measure_require_lab

runs="${ACCURACY_TEST_RUNS:-2}"
profiles="${ACCURACY_TEST_PROFILES:-100/50/0 100/50/40}"
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
summary="$NETLAB_TMP/summary.txt"
python3 "$src/tests/lab/lib/labresults.py" table "$results" >"$summary"
python3 "$src/tests/lab/lib/labresults.py" check "$results" --max-mb 60 --max-s 8 --cost-rate 100 \
  >>"$summary"
rc=$?
if [ $rc -ne 0 ]; then
  echo "--- raw uplinkprobe records ---"
  cat "$results.records" 2>/dev/null | head -c 12000
  echo
fi
# The table and any FAIL line last: a CI log shows its tail.
cat "$summary"
# Closing line in the form CI summaries read.
python3 - "$NETLAB_TMP" "$rc" <<'PY'
import sys
print("throughput_accuracy: %s" % ("1 passed, 0 failed" if sys.argv[2] == "0" else "0 passed, 1 failed"))
PY
exit $rc
