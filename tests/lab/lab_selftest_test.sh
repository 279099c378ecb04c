#!/usr/bin/env bash
# The lab checks itself before anyone trusts a number measured in it:
#  - a tbf-shaped link carries iperf3 -P 4 to within 2 % of its ceiling (rate × 1448/1514),
#    with and without 40 ms of added RTT (tundelay), and tundelay drops nothing;
#  - tundelay adds the configured RTT (ping), and removing it restores the base RTT;
#  - the iptables loss rule drops about the configured share;
#  - the fault switches (upstream cut, gateway cut, DNS only) break exactly what they claim
#    and restore it.
# FAILS ("CANNOT RUN: …") without root or network namespaces (ctest -LE root-required
# excludes the labs for developers without root).; FAILS when tundelay
# has not been built.
set -uo pipefail
src="${UPLINKPROBE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
source "$src/tests/lab/lib/netlab.sh"
netlab_require_root_or_skip
if ! netlab_tundelay_bin >/dev/null; then
  echo "FAIL: tundelay not built (UPLINKPROBE_BUILD_DIR=${UPLINKPROBE_BUILD_DIR:-unset})"
  exit 1
fi

passed=0
failed=0
check() {  # check "description" command…
  local what="$1"; shift
  if "$@"; then echo "ok - $what"; passed=$((passed + 1)); else echo "not ok - $what"; failed=$((failed + 1)); fi
}
py_le() { python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)" "$1" "$2"; }
within_pct() {  # value reference pct
  python3 -c "import sys; v,r,p=map(float,sys.argv[1:]); sys.exit(0 if abs(v-r) <= r*p/100 else 1)" "$1" "$2" "$3"
}
ping_avg() {  # ns-fn target count → average RTT ms (empty when no reply)
  "$1" ping -n -q -c "$3" -i 0.2 -W 1 "$2" 2>/dev/null | awk -F/ '/^rtt/ {print $5}'
}
reachable() { "$1" ping -n -q -c 2 -i 0.2 -W 1 "$2" >/dev/null 2>&1; }
unreachable() { ! reachable "$@"; }
# 10 s measured after 3 s omitted: the check is whether the lab can carry its ceiling, and a
# 5 s window after 2 s read 86.9 and 89.8 Mbps at +40 ms in 2 of 5 runs on 2026-12-02 (one
# early loss at the tbf queue costs a 5 s window of 4 cubic streams several percent; the
# tundelay counters showed nothing dropped or queued). A longer window measures the path.
iperf_mbps() {  # extra iperf3 flags → Mbit/s received
  netlab_cli timeout 40 iperf3 -c "$NETLAB_SRV_IP" -P 4 -t 10 -O 3 "$@" -J >"$NETLAB_TMP/ip.json" 2>&1
  python3 -c "import json,sys; print('%.3f' % (json.load(open(sys.argv[1]))['end']['sum_received']['bits_per_second']/1e6))" "$NETLAB_TMP/ip.json" 2>/dev/null || echo 0
}

netlab_up
netlab_bg srv "$NETLAB_TMP/iperf3.log" iperf3 -s -B "$NETLAB_SRV_IP"
netlab_wait_tcp "$NETLAB_NS_SRV" "$NETLAB_SRV_IP" 5201 10 || netlab_die "iperf3 -s did not start"

# 1. Base RTT, then shaping without delay.
base="$(ping_avg netlab_cli "$NETLAB_SRV_IP" 5)"
echo "# base RTT ${base:-none} ms"
check "client reaches server through the router" test -n "$base"
netlab_shape 100 50
ceil_down="$(netlab_ceiling 100)"; ceil_up="$(netlab_ceiling 50)"
down="$(iperf_mbps -R)"; up="$(iperf_mbps)"
echo "# 100/50, +0 ms: download $down (ceiling $ceil_down), upload $up (ceiling $ceil_up)"
check "100 Mbit download within 2 % of ceiling" within_pct "$down" "$ceil_down" 2
check "100 Mbit download not above ceiling × 1.01" py_le "$down" "$(python3 -c "print($ceil_down*1.01)")"
check "50 Mbit upload within 2 % of ceiling" within_pct "$up" "$ceil_up" 2

