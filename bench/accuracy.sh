#!/usr/bin/env bash
# bench/accuracy.sh — throughput accuracy of `uplinkprobe test` against the tbf ceiling and
# iperf3 -P 4, in the network-namespace lab (tests/lab/lib/netlab.sh). Root only.
#
#   sudo bench/accuracy.sh [--build DIR] [--runs N] [--profiles "100/50/0 100/50/40 …"]
#                          [--iperf-only] [--out FILE]
#
# For each profile DOWN/UP/RTT (Mbit/s, Mbit/s, ms): N × iperf3 -P 4 per direction (8 s after
# 2 s omitted), then N × `uplinkprobe test --json` against uplinkprobe-server. Prints a markdown
# table and the command that reproduces it. --iperf-only validates the lab itself (step 1 of
# any accuracy claim: the lab must reach its own ceiling).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/.." && pwd)"
build="${UPLINKPROBE_BUILD_DIR:-$src/build}"
runs=3
profiles="100/50/0 100/50/40 300/100/0 300/100/40"
iperf_only=0
out=""
cmdline="$0 $*"
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --profiles) profiles="$2"; shift 2 ;;
    --iperf-only) iperf_only=1; shift ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "accuracy.sh: unknown option $1" >&2; exit 64 ;;
  esac
done
export UPLINKPROBE_BUILD_DIR="$build"

source "$src/tests/lab/lib/netlab.sh"
source "$src/tests/lab/lib/measure.sh"
[ "$(id -u)" -eq 0 ] || { echo "accuracy.sh: needs root" >&2; exit 2; }
netlab_require_root_or_skip >/dev/null
if [ $iperf_only -eq 0 ]; then
  measure_find_bins || exit 2
else
  MEASURE_AGENT_BIN=""; MEASURE_SERVER_BIN=""
fi
netlab_tundelay_bin >/dev/null || { echo "accuracy.sh: build tundelay first (cmake --build $build --target tundelay)" >&2; exit 2; }

netlab_up
results="${out:-$NETLAB_TMP/results.jsonl}"
: >"$results"
measure_start_servers
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for p in $profiles; do
  IFS=/ read -r down up rtt <<<"$p"
  measure_profile "$down" "$up" "$rtt" "$runs" "$runs" "$results"
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "Accuracy, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r), lab congestion control $NETLAB_CC"
echo "load average before: $load_before, after: $load_after"
echo
python3 "$src/tests/lab/lib/labresults.py" table "$results"
echo
echo "ceiling = tbf rate × 1448/1514; iperf3: -P 4, 8 s after 2 s omitted; spread = (max−min)/mean of uplinkprobe runs; $runs runs each."
echo "Reproduce: $cmdline"
[ -n "$out" ] && echo "Raw results: $results (records: $results.records)"
lab_only=(); [ $iperf_only -eq 1 ] && lab_only=(--lab-only)
python3 "$src/tests/lab/lib/labresults.py" check "$results" "${lab_only[@]}" >"$NETLAB_TMP/check.txt"
cat "$NETLAB_TMP/check.txt"
exit 0
