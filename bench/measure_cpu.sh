#!/usr/bin/env bash
# bench/measure_cpu.sh — the throughput engine on loopback, no root needed:
#   1. goodput, bytes and seconds per direction of `uplinkprobe test` against uplinkprobe-server
#      on 127.0.0.1 (loopback has no bottleneck: this is the engine's own ceiling on this CPU);
#   2. receive CPU per GB: `uplinkprobe test --download-only` vs `curl -o /dev/null` fetching
#      from the same server, user+sys CPU of the client process (getrusage of the child)
#      divided by the bytes it received. Both clients move ~1 GB.
#
#   bench/measure_cpu.sh [--build DIR] [--runs N]
# Prints a markdown table and the command that reproduces it.
set -euo pipefail
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
    *) echo "measure_cpu.sh: unknown option $1" >&2; exit 64 ;;
  esac
done
agent="$build/agent/cli/uplinkprobe"
server="$build/server/uplinkprobe-server"
for b in "$agent" "$server"; do
  [ -x "$b" ] || { echo "measure_cpu.sh: $b missing: cmake --build $build" >&2; exit 2; }
done
command -v curl >/dev/null || { echo "measure_cpu.sh: curl missing (scripts/install-deps.sh)" >&2; exit 2; }

tmp="$(mktemp -d)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$server" --listen "127.0.0.1:$port" >"$tmp/server.log" 2>&1 &
spid=$!
trap 'kill $spid 2>/dev/null || true; wait $spid 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do
  curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
  sleep 0.1
done

"$agent" example-config >"$tmp/base.toml"
sed -e 's/^max_mb_per_direction = .*/max_mb_per_direction = 2000/' \
    -e 's/^max_seconds = .*/max_seconds = 8/' "$tmp/base.toml" >"$tmp/speed.toml"
sed -e 's/^max_mb_per_direction = .*/max_mb_per_direction = 1024/' \
    -e 's/^max_seconds = .*/max_seconds = 30/' "$tmp/base.toml" >"$tmp/cpu.toml"

# run_child LABEL KIND -- CMD...: prints "LABEL<TAB>cpu_s<TAB>bytes<TAB>wall_s" where bytes come
# from curl's size_download or the record's download.bytes.
run_child() {
  local label="$1" kind="$2"; shift 3
  python3 - "$label" "$kind" "$@" <<'PY'
import json, resource, subprocess, sys, time
label, kind, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
before = resource.getrusage(resource.RUSAGE_CHILDREN)
t0 = time.monotonic()
out = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
wall = time.monotonic() - t0
after = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
if kind == "curl":
    nbytes = int(out.strip().splitlines()[-1])
else:
    nbytes = int(json.loads(out)["download"]["bytes"])
print(f"{label}\t{cpu:.3f}\t{nbytes}\t{wall:.2f}")
PY
}

echo "## Loopback speed (uplinkprobe test against uplinkprobe-server on 127.0.0.1)"
echo
echo "| run | down Mbps | down MB | down s | down streams | down stop | up Mbps | up MB | up s | up streams | up stop | cpu_pct | client_limited |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for i in $(seq "$runs"); do
  "$agent" test --config "$tmp/speed.toml" --server "http://127.0.0.1:$port/" --json >"$tmp/speed.json" || true
  python3 - "$i" "$tmp/speed.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[2]))
d, u = r["download"] or {}, r["upload"] or {}
f = lambda x, k, s=1: (f"{x[k]/s:.1f}" if x.get(k) is not None else "-")
print(f"| {sys.argv[1]} | {f(d,'goodput_mbps')} | {f(d,'bytes',1e6)} | {f(d,'duration_s')} | {d.get('streams','-')} | {d.get('stop_reason','-')} "
      f"| {f(u,'goodput_mbps')} | {f(u,'bytes',1e6)} | {f(u,'duration_s')} | {u.get('streams','-')} | {u.get('stop_reason','-')} "
      f"| {r.get('cpu_pct')} | {r.get('client_limited')} |")
PY
done
echo
echo "## Receive CPU per GB (same loopback download)"
echo
echo "| client | run | CPU s | GB received | CPU s per GB | wall s |"
echo "|---|---|---|---|---|---|"
for i in $(seq "$runs"); do
  for c in curl agent; do
    if [ $c = curl ]; then
      line=$(run_child "curl -o /dev/null" curl -- curl -s -o /dev/null -w '%{size_download}\n' \
        "http://127.0.0.1:$port/garbage?ckSize=1024")
    else
      line=$(run_child "uplinkprobe test --download-only" agent -- "$agent" test --config "$tmp/cpu.toml" \
        --server "http://127.0.0.1:$port/" --download-only --json)
    fi
    IFS=$'\t' read -r label cpu bytes wall <<<"$line"
    python3 -c "import sys; l,r,c,b,w=sys.argv[1:]; gb=int(b)/1e9; print(f'| {l} | {r} | {float(c):.2f} | {gb:.2f} | {float(c)/gb:.3f} | {w} |')" \
      "$label" "$i" "$cpu" "$bytes" "$wall"
  done
done
echo
echo "Machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "Reproduce: $cmdline"
