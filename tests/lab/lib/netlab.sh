# netlab.sh — a three-namespace network lab for uplinkprobe tests and benchmarks.
#
# Source it from bash (root required):
#
#   source tests/lab/lib/netlab.sh
#   netlab_require_root_or_skip          # prints "CANNOT RUN: …" and exits 1 when impossible
#   netlab_up                            # namespaces + veths + routes; teardown trap installed
#   netlab_shape 100 50                  # download/upload ceiling in Mbit/s (tbf on the router)
#   netlab_delay 40                      # add 40 ms RTT (tundelay, 20 ms each way)
#   netlab_loss 2                        # drop 2 % of forwarded packets (iptables statistic)
#   netlab_srv iperf3 -s -D              # run in a namespace: netlab_cli / netlab_rtr / netlab_srv
#   netlab_bg srv LOGFILE cmd args…      # background process, killed at teardown
#
# Topology (addresses exist only inside the namespaces; 198.18.0.0/15 is the RFC 2544
# benchmarking range, so it never clashes with a real network):
#
#   ${NETLAB_NS_CLI}  c0 198.18.1.2/24 ──veth── rc 198.18.1.1/24  ${NETLAB_NS_RTR}
#   ${NETLAB_NS_RTR}  rs 198.18.2.1/24 ──veth── s0 198.18.2.2/24  ${NETLAB_NS_SRV}
#                                                  + 198.18.3.2/24, 198.19.4.2/24 (extra "networks")
#
#   Download (server → client) is shaped on the router's rc egress, upload on rs egress.
#   Offloads (GSO/TSO/GRO) are off on every veth so that tbf counts real 1514-byte frames:
#   the TCP goodput ceiling is then rate × 1448/1514 (MSS 1448 with timestamps).
#
# Fault injection for availability tests: netlab_cut_upstream / netlab_restore_upstream
# (router ↔ server link down), netlab_cut_gateway / netlab_restore_gateway (client ↔ router
# link down on the router side), netlab_break_dns / netlab_restore_dns (UDP+TCP port 53
# dropped in the router; everything else still flows), netlab_start_dns (a stub DNS server
# in the server namespace answering every A query with NETLAB_SRV_IP), netlab_start_tcp_targets
# (TCP acceptors on the three server networks).
#
# Everything created lives inside the three namespaces, so teardown = kill our background
# processes + delete the namespaces. It runs from an EXIT/INT/TERM trap, also on failure.

NETLAB_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NETLAB_PREFIX="${NETLAB_PREFIX:-up$$}"
NETLAB_NS_CLI="${NETLAB_PREFIX}-cli"
NETLAB_NS_RTR="${NETLAB_PREFIX}-rtr"
NETLAB_NS_SRV="${NETLAB_PREFIX}-srv"
NETLAB_CLI_IP=198.18.1.2
NETLAB_GW_IP=198.18.1.1
NETLAB_RTR_SRV_SIDE_IP=198.18.2.1
NETLAB_SRV_IP=198.18.2.2
NETLAB_SRV_EXTRA_IPS=(198.18.3.2 198.19.4.2)
NETLAB_MTU=1500
# TCP congestion control inside the lab. The host's default (e.g. bbr) must not decide whether
# the lab reaches its ceiling: BBR v1 reads ~6 % low at 300 Mbit/40 ms here (ProbeRTT, pacing
# under CPU contention) where cubic, Linux's default, reaches the ceiling.
NETLAB_CC="${NETLAB_CC:-cubic}"
NETLAB_DELAY_RTT_MS=0
NETLAB_DOWN_MBIT=""
NETLAB_UP_MBIT=""
NETLAB_PIDS=()
NETLAB_TMP=""
NETLAB_IS_UP=0

netlab_log() { echo "netlab: $*" >&2; }
netlab_die() { echo "netlab: ERROR: $*" >&2; exit 1; }

