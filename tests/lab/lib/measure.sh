# measure.sh — run iperf3 and uplinkprobe across the netlab and record JSON lines.
# Source after netlab.sh. Used by bench/accuracy.sh and tests/lab/throughput_accuracy_test.sh.
#
#   measure_find_bins || exit 1          # sets MEASURE_AGENT_BIN, MEASURE_SERVER_BIN
#   measure_start_servers                # iperf3 -s and uplinkprobe-server in the server ns
#   measure_profile DOWN UP RTT N_IPERF N_AGENT RESULTS
#
# Each run appends lines to RESULTS (format: labresults.py). A run that fails is recorded with
# its error, never silently skipped, so the table and the checks see it.

MEASURE_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MEASURE_PORT=8080
MEASURE_IPERF_SECONDS="${MEASURE_IPERF_SECONDS:-8}"   # measured seconds, after 2 s omitted
MEASURE_AGENT_TIMEOUT_S=60

# The preamble of a measuring lab: root and namespaces (else "CANNOT RUN", failing), the agent
# and server binaries, and tundelay. Exits 1 with what is missing: a lab that passed without
# the thing it tests would hide a broken build.
measure_require_lab() {
  netlab_require_root_or_skip
  measure_find_bins || { echo "FAIL: binaries missing (UPLINKPROBE_BUILD_DIR=${UPLINKPROBE_BUILD_DIR:-unset})"; exit 1; }
  netlab_tundelay_bin >/dev/null || { echo "FAIL: tundelay not built"; exit 1; }
}

# Locates the binaries: $UPLINKPROBE_BIN / $UPLINKPROBE_SERVER_BIN, else the build directory
# ($UPLINKPROBE_BUILD_DIR). Prints what is missing and returns 1.
measure_find_bins() {
  local build="${UPLINKPROBE_BUILD_DIR:-}"
  MEASURE_AGENT_BIN="${UPLINKPROBE_BIN:-}"
  MEASURE_SERVER_BIN="${UPLINKPROBE_SERVER_BIN:-}"
  if [ -z "$MEASURE_AGENT_BIN" ] && [ -n "$build" ]; then
    MEASURE_AGENT_BIN="$(find "$build" -type f -name uplinkprobe -perm -u+x 2>/dev/null | head -1)"
  fi
  if [ -z "$MEASURE_SERVER_BIN" ] && [ -n "$build" ]; then
    MEASURE_SERVER_BIN="$(find "$build" -type f -name uplinkprobe-server -perm -u+x 2>/dev/null | head -1)"
  fi
  local ok=0
  [ -x "$MEASURE_AGENT_BIN" ] || { echo "missing: uplinkprobe binary (set UPLINKPROBE_BIN or UPLINKPROBE_BUILD_DIR)" >&2; ok=1; }
  [ -x "$MEASURE_SERVER_BIN" ] || { echo "missing: uplinkprobe-server binary (set UPLINKPROBE_SERVER_BIN or UPLINKPROBE_BUILD_DIR)" >&2; ok=1; }
  return $ok
}

measure_start_servers() {
  netlab_bg srv "$NETLAB_TMP/iperf3-server.log" iperf3 -s -B "$NETLAB_SRV_IP"
  netlab_wait_tcp "$NETLAB_NS_SRV" "$NETLAB_SRV_IP" 5201 10 || netlab_die "iperf3 -s did not start"
  if [ -n "${MEASURE_SERVER_BIN:-}" ]; then
    netlab_bg srv "$NETLAB_TMP/uplinkprobe-server.log" "$MEASURE_SERVER_BIN" \
      --listen "$NETLAB_SRV_IP:$MEASURE_PORT"
    netlab_wait_tcp "$NETLAB_NS_SRV" "$NETLAB_SRV_IP" "$MEASURE_PORT" 10 ||
      netlab_die "uplinkprobe-server did not start: $(cat "$NETLAB_TMP/uplinkprobe-server.log")"
  fi
}

