#!/bin/sh
# test_peak_rss.sh BUILD_DIR [RUNS] [SERVER_BIN] — peak resident memory of one `uplinkprobe test`
# (download + upload at the example config's defaults) against uplinkprobe-server on loopback.
# Peak = getrusage(RUSAGE_CHILDREN).ru_maxrss of each run, as docs/benchmarks.md's cross-build
# table measures it. SERVER_BIN defaults to BUILD_DIR's uplinkprobe-server (so an older build
# without one can be measured against the same server).
set -eu
build=${1:?usage: test_peak_rss.sh BUILD_DIR [RUNS] [SERVER_BIN]}
runs=${2:-3}
bin=$build/agent/cli/uplinkprobe
server=${3:-$build/server/uplinkprobe-server}
[ -x "$bin" ] || { echo "no $bin (build the uplinkprobe target)" >&2; exit 2; }
[ -x "$server" ] || { echo "no $server (build uplinkprobe-server)" >&2; exit 2; }
work=$(mktemp -d /tmp/up-test-rss.XXXXXX)
srv=
cleanup() {
  [ -n "$srv" ] && kill "$srv" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM HUP PIPE  # PIPE: `| head` must not orphan the daemon and broker
"$server" --listen 127.0.0.1:0 >"$work/server.out" 2>&1 & srv=$!
port=
for _ in $(seq 100); do  # at most 5 s
  port=$(sed -n 's/.*listening 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/server.out" | head -1)
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { echo "uplinkprobe-server did not start:" >&2; cat "$work/server.out" >&2; exit 2; }
"$bin" example-config | python3 -c '
import re, sys
port, store = sys.argv[1], sys.argv[2]
t = sys.stdin.read()
t = re.sub(r"\nurl = \"http://127\.0\.0\.1:8080/\"", "\nurl = \"http://127.0.0.1:%s/\"" % port, t, count=1)
t = re.sub(r"(\[identity\][^\[]*?\n)device_id = [^\n]*", lambda m: m.group(1) + "device_id = \"rss-probe\"", t, count=1, flags=re.S)
t = re.sub(r"(\[identity\][^\[]*?\n)school_id = [^\n]*", lambda m: m.group(1) + "school_id = \"220199-9999\"", t, count=1, flags=re.S)
t = re.sub(r"(\[storage\][^\[]*?\n)dir = [^\n]*", lambda m: m.group(1) + "dir = \"%s\"" % store, t, count=1, flags=re.S)
print(t)
' "$port" "$work/state" > "$work/agent.toml"
echo "uplinkprobe test, loopback uplinkprobe-server ($(date -u +%FT%TZ), $(uname -m), load $(cut -d' ' -f1-3 /proc/loadavg))"
for i in $(seq "$runs"); do
  python3 -c '
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
print("run exit %d, peak RSS %d kB" % (r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
if r.returncode != 0: print(r.stderr[-2000:], file=sys.stderr)
' "$bin" test --config "$work/agent.toml"
done
echo "reproduce: bench/test_peak_rss.sh $build $runs"