netlab_cli() { ip netns exec "$NETLAB_NS_CLI" "$@"; }
netlab_rtr() { ip netns exec "$NETLAB_NS_RTR" "$@"; }
netlab_srv() { ip netns exec "$NETLAB_NS_SRV" "$@"; }

# FAILS (exit 1, "CANNOT RUN: reason") when the lab cannot run here (not root, no netns, no tc):
# a lab that cannot run has not passed. Developers without root exclude the labs with
# `ctest -LE root-required`; CI runs as root and must run every one of them.
netlab_require_root_or_skip() {
  if [ "$(id -u)" -ne 0 ]; then echo "CANNOT RUN: needs root (network namespaces, tc, iptables); use ctest -LE root-required"; exit 1; fi
  local probe="upnlprobe$$"
  if ! ip netns add "$probe" 2>/dev/null; then
    echo "CANNOT RUN: network namespaces unavailable (ip netns add failed)"; exit 1
  fi
  ip netns del "$probe" 2>/dev/null
  local t
  for t in tc iptables ethtool iperf3 ping python3; do
    command -v "$t" >/dev/null || netlab_die "$t missing: run scripts/install-deps.sh"
  done
}

# Path of the tundelay binary: $TUNDELAY_BIN, else the build dir's, else PATH.
netlab_tundelay_bin() {
  local b
  for b in "${TUNDELAY_BIN:-}" "${UPLINKPROBE_BUILD_DIR:-/nonexistent}/tools/tundelay/tundelay"; do
    [ -n "$b" ] && [ -x "$b" ] && { echo "$b"; return 0; }
  done
  command -v tundelay && return 0
  return 1
}

# Deletes namespaces left by earlier runs whose owning process is gone (crash, SIGKILL).
netlab_gc() {
  local ns pid
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^up[0-9]+-(cli|rtr|srv)$'); do
    pid="${ns#up}"; pid="${pid%%-*}"
    if ! kill -0 "$pid" 2>/dev/null; then ip netns del "$ns" 2>/dev/null || true; fi
  done
}

netlab_teardown() {
  local pid
  for pid in "${NETLAB_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${NETLAB_PIDS[@]}"; do
    # Bounded wait, then force.
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  NETLAB_PIDS=()
  # Any process still inside a namespace (e.g. an iperf3 -D daemon) would keep nothing alive
  # after ns deletion except itself: kill them by namespace, never by name.
  local ns
  for ns in "$NETLAB_NS_CLI" "$NETLAB_NS_RTR" "$NETLAB_NS_SRV"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  [ -n "$NETLAB_TMP" ] && rm -rf "$NETLAB_TMP"
  NETLAB_TMP=""
  NETLAB_IS_UP=0
}

netlab__trap() {
  local rc=$?
  netlab_teardown
  exit "$rc"
}

netlab__offloads_off() {  # ns dev
  ip netns exec "$1" ethtool -K "$2" gso off tso off gro off >/dev/null 2>&1 ||
    netlab_log "warning: could not disable offloads on $1/$2"
}

# The extra server networks are reached through the same server link. The kernel flushes
# these routes whenever rs goes down, so restoring the upstream calls this again.
netlab__srv_routes() {
  local extra
  for extra in "${NETLAB_SRV_EXTRA_IPS[@]}"; do
    netlab_rtr ip route replace "${extra%.*}.0/24" via "$NETLAB_SRV_IP" dev rs
  done
}

# A namespace may only default to a congestion control in the (global)
# tcp_allowed_congestion_control list; add NETLAB_CC to it when missing. That only widens what
# unprivileged sockets may choose; it changes no host default.
netlab__set_cc() {
  local allowed ns
  allowed="$(sysctl -n net.ipv4.tcp_allowed_congestion_control)"
  case " $allowed " in
    *" $NETLAB_CC "*) ;;
    *) sysctl -qw net.ipv4.tcp_allowed_congestion_control="$allowed $NETLAB_CC" ||
         netlab_die "cannot allow congestion control $NETLAB_CC" ;;
  esac
  for ns in "$NETLAB_NS_CLI" "$NETLAB_NS_RTR" "$NETLAB_NS_SRV"; do
    ip netns exec "$ns" sysctl -qw net.ipv4.tcp_congestion_control="$NETLAB_CC" ||
      netlab_die "cannot set congestion control $NETLAB_CC in $ns"
  done
}

