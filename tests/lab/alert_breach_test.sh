#!/usr/bin/env bash
# Alerts end to end in the namespace lab (issue 5 "Done when"):
#   a 50 Mbit link with a 100 Mbit target and a 15 s lab schedule makes the daemon journal
#   `breach_opened` after breach_after counted tests below target; reshaping the link to
#   300 Mbit makes it journal `breach_closed` after clear_after good tests. Both reach a real
#   mosquitto subscriber with the ids of the throughput records as evidence, the retained
#   alert/state follows, and `uplinkprobe report` shows the day.
# Bounded: every wait has a deadline; the whole test takes ~2-3 minutes.
# FAILS ("CANNOT RUN: …") without root or network namespaces (ctest -LE root-required
# excludes the labs for developers without root).
set -uo pipefail
src="${UPLINKPROBE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
build="${UPLINKPROBE_BUILD_DIR:-$src/build}"
source "$src/tests/lab/lib/netlab.sh"
netlab_require_root_or_skip
agent="$build/agent/cli/uplinkprobe"
server="$build/server/uplinkprobe-server"
for b in "$agent" "$server"; do [ -x "$b" ] || { echo "FAIL: $b not built"; exit 1; }; done
command -v mosquitto >/dev/null && command -v mosquitto_sub >/dev/null ||
  { echo "FAIL: mosquitto / mosquitto_sub missing (scripts/install-deps.sh)"; exit 1; }

passed=0
failed=0
check() {
  local what="$1"; shift
  if "$@"; then echo "ok - $what"; passed=$((passed + 1)); else echo "not ok - $what"; failed=$((failed + 1)); fi
}

netlab_up
netlab_shape 50 50
work="$NETLAB_TMP"
netlab_bg srv "$work/server.log" "$server" --listen "$NETLAB_SRV_IP:8080"
netlab_wait_tcp "$NETLAB_NS_CLI" "$NETLAB_SRV_IP" 8080 10 || { echo "FAIL: server did not start"; exit 1; }
netlab_start_dns  # so that availability rounds are good and the day's uptime is real

# The broker on the client side (the school's view of the collector's broker).
printf 'listener 1883 127.0.0.1\nallow_anonymous true\npersistence false\n' >"$work/mosquitto.conf"
netlab_bg cli "$work/mosquitto.log" mosquitto -c "$work/mosquitto.conf"
netlab_wait_tcp "$NETLAB_NS_CLI" 127.0.0.1 1883 10 || { echo "FAIL: mosquitto did not start"; exit 1; }
netlab_bg cli "$work/alerts.txt" mosquitto_sub -h 127.0.0.1 -p 1883 -q 1 -t 'lab/+/+/alert'
sub_pid=$NETLAB_LAST_PID

cat >"$work/agent.toml" <<TOML
[identity]
device_id = "lab-probe"
school_id = "lab-school"
[target]
floor_down_mbps = 100
tolerance_pct = 5
[[servers]]
name = "lab"
url = "http://$NETLAB_SRV_IP:8080/"
[throughput]
max_seconds = 3
max_mb_per_direction = 20
[schedule]
interval_s = 15
defer_if_cross_traffic_mbps = 0
monthly_budget_gb = 0
[availability]
interval_s = 5
tcp_targets = ["$NETLAB_SRV_IP:8080"]
dns_servers = ["$NETLAB_SRV_IP"]
[mqtt]
uri = "tcp://127.0.0.1:1883"
topic_prefix = "lab"
[storage]
dir = "$work/journal"
[alert]
breach_after = 2
breach_window = 3
clear_after = 2
TOML
netlab_cli "$agent" check-config --config "$work/agent.toml" >"$work/check.log" 2>&1 ||
  { echo "FAIL: config rejected:"; cat "$work/check.log"; exit 1; }
netlab_bg cli "$work/agent.log" "$agent" run --config "$work/agent.toml"
agent_pid=$NETLAB_LAST_PID

count_alert() { grep -c "\"alert\":\"$1\"" "$work/alerts.txt" 2>/dev/null || true; }
wait_alert() {  # name timeout_s
  local i
  for i in $(seq 1 "$2"); do
    [ "$(count_alert "$1")" -ge 1 ] && return 0
    kill -0 "$agent_pid" 2>/dev/null || return 1
    sleep 1
  done
  return 1
}
# Throughput records as "id meets counted" lines, from the agent's own journal.
tests_table() {
  "$agent" records --config "$work/agent.toml" --kind throughput --json 2>/dev/null |
    python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line); v = r.get("verdict") or {}
    print(r["id"], v.get("meets_target"), v.get("counted"), v.get("measured_mbps"))'
}
alert_json() {  # name → the first alert record of that name
  grep -m1 "\"alert\":\"$1\"" "$work/alerts.txt"
}