# 2. Delay: 40 ms RTT added, measured by ping; shaped throughput still at the ceiling.
netlab_delay 40
rtt="$(ping_avg netlab_cli "$NETLAB_SRV_IP" 10)"
echo "# RTT with +40 ms: ${rtt:-none} ms"
check "tundelay adds 40 ms RTT (±3 ms)" within_pct "${rtt:-0}" "$(python3 -c "print(40 + ${base:-0})")" 7.5
# Twice each, judged on the better run, always (not on failure): the claim is that the lab
# CAN carry its ceiling at 40 ms, a maximum, and one 10 s run of 4 cubic streams through a
# user-space delay line read 2.4 % low on CI's VM while the path carried the ceiling seconds
# later (throughput_accuracy's iperf3 runs). Both runs are printed.
best_of_two() {  # extra iperf3 flags → the better of two runs
  local a b
  a="$(iperf_mbps "$@")"; b="$(iperf_mbps "$@")"
  echo "# runs: $a $b" >&2
  python3 -c "import sys; print(max(map(float, sys.argv[1:])))" "$a" "$b"
}
down="$(best_of_two -R)"; up="$(best_of_two)"
echo "# 100/50, +40 ms: download $down, upload $up (better of two)"
echo "# tbf: $(netlab_rtr tc -s qdisc show dev rc | tr '\n' ' ')"
check "100 Mbit download at 40 ms within 2 % of ceiling" within_pct "$down" "$ceil_down" 2
check "50 Mbit upload at 40 ms within 2 % of ceiling" within_pct "$up" "$ceil_up" 2
stats="$(netlab_delay_stats)"
echo "# $stats"
check "tundelay dropped nothing" bash -c "[[ '$stats' == *' dropped=0 '* && '$stats' == *'tun_ring_drops=0'* ]]"
netlab_delay 0
rtt0="$(ping_avg netlab_cli "$NETLAB_SRV_IP" 5)"
check "removing the delay restores the base RTT (< 5 ms)" py_le "${rtt0:-99}" 5

# 3. Loss: 10 % of client→server packets; 1000 pings, expect 10 % ± 3.5 % (~3.7 sigma).
netlab_unshape
netlab_loss 10 up
loss="$(netlab_cli ping -n -q -c 1000 -i 0.002 -W 1 "$NETLAB_SRV_IP" 2>/dev/null | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')"
dropped="$(netlab_loss_dropped)"
echo "# loss rule 10 %: ping loss ${loss:-?} %, rule dropped $dropped"
check "loss rule drops about 10 %" within_pct "${loss:-0}" 10 35
check "loss rule counter matches ping loss" within_pct "$dropped" "$(python3 -c "print(${loss:-0}*10)")" 5
netlab_loss 0
check "loss removed" reachable netlab_cli "$NETLAB_SRV_IP"

# 4. Faults for availability tests.
netlab_cut_upstream
check "upstream cut: server unreachable" unreachable netlab_cli "$NETLAB_SRV_IP"
check "upstream cut: gateway still reachable" reachable netlab_cli "$NETLAB_GW_IP"
netlab_restore_upstream
check "upstream restored" reachable netlab_cli "$NETLAB_SRV_IP"
check "extra server network reachable" reachable netlab_cli "${NETLAB_SRV_EXTRA_IPS[1]}"
netlab_start_tcp_targets 443
tcp_ok() { netlab_cli timeout 3 bash -c "exec 3<>/dev/tcp/$1/443" 2>/dev/null; }
tcp_all() { tcp_ok "$NETLAB_SRV_IP" && tcp_ok "${NETLAB_SRV_EXTRA_IPS[0]}" && tcp_ok "${NETLAB_SRV_EXTRA_IPS[1]}"; }
check "TCP targets answer on all three server networks" tcp_all
netlab_cut_upstream
tcp_none() { ! tcp_ok "$NETLAB_SRV_IP" && ! tcp_ok "${NETLAB_SRV_EXTRA_IPS[1]}"; }
check "upstream cut: TCP targets unreachable" tcp_none
netlab_restore_upstream
check "upstream restored: TCP targets answer" tcp_all
netlab_cut_gateway
check "gateway cut: gateway unreachable" unreachable netlab_cli "$NETLAB_GW_IP"
netlab_restore_gateway
check "gateway restored" reachable netlab_cli "$NETLAB_SRV_IP"
netlab_start_dns
dnsq() { netlab_cli python3 "$NETLAB_LIB_DIR/dnsstub.py" --listen "$NETLAB_SRV_IP" --query school.example --timeout 1 >/dev/null 2>&1; }
check "DNS stub answers" dnsq
netlab_break_dns
dns_fails() { ! dnsq; }
check "DNS broken: no answer" dns_fails
check "DNS broken: server still reachable" reachable netlab_cli "$NETLAB_SRV_IP"
netlab_restore_dns
check "DNS restored" dnsq

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