# Creates the topology. Installs the teardown trap (EXIT, INT, TERM, HUP).
netlab_up() {
  netlab_gc
  trap netlab__trap EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  NETLAB_TMP="$(mktemp -d "/tmp/${NETLAB_PREFIX}.XXXXXX")"
  ip netns add "$NETLAB_NS_CLI" || netlab_die "ip netns add $NETLAB_NS_CLI"
  ip netns add "$NETLAB_NS_RTR" || netlab_die "ip netns add $NETLAB_NS_RTR"
  ip netns add "$NETLAB_NS_SRV" || netlab_die "ip netns add $NETLAB_NS_SRV"
  NETLAB_IS_UP=1
  local ns
  for ns in "$NETLAB_NS_CLI" "$NETLAB_NS_RTR" "$NETLAB_NS_SRV"; do
    ip netns exec "$ns" ip link set lo up
  done
  netlab_rtr ip link add rc type veth peer name c0 netns "$NETLAB_NS_CLI" || netlab_die "veth c0"
  netlab_rtr ip link add rs type veth peer name s0 netns "$NETLAB_NS_SRV" || netlab_die "veth s0"
  netlab_cli ip addr add "$NETLAB_CLI_IP/24" dev c0
  netlab_rtr ip addr add "$NETLAB_GW_IP/24" dev rc
  netlab_rtr ip addr add "$NETLAB_RTR_SRV_SIDE_IP/24" dev rs
  netlab_srv ip addr add "$NETLAB_SRV_IP/24" dev s0
  local extra
  for extra in "${NETLAB_SRV_EXTRA_IPS[@]}"; do netlab_srv ip addr add "$extra/24" dev s0; done
  for ns_dev in "$NETLAB_NS_CLI:c0" "$NETLAB_NS_RTR:rc" "$NETLAB_NS_RTR:rs" "$NETLAB_NS_SRV:s0"; do
    ip netns exec "${ns_dev%%:*}" ip link set "${ns_dev#*:}" mtu "$NETLAB_MTU" up
    netlab__offloads_off "${ns_dev%%:*}" "${ns_dev#*:}"
  done
  netlab_cli ip route add default via "$NETLAB_GW_IP"
  netlab_srv ip route add default via "$NETLAB_RTR_SRV_SIDE_IP"
  netlab_rtr sysctl -qw net.ipv4.ip_forward=1
  netlab__set_cc
  # Packets come back out of the TUN delay device with their original source: no rp_filter.
  netlab_rtr sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  netlab__srv_routes
  netlab_log "up: $NETLAB_NS_CLI ($NETLAB_CLI_IP) — $NETLAB_NS_RTR — $NETLAB_NS_SRV ($NETLAB_SRV_IP)"
}

# tbf parameters for RATE_MBIT with RTT_MS of path delay. Prints "BURST_BYTES LIMIT_BYTES".
# burst: ~4 ms of tokens, at least 4 full frames. tbf caps the tokens saved at the burst, so a
# dequeue timer that fires late loses link time: 1 ms was enough here, but on CI's VM iperf3
# and uplinkprobe both read 2-3 % under a 50 Mbit ceiling at +0 ms. 4 ms covers a VM's timer
# lateness; after idle it lets 4 ms of data through at once, 0.2 % of a 2 s window, inside the
# 0.5 % over-read margin and discarded with the warm-up anyway. limit: the queue must hold 2 × BDP (+ a floor) or TCP never fills the pipe at
# 40 ms RTT and the lab under-reads, blaming the tool under test for the lab's queue.
netlab_tbf_params() {
  local rate_mbit="$1" rtt_ms="${2:-0}"
  python3 - "$rate_mbit" "$rtt_ms" <<'PY'
import sys
rate = float(sys.argv[1]) * 1e6 / 8.0   # bytes/s
rtt = float(sys.argv[2]) / 1000.0
burst = max(int(rate * 0.004), 4 * 1514)
bdp = rate * (rtt + 0.005)
limit = max(int(2 * bdp), 256 * 1024)
print(burst, limit)
PY
}

