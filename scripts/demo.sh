#!/usr/bin/env bash
# The main job on local defaults, on a bare machine:
#   1. installs what is missing (apt) and builds;
#   2. starts uplinkprobe-server and a private mosquitto on loopback;
#   3. runs one technician test (`uplinkprobe test`) with live progress and the verdict;
#   4. runs the daemon (`uplinkprobe run`) with a lab schedule and shows its records arriving
#      at an MQTT subscriber, then stops it cleanly (the retained status turns "offline").
# Everything it starts is stopped on exit. DEMO_SECONDS (default 40) sets step 4's length.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target uplinkprobe uplinkprobe-server

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

./build/server/uplinkprobe-server --listen 127.0.0.1:0 >"$work/server.out" 2>"$work/server.log" &
pids+=($!)
port=""
for _ in $(seq 50); do
  port=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/server.out" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "uplinkprobe-server did not start:"; cat "$work/server.log"; exit 2; }
echo "== uplinkprobe-server listening on 127.0.0.1:$port"

mqtt_port=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$mqtt_port" >"$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
  mosquitto_pub -h 127.0.0.1 -p "$mqtt_port" -t demo/ping -m x 2>/dev/null && break
  sleep 0.1
done
echo "== mosquitto listening on 127.0.0.1:$mqtt_port"

echo
echo "== 1. technician test: uplinkprobe test --server http://127.0.0.1:$port/ --target 100"
set +e
./build/agent/cli/uplinkprobe test --server "http://127.0.0.1:$port/" --target 100
rc=$?
set -e
echo "   exit code $rc (0 = meets target, 1 = below target, 2 = error)"

cat >"$work/uplinkprobe.toml" <<TOML
[identity]
device_id = "demo-probe-1"
school_id = "demo-school"
school_name = "Demo Primary School"
region = "Demo City"
county = "Demo County"
carrier = "demo-carrier"
[target]
floor_down_mbps = 100
[[servers]]
name = "loopback"
url = "http://127.0.0.1:$port/"
[throughput]
max_seconds = 4
max_mb_per_direction = 30
[schedule]
interval_s = 15
defer_if_cross_traffic_mbps = 0
[availability]
interval_s = 2
tcp_targets = ["127.0.0.1:$port"]
dns_servers = []
report_period_s = 10
[mqtt]
uri = "tcp://127.0.0.1:$mqtt_port"
[storage]
dir = "$work/state"
TOML

secs=${DEMO_SECONDS:-40}
echo
echo "== 2. daemon for ${secs}s: uplinkprobe run --config $work/uplinkprobe.toml"
echo "   records arriving at mosquitto_sub -t 'uplinkprobe/v1/#':"
mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -t 'uplinkprobe/v1/#' -v >"$work/sub.log" &
pids+=($!)
./build/agent/cli/uplinkprobe run --config "$work/uplinkprobe.toml" 2>"$work/daemon.log" &
daemon=$!
pids+=($daemon)
shown=0
for _ in $(seq "$secs"); do
  sleep 1
  total=$(wc -l <"$work/sub.log")
  if [ "$total" -gt "$shown" ]; then
    tail -n +"$((shown + 1))" "$work/sub.log" | head -n "$((total - shown))" | python3 -c '
import sys, json
for line in sys.stdin:
    topic, _, payload = line.rstrip("\n").partition(" ")
    try:
        r = json.loads(payload)
    except ValueError:
        print("   ", topic, payload[:60]); continue
    what = r.get("event") or r.get("state") or ""
    if r.get("kind") == "throughput" and r.get("download"):
        what = "down %.1f / up %.1f Mbps IP capacity, meets target: %s" % (
            r["download"].get("ip_capacity_mbps", 0), (r.get("upload") or {}).get("ip_capacity_mbps", 0),
            (r.get("verdict") or {}).get("meets_target"))
    print("   %-48s seq %-4s %s" % (topic, r.get("seq", "-"), what))'
    shown=$total
  fi
done
kill -TERM "$daemon"
wait "$daemon" || true
sleep 1
echo "   after SIGTERM the retained status is: $(mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -t 'uplinkprobe/v1/demo-school/demo-probe-1/status' -C 1 -W 3 2>/dev/null)"
echo
echo "== 3. the local journal: uplinkprobe records --config ..."
./build/agent/cli/uplinkprobe records --config "$work/uplinkprobe.toml" | tail -n 12
exit $rc