measure__tag() {  # profile down up rtt [direction ceiling]
  python3 -c '
import json, sys
a = sys.argv[1:]
t = {"profile": a[0], "down_mbit": float(a[1]), "up_mbit": float(a[2]), "rtt_ms": float(a[3])}
if len(a) > 4:
    t["direction"] = a[4]
    t["ceiling_mbps"] = float(a[5])
print(json.dumps(t))' "$@"
}

# measure_iperf3 PROFILE DOWN UP RTT download|upload RESULTS
measure_iperf3() {
  local profile="$1" down="$2" up="$3" rtt="$4" dir="$5" results="$6" rflag="" rate="$3"
  if [ "$dir" = download ]; then rflag="-R"; rate="$down"; fi
  local out="$NETLAB_TMP/iperf3.json"
  timeout $((MEASURE_IPERF_SECONDS + 30)) ip netns exec "$NETLAB_NS_CLI" \
    iperf3 -c "$NETLAB_SRV_IP" -P 4 -t "$MEASURE_IPERF_SECONDS" -O 2 $rflag -J >"$out" 2>&1
  python3 "$MEASURE_LIB_DIR/labresults.py" iperf3 "$out" \
    --tag "$(measure__tag "$profile" "$down" "$up" "$rtt" "$dir" "$(netlab_ceiling "$rate")")" >>"$results"
}

# measure_agent PROFILE DOWN UP RTT RESULTS — one `uplinkprobe test --json` (both directions)
# against uplinkprobe-server, or $MEASURE_AGENT_URL when set (another server in the lab).
measure_agent() {
  local profile="$1" down="$2" up="$3" rtt="$4" results="$5"
  local out="$NETLAB_TMP/agent.json" t0 t1 rc
  t0=$(date +%s.%N)
  timeout "$MEASURE_AGENT_TIMEOUT_S" ip netns exec "$NETLAB_NS_CLI" "$MEASURE_AGENT_BIN" test \
    --server "${MEASURE_AGENT_URL:-http://$NETLAB_SRV_IP:$MEASURE_PORT/}" --json ${MEASURE_AGENT_ARGS:-} \
    >"$out" 2>"$NETLAB_TMP/agent.stderr"
  rc=$?
  t1=$(date +%s.%N)
  if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
    echo "measure: uplinkprobe test exit $rc: $(tail -c 400 "$NETLAB_TMP/agent.stderr")" >&2
  fi
  # Keep every raw record next to the results, for diagnosis.
  cat "$out" >>"$results.records" 2>/dev/null || true
  local wall tag
  wall="$(python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 3))" "$t0" "$t1")"
  tag="$(python3 -c 'import json,sys; t=json.loads(sys.argv[1]); t["wall_s"]=float(sys.argv[2]); t["exit"]=int(sys.argv[3]); print(json.dumps(t))' \
    "$(measure__tag "$profile" "$down" "$up" "$rtt")" "$wall" "$rc")"
  python3 "$MEASURE_LIB_DIR/labresults.py" uplinkprobe "$out" --tag "$tag" >>"$results"
}

# measure_profile DOWN UP RTT N_IPERF N_AGENT RESULTS — shape, delay, then measure.
measure_profile() {
  local down="$1" up="$2" rtt="$3" n_iperf="$4" n_agent="$5" results="$6" i
  local profile="${down}/${up} Mbit, +${rtt} ms"
  netlab_delay "$rtt"
  netlab_shape "$down" "$up"
  echo "measure: profile $profile" >&2
  for i in $(seq 1 "$n_iperf"); do
    measure_iperf3 "$profile" "$down" "$up" "$rtt" download "$results"
    measure_iperf3 "$profile" "$down" "$up" "$rtt" upload "$results"
  done
  if [ -n "${MEASURE_AGENT_BIN:-}" ]; then
    for i in $(seq 1 "$n_agent"); do
      measure_agent "$profile" "$down" "$up" "$rtt" "$results"
    done
  fi
  [ "$rtt" != 0 ] && netlab_delay_stats >&2
  return 0
}