check "breach_opened published within 120 s on a 50 Mbit link" wait_alert breach_opened 120
tests_table >"$work/tests_before.txt"
cat "$work/tests_before.txt"
opened="$(alert_json breach_opened)"
echo "breach_opened: $opened"
# Evidence = exactly the counted below-target tests in the window, and there were exactly
# breach_after of them when it opened (the alert follows the test that completed the count).
check "breach_opened evidence = the counted below-target test ids before it" python3 - "$opened" "$work/tests_before.txt" <<'PY'
import json, sys
a = json.loads(sys.argv[1])
rows = [l.split() for l in open(sys.argv[2]) if l.strip()]
seq = lambda i: int(i.rsplit(":", 1)[1])  # id = device:journal:seq
before = [r for r in rows if seq(r[0]) < a["seq"] and r[2] == "True"]
bad = [r[0] for r in before if r[1] == "False"]
ok = a["type"] == "throughput" and a["evidence"] == bad[-3:] and len(a["evidence"]) == 2
ok = ok and all(m < 95 for m in a["measured_mbps"]) and a["target_mbps"] == 100
print("evidence", a["evidence"], "counted bad before", bad)
sys.exit(0 if ok else 1)
PY
check "only one breach_opened while the link stays bad" test "$(count_alert breach_opened)" -eq 1

netlab_shape 300 300
check "breach_closed published within 120 s after reshaping to 300 Mbit" wait_alert breach_closed 120
tests_table >"$work/tests_after.txt"
closed="$(alert_json breach_closed)"
echo "breach_closed: $closed"
check "breach_closed evidence = the last clear_after good test ids, linked to the opening" python3 - "$closed" "$opened" "$work/tests_after.txt" <<'PY'
import json, sys
c, o = json.loads(sys.argv[1]), json.loads(sys.argv[2])
rows = [l.split() for l in open(sys.argv[3]) if l.strip()]
seq = lambda i: int(i.rsplit(":", 1)[1])  # id = device:journal:seq
good = [r[0] for r in rows if seq(r[0]) < c["seq"] and r[2] == "True" and r[1] == "True"]
ok = c["type"] == "throughput" and c["evidence"] == good[-2:] and c["opened_alert_id"] == o["id"]
print("evidence", c["evidence"], "good before", good)
sys.exit(0 if ok else 1)
PY

state="$(netlab_cli timeout 5 mosquitto_sub -h 127.0.0.1 -p 1883 -t 'lab/lab-school/lab-probe/alert/state' -C 1 -W 4 2>/dev/null)"
echo "alert/state: $state"
check "retained alert/state says no breach open" python3 -c '
import json, sys; s = json.loads(sys.argv[1]); sys.exit(0 if s["open"] is False and s["throughput"]["open"] is False else 1)' "$state"

# A restart rebuilds the state from the journal and announces nothing again.
netlab_stop "$agent_pid"
n_before=$(wc -l <"$work/alerts.txt")
netlab_bg cli "$work/agent2.log" "$agent" run --config "$work/agent.toml"
agent_pid=$NETLAB_LAST_PID
sleep 8
check "restart does not re-announce" test "$(wc -l <"$work/alerts.txt")" -eq "$n_before"
netlab_stop "$agent_pid"

"$agent" report --config "$work/agent.toml" --days 2 >"$work/report.txt" 2>&1
cat "$work/report.txt"
check "report fits 80 columns and shows today's tests" python3 - "$work/report.txt" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
ok = all(len(l) <= 80 for l in lines) and any("today, so far" in l for l in lines)
import re, time
today = [l for l in lines if l.startswith(time.strftime("%Y-%m-%d"))]
m = re.match(r"\S+\s+(\d+)/(\d+)\s", today[0]) if today else None
ok = ok and m is not None and int(m.group(1)) >= 4  # counted tests of the day
ok = ok and any(l.startswith("last tests:") for l in lines)
sys.exit(0 if ok else 1)
PY
"$agent" report --config "$work/agent.toml" --days 1 --csv >"$work/report.csv"
check "report --csv has a header and one row" test "$(wc -l <"$work/report.csv")" -eq 2

netlab_stop "$sub_pid"
if [ "$failed" -ne 0 ]; then
  echo "--- agent log (tail)"; tail -40 "$work/agent.log"
  echo "--- alerts"; cat "$work/alerts.txt"
fi
echo "alert lab: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
