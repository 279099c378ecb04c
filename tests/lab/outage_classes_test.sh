#!/usr/bin/env bash
# Issue 3 "Done when", against the real daemon in a namespace lab (client ─ router ─ server):
#  - cutting the upstream for ~30 s yields exactly one `upstream` outage whose duration is
#    within one round of the truth;
#  - making only DNS fail yields a `dns` outage;
#  - taking the gateway away yields a `local` outage;
#  - random loss of a few % yields no outage but the right loss figure.
# FAILS ("CANNOT RUN: …") without root or network namespaces (ctest -LE root-required
# excludes the labs for developers without root).
set -uo pipefail
src="${UPLINKPROBE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
build="${UPLINKPROBE_BUILD_DIR:-$src/build}"
source "$src/tests/lab/lib/netlab.sh"
netlab_require_root_or_skip
bin="$build/agent/cli/uplinkprobe"
[ -x "$bin" ] || { echo "FAIL: $bin not built"; exit 1; }

netlab_up
netlab_start_dns
netlab_start_tcp_targets 443
work="$NETLAB_TMP/agent"
mkdir -p "$work"
cat >"$work/c.toml" <<TOML
[identity]
device_id = "lab-outage"
school_id = "lab-school"
[schedule]
tests_per_day = 0
[availability]
interval_s = 1
probe_timeout_ms = 800
fail_rounds = 3
recover_rounds = 2
report_period_s = 10
tcp_targets = ["$NETLAB_SRV_IP:443", "${NETLAB_SRV_EXTRA_IPS[0]}:443", "${NETLAB_SRV_EXTRA_IPS[1]}:443"]
dns_servers = ["$NETLAB_SRV_IP"]
dns_name = "probe.lab.test"
[storage]
dir = "$work/state"
TOML
netlab_bg cli "$work/daemon.log" "$bin" run --config "$work/c.toml"
daemon_pid="$NETLAB_LAST_PID"
for _ in $(seq 100); do grep -q "running: device" "$work/daemon.log" && break; sleep 0.1; done

now() { date +%s.%N; }
phase() {  # phase NAME CUT_FN RESTORE_FN SECONDS → prints "start end" of the fault
  local t0 t1
  t0=$(now); "$2"; sleep "$4"; "$3"; t1=$(now)
  echo "$t0 $t1"
}
sleep 4
read -r up0 up1 < <(phase upstream netlab_cut_upstream netlab_restore_upstream 30)
sleep 6
read -r dns0 dns1 < <(phase dns netlab_break_dns netlab_restore_dns 12)
sleep 6
read -r gw0 gw1 < <(phase gateway netlab_cut_gateway netlab_restore_gateway 12)
sleep 6
loss0=$(now)
netlab_loss 5 up
sleep 120  # ≈ 330 TCP probes: enough for the bounds below to be certain (see there)
netlab_loss 0
loss1=$(now)
sleep 11  # the availability period that covers the end of the loss phase is written
kill -TERM "$daemon_pid"
for _ in $(seq 100); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done

"$bin" records --config "$work/c.toml" --json >"$work/records.jsonl"
python3 - "$work/records.jsonl" "$up0" "$up1" "$dns0" "$dns1" "$gw0" "$gw1" "$loss0" "$loss1" <<'PY'
import json, sys
from datetime import datetime
recs = [json.loads(l) for l in open(sys.argv[1])]
up0, up1, dns0, dns1, gw0, gw1, loss0, loss1 = map(float, sys.argv[2:])
ts = lambda s: datetime.fromisoformat(s).timestamp()
outages = [r for r in recs if r["kind"] == "outage"]
passed = failed = 0
def check(what, ok, detail=""):
    global passed, failed
    print(("ok - " if ok else "not ok - ") + what + (f"  [{detail}]" if detail else ""))
    if ok: passed += 1
    else: failed += 1
def during(a, b):
    return [o for o in outages if a - 2 <= ts(o["start"]) <= b + 2]
ROUND = 1.0
u = during(up0, up1)
check("exactly one outage during the upstream cut", len(u) == 1, [o["class"] for o in u])
if u:
    o = u[0]
    check("it is classified upstream", o["class"] == "upstream", o["class"])
    truth = up1 - up0
    check("its duration is within one round of the truth",
          abs(o["duration_s"] - truth) <= ROUND + 0.5, f'{o["duration_s"]:.2f} vs {truth:.2f}')
    check("its start is within one round of the cut", abs(ts(o["start"]) - up0) <= ROUND + 0.5,
          f'{ts(o["start"]) - up0:+.2f} s')
    check("evidence names the failed probes", bool(o.get("evidence")))
d = during(dns0, dns1)
check("exactly one outage while only DNS failed, classified dns",
      len(d) == 1 and d[0]["class"] == "dns", [o["class"] for o in d])
g = during(gw0, gw1)
check("exactly one outage while the gateway was away, classified local",
      len(g) == 1 and g[0]["class"] == "local", [o["class"] for o in g])
l = during(loss0, loss1)
check("no outage during 5 % random loss", len(l) == 0, [o["class"] for o in l])
probes = fails = 0
for r in recs:
    if r["kind"] != "availability": continue
    a, b = ts(r["period_start"]), ts(r["period_end"])
    if a >= loss0 - 0.5 and b <= loss1 + 1.5:
        for name, t in r["targets"].items():
            if name.startswith("tcp:"):
                probes += t["probes"]; fails += t["failed"]
pct = 100.0 * fails / probes if probes else -1
# 5 % of SYNs dropped → ~5 % failed connects (a dropped SYN is resent after 1 s, later than
# the 800 ms probe timeout). What is asserted is behaviour: the loss shows, and it is not
# over-counted. With n ≥ 250 probes and p = 0.05 a binomial count of 0, or above 12 %, has a
# probability below 1e-6 (at n = 330: 4e-8 and 3e-7); the earlier band of 1.5–8.5 % at
# n = 150 failed a correct run 5.7 % of the time (CI: 10.0 % of 150).
check("enough TCP probes during the loss phase to judge the loss", probes >= 250, probes)
check("TCP probe loss during the loss phase shows and is not over-counted (0 < loss <= 12 %)",
      fails > 0 and pct <= 12.0, f"{pct:.1f} % of {probes} probes")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
