#!/usr/bin/env bash
# Issue 17 item 1, as a CI assertion: on long clean paths — 20/5 Mbit with 300 ms and 600 ms
# of added RTT (tundelay; the kernel has no netem), tbf for the rate, and 300 ms with a
# shallow download queue that makes TCP lose packets — `uplinkprobe test` never reads above
# the TCP goodput ceiling (rate × 1448/1514) and reads within 3 % of it on the clean paths,
# within 10 % on the shallow queue, in every run, both directions ("above" allows the
# record's 0.01 Mbps rounding and what tbf's bucket lets through above its rate in one
# window, 0.03 Mbps over 3 s at 20 Mbit; nothing more). The shallow queue is there for the upper bound:
# it drops packets, and what TCP carries through loss is TCP's property, not the link's
# (issue 17; the UDP method measures that path) — a CI run read −6.53 % there with 8 streams
# on an idle machine, the other run −0.04 % with 12. Before the fix
# the download read up to +3.7 % over the ceiling at 300 ms (bytes released late by loss
# recovery counted inside a short window).
# Also checked: each direction reports window_rtts (the measurement window in round trips).
#
# FAILS ("CANNOT RUN: …") without root or network namespaces; FAILS when uplinkprobe,
# uplinkprobe-server or tundelay are missing. Runs ≈ 2.5 minutes (136 s here); serial (CTest RUN_SERIAL).
# LONG_RTT_PROFILES / LONG_RTT_RUNS override the profiles (below) and runs (2).
set -uo pipefail
src="${UPLINKPROBE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
source "$src/tests/lab/lib/netlab.sh"
source "$src/tests/lab/lib/measure.sh"
measure_require_lab

runs="${LONG_RTT_RUNS:-2}"
# DOWN/UP/RTT[/LIMIT]: LIMIT = the download tbf queue in bytes instead of netlab's 2 × BDP.
# 400000 (≈ 0.5 BDP at 300 ms) makes cubic lose packets in the queue, so the receiver holds
# data behind holes: the old engine read +1.1 and +2.1 % above the ceiling there.
profiles="${LONG_RTT_PROFILES:-20/5/300 20/5/600 20/5/300/400000}"
MEASURE_AGENT_TIMEOUT_S=120

netlab_up
results="$NETLAB_TMP/results.jsonl"
: >"$results"
measure_start_servers
for p in $profiles; do
  IFS=/ read -r down up rtt limit <<<"$p"
  # No iperf3 here: at 600 ms a fixed-length iperf3 run says more about its own ramp than
  # about the link; the ceiling is the reference (the accuracy lab checks the lab itself).
  if [ -z "${limit:-}" ]; then
    measure_profile "$down" "$up" "$rtt" 0 "$runs" "$results"
    continue
  fi
  netlab_delay "$rtt"
  netlab_shape "$down" "$up"
  read -r burst _ <<<"$(netlab_tbf_params "$down" "$rtt")"
  netlab_rtr tc qdisc replace dev rc root tbf rate "${down}mbit" burst "$burst" limit "$limit" ||
    netlab_die "tbf limit $limit"
  label="${down}/${up} Mbit, +${rtt} ms, ${limit} B queue"
  echo "measure: profile $label" >&2
  for i in $(seq 1 "$runs"); do
    measure_agent "$label" "$down" "$up" "$rtt" "$results"
  done
  echo "tbf drops (download): $(netlab_rtr tc -s qdisc show dev rc | grep -o 'dropped [0-9]*')" >&2
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
# The table, the checks (thresholds above; labresults.py, long-rtt-check) and the closing line.
python3 "$src/tests/lab/lib/labresults.py" long-rtt-check "$results" "$results.records"
rc=$?
[ $rc -ne 0 ] && { echo "--- raw records ---"; head -c 20000 "$results.records"; echo; }
exit $rc