# netlab_shape DOWN_MBIT UP_MBIT — tbf on the router's egress toward the client (download)
# and toward the server (upload). Re-callable; uses the current netlab_delay RTT for limits.
netlab_shape() {
  NETLAB_DOWN_MBIT="$1"; NETLAB_UP_MBIT="$2"
  local p
  p=($(netlab_tbf_params "$1" "$NETLAB_DELAY_RTT_MS"))
  netlab_rtr tc qdisc replace dev rc root tbf rate "${1}mbit" burst "${p[0]}" limit "${p[1]}" ||
    netlab_die "tbf on rc"
  p=($(netlab_tbf_params "$2" "$NETLAB_DELAY_RTT_MS"))
  netlab_rtr tc qdisc replace dev rs root tbf rate "${2}mbit" burst "${p[0]}" limit "${p[1]}" ||
    netlab_die "tbf on rs"
}

netlab_unshape() {
  netlab_rtr tc qdisc del dev rc root 2>/dev/null || true
  netlab_rtr tc qdisc del dev rs root 2>/dev/null || true
  NETLAB_DOWN_MBIT=""; NETLAB_UP_MBIT=""
}

# TCP goodput ceiling in Mbit/s for a tbf rate: rate × MSS / (MSS + 40 IP/TCP + 12 options
# + 14 Ethernet) = rate × 1448/1514 at MTU 1500.
netlab_ceiling() {
  python3 -c "import sys; print('%.3f' % (float(sys.argv[1]) * 1448.0 / 1514.0))" "$1"
}

# netlab_bg NS LOGFILE CMD… — start CMD in namespace NS (cli|rtr|srv) in the background;
# killed at teardown. Sets NETLAB_LAST_PID.
netlab_bg() {
  local which="$1" log="$2"; shift 2
  local ns
  case "$which" in
    cli) ns="$NETLAB_NS_CLI" ;; rtr) ns="$NETLAB_NS_RTR" ;; srv) ns="$NETLAB_NS_SRV" ;;
    *) netlab_die "netlab_bg: namespace must be cli, rtr or srv" ;;
  esac
  ip netns exec "$ns" "$@" >"$log" 2>&1 &
  NETLAB_LAST_PID=$!
  NETLAB_PIDS+=("$NETLAB_LAST_PID")
}

