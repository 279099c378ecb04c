#!/bin/bash
# Which server reads what, with the same client: the reference OB-UDPST client (BBF's `udpst`,
# built from its source: `cmake . && make`) against `uplinkprobe-server --udpst-listen` and
# against the reference server, on one shaped link, Type B and Type C, N runs each, in turn
# (ours, reference, ours, …) so that a drift in the machine's load hits both alike.
# Prints a markdown table of MaxIPLayerCapacity per run and the median per cell, with the
# expected rate × 1500/1514 (the lab's tbf counts 1514-byte frames).
#
#   bench/lab/udpst_servers.sh --build build --udpst /path/to/udpst [--profile 50/10/40]
#                              [--runs 5] [--algorithms "B C"] [--dirs "d u"]
#
# Root required (network namespaces, tc). Serial: nothing else should run on the machine.
set -uo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
build="$src/build"
udpst=""
profile="50/10/40"
runs=5
algorithms="B C"
dirs="d u"
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --udpst) udpst="$2"; shift 2 ;;
    --profile) profile="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --algorithms) algorithms="$2"; shift 2 ;;
    --dirs) dirs="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 64 ;;
  esac
done
[ -x "$udpst" ] || { echo "--udpst: the reference udpst binary is required" >&2; exit 64; }
export UPLINKPROBE_BUILD_DIR="$build"
source "$src/tests/lab/lib/netlab.sh"
server_bin="$build/server/uplinkprobe-server"
IFS=/ read -r down up rtt <<<"$profile"

netlab_up
key="bench-key-$$"
printf '3,%s\n' "$key" >"$NETLAB_TMP/udpst.keys"
netlab_bg srv "$NETLAB_TMP/ours.log" "$server_bin" --listen "$NETLAB_SRV_IP:8080" \
  --udpst-listen "$NETLAB_SRV_IP:24601" --udpst-key-file "$NETLAB_TMP/udpst.keys" \
  --udpst-max-mbps 2000
netlab_bg srv "$NETLAB_TMP/ref.log" "$udpst" -a "$key" -B 2000 -p 25601 "$NETLAB_SRV_IP"
netlab_wait_tcp "$NETLAB_NS_SRV" "$NETLAB_SRV_IP" 8080 10 || netlab_die "uplinkprobe-server did not start"
netlab_delay "$rtt"
netlab_shape "$down" "$up"

results="$NETLAB_TMP/runs.txt"
: >"$results"
for i in $(seq 1 "$runs"); do
  for algo in $algorithms; do
    for dir in $dirs; do
      rate=$down
      [ "$dir" = u ] && rate=$up
      ask=$(( rate * 12 / 10 + 1 ))
      for server in ours reference; do
        port=24601
        [ "$server" = reference ] && port=25601
        out="$NETLAB_TMP/run.json"
        timeout 60 ip netns exec "$NETLAB_NS_CLI" "$udpst" "-$dir" -A "$algo" -t 10 -B "$ask" \
          -a "$key" -y 3 -p "$port" -f jsonb "$NETLAB_SRV_IP" >"$out" 2>"$out.err"
        cap=$(python3 -c 'import json,sys
try:
    j = json.load(open(sys.argv[1]))
    print(j["Output"]["AtMax"]["MaxIPLayerCapacity"])
except Exception as e:
    print("error")' "$out")
        echo "$server $algo $dir $i $cap" >>"$results"
        echo "run $i: $server Type $algo -$dir: $cap" >&2
      done
    done
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$results" "$down" "$up" "$rtt" <<'PY'
import sys, statistics
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
down, up, rtt = float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
print("profile %g/%g Mbit, +%s ms; reference client (udpst -A B|C -t 10 -B target×1.2)" % (down, up, rtt))
print("| server | type | dir | expected | runs (MaxIPLayerCapacity, Mbps) | median | vs expected % |")
print("|---|---|---|---|---|---|---|")
cells = {}
for server, algo, d, i, cap in rows:
    cells.setdefault((server, algo, d), []).append(cap)
for (server, algo, d), caps in sorted(cells.items()):
    exp = (down if d == "d" else up) * 1500 / 1514
    nums = [float(c) for c in caps if c != "error"]
    med = statistics.median(nums) if nums else None
    print("| %s | %s | %s | %.2f | %s | %s | %s |" % (
        server, algo, "down" if d == "d" else "up", exp, " ".join(caps),
        "–" if med is None else "%.2f" % med,
        "–" if med is None else "%+.2f" % ((med - exp) / exp * 100)))
PY
