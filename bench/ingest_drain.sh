#!/bin/bash
# Drain rate of `uplinkprobe-collector run` into SQLite (or DBURL=postgresql://…): a backlog
# of N QoS 1 records from DEV devices waits in the collector's persistent session on a
# private mosquitto (loopback); the collector starts and drains it. Prints records/s and the
# collector's own CPU time per record (the rate depends on what else the machine runs; the
# CPU figure much less). Usage: N=20000 DEV=20 bench/ingest_drain.sh
set -euo pipefail
N=${N:-20000}; DEV=${DEV:-20}
BIN=${BIN:-$(cd "$(dirname "$0")/.." && pwd)/build/collector/cli/uplinkprobe-collector}
D=$(mktemp -d /tmp/up-ingest-drain-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$D"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
PORT=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n' "$PORT" > "$D/m.conf"
mosquitto -c "$D/m.conf" > "$D/m.log" 2>&1 & pids+=($!)
for _ in $(seq 50); do mosquitto_pub -h 127.0.0.1 -p "$PORT" -t ping -m x 2>/dev/null && break; sleep 0.1; done
DBURL=${DBURL:-sqlite://$D/ledger.db}
cat > "$D/c.toml" <<C
[mqtt]
uri = "tcp://127.0.0.1:$PORT"
client_id = "drain-collector"
topic_prefix = "drain/v1"
[database]
url = "$DBURL"
[http]
listen = "127.0.0.1:$(free_port)"
C
stored() {
  case "$DBURL" in
    sqlite://*) sqlite3 "${DBURL#sqlite://}" "SELECT COUNT(*) FROM records" 2>/dev/null || echo 0 ;;
    *) psql "$DBURL" -tAc "SELECT COUNT(*) FROM records" 2>/dev/null || echo 0 ;;
  esac
}
# First run creates the persistent session (and the schema), then stops cleanly.
"$BIN" run --config "$D/c.toml" 2> "$D/c1.err" & cp=$!
for _ in $(seq 100); do grep -q "mqtt: subscribed" "$D/c1.err" && break; sleep 0.1; done
kill -TERM $cp; wait $cp || true
base=$(stored)
python3 - "$D" "$N" "$DEV" <<'P'
import json, sys
d, n, dev = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for k in range(dev):
    with open(f"{d}/dev{k}.txt", "w") as f:
        for s in range(1, n // dev + 1):
            f.write(json.dumps({"schema": "uplinkprobe/1", "kind": "event",
                                "id": f"d{k}:00000000000000aa:{s}", "journal_id": "00000000000000aa",
                                "seq": s, "device_id": f"d{k}", "school_id": f"s{k}",
                                "ts": "2026-12-01T08:00:00.000Z", "clock_synced": True,
                                "boot_id": "b0", "agent_version": "0.1.0",
                                "event": "agent_started"}, separators=(",", ":")) + "\n")
P
pub=()
for k in $(seq 0 $((DEV - 1))); do
  mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 -t "drain/v1/s$k/d$k/event" -l < "$D/dev$k.txt" & pub+=($!)
done
wait "${pub[@]}"
want=$((base + (N / DEV) * DEV))
t0=$(date +%s.%N)
"$BIN" run --config "$D/c.toml" 2> "$D/c2.err" & cp=$!; pids+=($cp)
for _ in $(seq 12000); do [ "$(stored)" -ge "$want" ] && break; sleep 0.05; done
t1=$(date +%s.%N)
cpu=$(awk '{print ($14 + $15) / 100}' /proc/$cp/stat)
got=$(( $(stored) - base ))
python3 -c "d=$t1-$t0; print(f'drained {$got} records in {d:.2f} s: {$got/d:.0f} records/s; collector CPU {$cpu:.2f} s ({$got/max($cpu,0.01):.0f} records per CPU-second); load average $(cut -d' ' -f1 /proc/loadavg)')"
kill -TERM $cp; wait $cp || true