# netlab_stop PID — stop one background process started with netlab_bg.
netlab_stop() {
  local pid="$1" i
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# netlab_wait_tcp NS IP PORT [TIMEOUT_S] — wait until something listens (bounded).
netlab_wait_tcp() {
  local ns="$1" ip="$2" port="$3" timeout="${4:-10}" i
  for i in $(seq 1 $((timeout * 10))); do
    ip netns exec "$ns" timeout 1 bash -c "exec 3<>/dev/tcp/$ip/$port" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# netlab_delay RTT_MS — add RTT_MS of round-trip delay (half each way) with tundelay on the
# router: packets arriving on rc or rs are policy-routed into TUN device "tund"; tundelay
# writes them back after the delay and the main table forwards them. 0 removes the delay.
netlab_delay() {
  local rtt="$1"
  netlab_rtr ip rule del iif rc lookup 100 2>/dev/null || true
  netlab_rtr ip rule del iif rs lookup 100 2>/dev/null || true
  if [ -n "${NETLAB_TUNDELAY_PID:-}" ]; then netlab_stop "$NETLAB_TUNDELAY_PID"; NETLAB_TUNDELAY_PID=""; fi
  netlab_rtr ip link del tund 2>/dev/null || true
  NETLAB_DELAY_RTT_MS=0
  if [ "$rtt" = 0 ]; then
    [ -n "$NETLAB_DOWN_MBIT" ] && netlab_shape "$NETLAB_DOWN_MBIT" "$NETLAB_UP_MBIT"
    return 0
  fi
  local bin
  bin="$(netlab_tundelay_bin)" || netlab_die "tundelay not built (cmake --build BUILD --target tundelay)"
  netlab_rtr ip tuntap add dev tund mode tun || netlab_die "tuntap add"
  # The TUN ring holds txqueuelen packets between the kernel and tundelay; the default 500
  # overflows when a sender bursts at line rate (BBR startup) and those drops would look like
  # bottleneck losses. 20000 packets covers > 200 ms at 1 Gbit/s.
  netlab_rtr ip link set tund mtu "$NETLAB_MTU" txqueuelen 20000 up
  netlab_rtr sysctl -qw net.ipv4.conf.tund.rp_filter=0
  netlab_rtr ip route add default dev tund table 100
  local one_way
  one_way="$(python3 -c "import sys; print(float(sys.argv[1]) / 2)" "$rtt")"
  # SCHED_FIFO: the delay line must behave like a wire even while the box compiles; it sleeps
  # in ppoll between packets, so it cannot starve the machine (and there are 2 cores).
  netlab_bg rtr "$NETLAB_TMP/tundelay.log" chrt -f 20 "$bin" --dev tund --delay-ms "$one_way" --queue 16384
  NETLAB_TUNDELAY_PID="$NETLAB_LAST_PID"
  local i
  # 20 s: once (2026-12-03, two builds beside the lab) it had printed nothing after 5 s.
  for i in $(seq 1 200); do grep -q 'tundelay: running' "$NETLAB_TMP/tundelay.log" 2>/dev/null && break; sleep 0.1; done
  if ! grep -q 'tundelay: running' "$NETLAB_TMP/tundelay.log"; then
    local state="exited"
    kill -0 "$NETLAB_TUNDELAY_PID" 2>/dev/null && state="still running, silent"
    netlab_die "tundelay did not start in 20 s ($state; load $(cut -d' ' -f1-3 /proc/loadavg)): $(cat "$NETLAB_TMP/tundelay.log")"
  fi
  netlab_rtr ip rule add iif rc lookup 100 priority 100
  netlab_rtr ip rule add iif rs lookup 100 priority 101
  NETLAB_DELAY_RTT_MS="$rtt"
  [ -n "$NETLAB_DOWN_MBIT" ] && netlab_shape "$NETLAB_DOWN_MBIT" "$NETLAB_UP_MBIT"
  return 0
}

# Counters of the running tundelay (accepted/forwarded/dropped), printed to its log.
netlab_delay_stats() {
  [ -n "${NETLAB_TUNDELAY_PID:-}" ] || return 0
  kill -USR1 "$NETLAB_TUNDELAY_PID" 2>/dev/null; sleep 0.2
  echo "$(grep 'tundelay: dev=' "$NETLAB_TMP/tundelay.log" | tail -1)" \
    "tun_ring_drops=$(netlab_rtr cat /sys/class/net/tund/statistics/tx_dropped)"
}

# netlab_loss PERCENT [down|up|both] — random drop of forwarded packets in the router.
# 0 removes the rule.
netlab_loss() {
  local pct="$1" dir="${2:-both}"
  netlab_rtr iptables -F NETLAB_LOSS 2>/dev/null || netlab_rtr iptables -N NETLAB_LOSS
  netlab_rtr iptables -C FORWARD -j NETLAB_LOSS 2>/dev/null || netlab_rtr iptables -I FORWARD -j NETLAB_LOSS
  [ "$pct" = 0 ] && return 0
  local p
  p="$(python3 -c "import sys; print('%.6f' % (float(sys.argv[1]) / 100))" "$pct")"
  case "$dir" in
    down) netlab_rtr iptables -A NETLAB_LOSS -o rc -m statistic --mode random --probability "$p" -j DROP ;;
    up) netlab_rtr iptables -A NETLAB_LOSS -o rs -m statistic --mode random --probability "$p" -j DROP ;;
    both) netlab_rtr iptables -A NETLAB_LOSS -m statistic --mode random --probability "$p" -j DROP ;;
    *) netlab_die "netlab_loss: direction must be down, up or both" ;;
  esac
}

