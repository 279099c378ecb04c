#!/usr/bin/env bash
# The main job on local defaults, on a bare machine:
#   1. installs what is missing (apt) and builds;
#   2. starts uplinkprobe-server and a private mosquitto on loopback;
#   3. runs one technician test (`uplinkprobe test`) with live progress and the verdict;
#   4. starts the central collector (`uplinkprobe-collector run`, embedded SQLite) with a
#      small school sheet imported, then runs two agents (`uplinkprobe run`, two schools) with
#      a lab schedule and shows their records arriving at an MQTT subscriber, then stops them
#      cleanly (the retained status turns "offline");
#   5. prints the ledger the collector built from what it received (per school, per county).
# Everything it starts is stopped on exit. DEMO_SECONDS (default 40) sets step 4's length;
# DEMO_KEEP=1 keeps the work directory (configs, logs, ledger.db).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target uplinkprobe uplinkprobe-server uplinkprobe-collector

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${DEMO_KEEP:-}" ]; then echo "(kept $work)"; else rm -rf "$work"; fi
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

# One agent config per school; the second agent tests less often.
agent_config() {  # device school name county interval
  cat >"$work/$1.toml" <<TOML
[identity]
device_id = "$1"
school_id = "$2"
school_name = "$3"
region = "Demo City"
county = "$4"
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
interval_s = $5
defer_if_cross_traffic_mbps = 0
[availability]
interval_s = 2
tcp_targets = ["127.0.0.1:$port"]
dns_servers = []
report_period_s = 10
[mqtt]
uri = "tcp://127.0.0.1:$mqtt_port"
[storage]
dir = "$work/state-$1"
TOML
}
agent_config demo-probe-1 demo-school "Demo Primary School" "Demo County" 15
agent_config demo-probe-2 demo-school-2 "Demo Middle School" "Other County" 20

# The collector: persistent MQTT session, every record validated and stored in SQLite before
# it is acknowledged; the department's school sheet gives the ledger its names and regions.
cat >"$work/collector.toml" <<TOML
[mqtt]
uri = "tcp://127.0.0.1:$mqtt_port"
client_id = "demo-collector"
[database]
url = "sqlite://$work/ledger.db"
[http]
listen = "127.0.0.1:$(free_port)"
[ledger]
school_hours = "Mon-Sun 00:00-24:00"
province = "Demo Province"
TOML
printf '%s\n' '学校代码,学校名称,市(州),县(市、区),学段,运营商,合同下行,合同上行,接入方式' \
  'demo-school,Demo Primary School,Demo City,Demo County,小学,demo-carrier,100,20,光纤' \
  'demo-school-2,Demo Middle School,Demo City,Other County,初中,demo-carrier,200,50,光纤' \
  'demo-school-3,Demo Teaching Point,Demo City,Other County,教学点,demo-carrier,100,20,光纤' \
  >"$work/schools.csv"
echo
echo "== collector: uplinkprobe-collector import-schools + run (SQLite $work/ledger.db)"
./build/collector/cli/uplinkprobe-collector import-schools --config "$work/collector.toml" "$work/schools.csv"
./build/collector/cli/uplinkprobe-collector run --config "$work/collector.toml" 2>"$work/collector.log" &
collector=$!
pids+=($collector)
for _ in $(seq 50); do
  grep -q "mqtt: subscribed" "$work/collector.log" && break
  sleep 0.1
done
grep -q "mqtt: subscribed" "$work/collector.log" || { echo "collector did not subscribe:"; cat "$work/collector.log"; exit 2; }

secs=${DEMO_SECONDS:-40}
echo
echo "== 2. two agents for ${secs}s: uplinkprobe run --config $work/demo-probe-{1,2}.toml"
echo "   records arriving at mosquitto_sub -t 'uplinkprobe/v1/#':"
mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -t 'uplinkprobe/v1/#' -v >"$work/sub.log" &
pids+=($!)
./build/agent/cli/uplinkprobe run --config "$work/demo-probe-1.toml" 2>"$work/daemon.log" &
daemon=$!
pids+=($daemon)
./build/agent/cli/uplinkprobe run --config "$work/demo-probe-2.toml" 2>"$work/daemon2.log" &
daemon2=$!
pids+=($daemon2)
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
kill -TERM "$daemon" "$daemon2"
wait "$daemon" "$daemon2" || true
sleep 1
echo "   after SIGTERM the retained status is: $(mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -t 'uplinkprobe/v1/demo-school/demo-probe-1/status' -C 1 -W 3 2>/dev/null)"
echo
echo "== 3. the local journal: uplinkprobe records --config ..."
./build/agent/cli/uplinkprobe records --config "$work/demo-probe-1.toml" | tail -n 12

# The collector acknowledged each record only after committing it; stop it cleanly, then
# read the ledger from the same SQLite file.
kill -TERM "$collector"
wait "$collector" || true
echo
echo "== 4. the collector stored $(sqlite3 "$work/ledger.db" 'SELECT COUNT(*) FROM records') records" \
  "and refused $(sqlite3 "$work/ledger.db" 'SELECT COUNT(*) FROM rejected')"
sqlite3 -separator ': ' "$work/ledger.db" \
  "SELECT '   refused, ' || reason, COUNT(*) FROM rejected GROUP BY reason ORDER BY reason"
echo "== 5. the ledger: uplinkprobe-collector ledger --config ... --by school / --by county"
./build/collector/cli/uplinkprobe-collector ledger --config "$work/collector.toml" --by school
echo
./build/collector/cli/uplinkprobe-collector ledger --config "$work/collector.toml" --by county
exit $rc
