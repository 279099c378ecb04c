#!/usr/bin/env bash
# bench/cost.sh — what one `uplinkprobe test` costs. Root only (network namespaces).
#
#   sudo bench/cost.sh [--build DIR] [--runs N]
#
# 1. Data and time per direction on a 100/100 Mbit tbf link (+0 ms and +40 ms RTT):
#    bytes and duration_s from the record, plus wall time of the whole command.
# 2. Receive CPU per GB: `uplinkprobe test --download-only` vs `curl -o /dev/null` downloading
#    from the same uplinkprobe-server on loopback (own namespace, unshaped), user+sys of the
#    client process tree divided by bytes received; the agent's data cap is raised to 1024 MB
#    so both clients move ~1 GB.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "$here/.." && pwd)"
build="${UPLINKPROBE_BUILD_DIR:-$src/build}"
runs=3
cmdline="$0 $*"
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "cost.sh: unknown option $1" >&2; exit 64 ;;
  esac
done
export UPLINKPROBE_BUILD_DIR="$build"
source "$src/tests/lab/lib/netlab.sh"
source "$src/tests/lab/lib/measure.sh"
[ "$(id -u)" -eq 0 ] || { echo "cost.sh: needs root" >&2; exit 2; }
measure_find_bins || exit 2
netlab_up
results="$NETLAB_TMP/cost.jsonl"
: >"$results"
measure_start_servers
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

for rtt in 0 40; do
  netlab_delay "$rtt"
  netlab_shape 100 100
  for i in $(seq 1 "$runs"); do measure_agent "100/100 Mbit, +$rtt ms" 100 100 "$rtt" "$results"; done
done

# CPU per GB on loopback, in the server namespace (its lo), so nothing else shares the path.
cpu="$NETLAB_TMP/cpu.jsonl"
: >"$cpu"
# Same volume for both clients (~1 GiB): with the default 60 MB cap, the agent's fixed costs
# (start-up, latency probes, TCP_INFO polling) would be spread over 1/16 of the bytes.
"$MEASURE_AGENT_BIN" example-config |
  sed -e 's/^max_mb_per_direction = .*/max_mb_per_direction = 1024/' \
      -e 's/^max_seconds = .*/max_seconds = 20/' >"$NETLAB_TMP/cost.toml"
netlab_bg srv "$NETLAB_TMP/lo-server.log" "$MEASURE_SERVER_BIN" --listen 127.0.0.1:8081
netlab_wait_tcp "$NETLAB_NS_SRV" 127.0.0.1 8081 10 || netlab_die "loopback server did not start"
for i in $(seq 1 "$runs"); do
  netlab_srv python3 "$here/lab/cpu_run.py" --label "curl -o /dev/null (1 GiB)" --bytes-from curl -- \
    curl -s -o /dev/null -w '%{size_download}\n' "http://127.0.0.1:8081/garbage?ckSize=1024" >>"$cpu"
  netlab_srv python3 "$here/lab/cpu_run.py" --label "uplinkprobe test --download-only (cap 1024 MB)" \
    --bytes-from uplinkprobe -- "$MEASURE_AGENT_BIN" test --config "$NETLAB_TMP/cost.toml" \
    --server http://127.0.0.1:8081/ \
    --json --download-only >>"$cpu"
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "Cost, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r); load average before: $load_before, after: $load_after"
echo
python3 - "$results" "$cpu" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("| link | dir | runs | MB used (mean / max) | test seconds (mean / max) | goodput Mbps | stop reasons |")
print("|---|---|---|---|---|---|---|")
keys = []
for r in rows:
    k = (r["profile"], r["direction"])
    if k not in keys:
        keys.append(k)
for k in keys:
    rs = [r for r in rows if (r["profile"], r["direction"]) == k]
    mb = [r["bytes"] / 1e6 for r in rs if r.get("bytes") is not None]
    s = [r["duration_s"] for r in rs if r.get("duration_s") is not None]
    g = [r["goodput_mbps"] for r in rs if r.get("goodput_mbps") is not None]
    reasons = sorted({str(r.get("stop_reason") or r.get("error")) for r in rs})
    f = lambda v: "%.1f / %.1f" % (statistics.mean(v), max(v)) if v else "–"
    print("| %s | %s | %d | %s | %s | %s | %s |" % (k[0], k[1], len(rs), f(mb), f(s),
          "%.2f" % statistics.mean(g) if g else "–", ", ".join(reasons)))
walls = [r["wall_s"] for r in rows if r["direction"] == "download" and r.get("wall_s")]
if walls:
    print("\nwhole command (both directions + latency probes), wall seconds: mean %.1f, max %.1f" % (
        statistics.mean(walls), max(walls)))
print()
cpu = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
print("| loopback download client | runs | GB received (mean) | CPU s (mean) | CPU s per GB (mean / min / max) |")
print("|---|---|---|---|---|")
labels = []
for c in cpu:
    if c["label"] not in labels:
        labels.append(c["label"])
for l in labels:
    cs = [c for c in cpu if c["label"] == l and c.get("cpu_s_per_gb")]
    errs = [c["error"] for c in cpu if c["label"] == l and c.get("error")]
    if cs:
        per = [c["cpu_s_per_gb"] for c in cs]
        print("| %s | %d | %.2f | %.2f | %.2f / %.2f / %.2f |" % (
            l, len(cs), statistics.mean(c["bytes"] for c in cs) / 1e9,
            statistics.mean(c["cpu_s"] for c in cs), statistics.mean(per), min(per), max(per)))
    for e in errs:
        print("| %s | error | %s ||||" % (l, e.replace("|", "/")[:200]))
PY
echo
echo "Reproduce: $cmdline"
