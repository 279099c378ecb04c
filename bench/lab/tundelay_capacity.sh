#!/usr/bin/env bash
# bench/lab/tundelay_capacity.sh — can the delay line be the bottleneck? Root only.
#
#   sudo bench/lab/tundelay_capacity.sh [--build DIR] [--rtt MS]
#
# Unshaped lab link with RTT MS (default 40) added by tundelay; iperf3 -P 4 download and
# upload for 8 s. Prints throughput, tundelay CPU share of one core and its drop counters.
# The lab needs ≥ 300 Mbit/s at 40 ms; anything well above means tundelay is not the limit.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/../.." && pwd)"
build="${UPLINKPROBE_BUILD_DIR:-$src/build}"
rtt=40
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --rtt) rtt="$2"; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--rtt MS]" >&2; exit 64 ;;
  esac
done
export UPLINKPROBE_BUILD_DIR="$build"
source "$src/tests/lab/lib/netlab.sh"
netlab_require_root_or_skip
netlab_up
netlab_bg srv "$NETLAB_TMP/iperf3.log" iperf3 -s -B "$NETLAB_SRV_IP"
netlab_wait_tcp "$NETLAB_NS_SRV" "$NETLAB_SRV_IP" 5201 10 || netlab_die "iperf3 -s"
netlab_delay "$rtt"
ticks() { awk '{print $14 + $15}' "/proc/$NETLAB_TUNDELAY_PID/stat"; }
hz="$(getconf CLK_TCK)"
echo "| direction | RTT ms | iperf3 -P 4 Mbit/s | tundelay CPU % of one core |"
echo "|---|---|---|---|"
for dir in download upload; do
  flag=""; [ "$dir" = download ] && flag="-R"
  t0="$(ticks)"; s0="$(date +%s.%N)"
  netlab_cli iperf3 -c "$NETLAB_SRV_IP" -P 4 -t 8 $flag -J >"$NETLAB_TMP/r.json"
  t1="$(ticks)"; s1="$(date +%s.%N)"
  python3 - "$NETLAB_TMP/r.json" "$dir" "$rtt" "$t0" "$t1" "$s0" "$s1" "$hz" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
mbps = j["end"]["sum_received"]["bits_per_second"] / 1e6
t0, t1, s0, s1, hz = map(float, sys.argv[4:9])
print("| %s | %s | %.0f | %.0f |" % (sys.argv[2], sys.argv[3], mbps, (t1 - t0) / hz / (s1 - s0) * 100))
PY
done
echo
netlab_delay_stats
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Reproduce: $0 --build $build --rtt $rtt"