# Packets dropped so far by the loss rule(s).
netlab_loss_dropped() {
  netlab_rtr iptables -L NETLAB_LOSS -v -n -x 2>/dev/null | awk '$3 == "DROP" {s += $1} END {print s + 0}'
}

# Upstream cut: the router loses its server-side link; the gateway stays reachable.
netlab_cut_upstream() { netlab_rtr ip link set rs down; }
netlab_restore_upstream() { netlab_rtr ip link set rs up && netlab__srv_routes; }

# Gateway cut: the router side of the client's link goes down (as if the router died).
netlab_cut_gateway() { netlab_rtr ip link set rc down; }
netlab_restore_gateway() { netlab_rtr ip link set rc up; }

# DNS only: the router drops DNS (UDP and TCP 53) and forwards everything else.
netlab_break_dns() {
  netlab_rtr iptables -C FORWARD -p udp --dport 53 -j DROP 2>/dev/null ||
    netlab_rtr iptables -I FORWARD -p udp --dport 53 -j DROP
  netlab_rtr iptables -C FORWARD -p tcp --dport 53 -j DROP 2>/dev/null ||
    netlab_rtr iptables -I FORWARD -p tcp --dport 53 -j DROP
}
netlab_restore_dns() {
  netlab_rtr iptables -D FORWARD -p udp --dport 53 -j DROP 2>/dev/null || true
  netlab_rtr iptables -D FORWARD -p tcp --dport 53 -j DROP 2>/dev/null || true
}

# netlab_start_dns [ANSWER_IP] — stub DNS server on NETLAB_SRV_IP:53 (UDP) in the server ns.
# Every A query gets ANSWER_IP (default NETLAB_SRV_IP); other types get an empty NOERROR.
netlab_start_dns() {
  local answer="${1:-$NETLAB_SRV_IP}"
  netlab_bg srv "$NETLAB_TMP/dns.log" python3 "$NETLAB_LIB_DIR/dnsstub.py" \
    --listen "$NETLAB_SRV_IP" --port 53 --answer "$answer"
  NETLAB_DNS_PID="$NETLAB_LAST_PID"
  local i
  for i in $(seq 1 50); do grep -q 'dnsstub: listening' "$NETLAB_TMP/dns.log" 2>/dev/null && return 0; sleep 0.1; done
  netlab_die "dns stub did not start: $(cat "$NETLAB_TMP/dns.log")"
}

# netlab_start_tcp_targets [PORT] — a TCP acceptor on PORT (default 443) on every server
# address (NETLAB_SRV_IP and NETLAB_SRV_EXTRA_IPS: three "networks" for availability probes).
# Accepts and closes; bounded by the kernel backlog. Killed at teardown.
netlab_start_tcp_targets() {
  local port="${1:-443}"
  netlab_bg srv "$NETLAB_TMP/tcp-targets-$port.log" python3 -c '
import socket, sys, threading
port = int(sys.argv[1])
def serve(ip):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ip, port)); s.listen(64)
    while True:
        c, _ = s.accept(); c.close()
for ip in sys.argv[2:]:
    threading.Thread(target=serve, args=(ip,), daemon=True).start()
print("tcp-targets: listening", port, flush=True)
threading.Event().wait()' "$port" "$NETLAB_SRV_IP" "${NETLAB_SRV_EXTRA_IPS[@]}"
  local ip
  for ip in "$NETLAB_SRV_IP" "${NETLAB_SRV_EXTRA_IPS[@]}"; do
    netlab_wait_tcp "$NETLAB_NS_SRV" "$ip" "$port" 10 || netlab_die "tcp target $ip:$port did not start"
  done
}
