#!/bin/sh
# idle_rss.sh BUILD_DIR [SECONDS] — resident memory of the idle agent daemon (issue 16: ≤ 8 MB).
#
# The daemon runs availability monitoring only (no throughput tests: tests_per_day = 0) with
# the example config's defaults otherwise, against a private mosquitto on loopback. Every
# probe target is on loopback (TCP to the broker's port, DNS and gateway 127.0.0.1), so no
# packet leaves the machine. After SECONDS (default 60) it prints VmRSS, VmHWM, the
# anonymous/file split and the largest mappings by RSS (/proc/PID/smaps).
set -eu
build=${1:?usage: idle_rss.sh BUILD_DIR [SECONDS]}
secs=${2:-60}
bin=$build/agent/cli/uplinkprobe
[ -x "$bin" ] || { echo "no $bin (build the uplinkprobe target)" >&2; exit 2; }
work=$(mktemp -d /tmp/up-idle-rss.XXXXXX)
cleanup() {
  for p in $agent $broker; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
agent=; broker=
trap cleanup EXIT INT TERM HUP PIPE  # PIPE: `| head` must not orphan the daemon and broker
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port" > "$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" >/dev/null 2>&1 & broker=$!
"$bin" example-config | python3 -c '
import re, sys
port, store = sys.argv[1], sys.argv[2]
t = sys.stdin.read()
def put(section, key, value):
    global t
    t = re.sub(r"(\[%s\][^\[]*?\n)%s = [^\n]*" % (re.escape(section), key),
               lambda m: m.group(1) + "%s = %s" % (key, value), t, count=1, flags=re.S)
put("identity", "device_id", "\"idle-rss-probe\"")
put("identity", "school_id", "\"220199-9999\"")
put("schedule", "tests_per_day", "0")
put("availability", "tcp_targets", "[\"127.0.0.1:%s\"]" % port)
put("availability", "dns_servers", "[\"127.0.0.1\"]")
put("availability", "gateway", "\"127.0.0.1\"")
put("mqtt", "uri", "\"tcp://127.0.0.1:%s\"" % port)
put("storage", "dir", "\"%s\"" % store)
print(t)
' "$port" "$work/state" > "$work/agent.toml"
"$bin" check-config --config "$work/agent.toml" >"$work/check.txt" 2>&1 || { cat "$work/check.txt" >&2; exit 2; }
"$bin" run --config "$work/agent.toml" >"$work/agent.log" 2>&1 & agent=$!
sleep "$secs"
kill -0 "$agent" 2>/dev/null || { echo "the daemon exited:" >&2; cat "$work/agent.log" >&2; exit 2; }
echo "uplinkprobe run, availability only, ${secs} s idle ($(date -u +%FT%TZ), $(uname -m))"
grep -E '^(VmRSS|VmHWM|RssAnon|RssFile|RssShmem|Threads)' "/proc/$agent/status"
echo "largest mappings by Rss (kB):"
awk '/^[0-9a-f]+-[0-9a-f]+ /{name=$6; if(name=="")name="[anon]"} /^Rss:/{rss[name]+=$2} END{for(n in rss) if(rss[n]>=64) printf "%8d  %s\n", rss[n], n}' \
  "/proc/$agent/smaps" | sort -rn | head -15
echo "by object and permission: Rss kB (text r-x / read-only r-- incl. RELRO / data rw-), Private_Dirty kB:"
awk '/^[0-9a-f]+-[0-9a-f]+ /{name=$6; perm=substr($2,1,3); if(name=="")name="[anon]"}
     /^Rss:/{rss[name]+=$2; by[name,perm]+=$2}
     /^Private_Dirty:/{dirty[name]+=$2}
     END{for(n in rss) if(rss[n]>=64)
           printf "%8d  r-x %5d  r-- %5d  rw- %5d  dirty %5d  %s\n", rss[n], by[n,"r-x"], by[n,"r--"], by[n,"rw-"], dirty[n], n}' \
  "/proc/$agent/smaps" | sort -rn | head -20
awk '/^Private_Dirty:/{d+=$2} /^Private_Clean:/{c+=$2} /^Shared_Clean:/{s+=$2}
     END{printf "whole process: Private_Dirty %d kB (memory only this process holds), Private_Clean %d kB, Shared_Clean %d kB (file pages the kernel can drop and reread)\n", d, c, s}' \
  "/proc/$agent/smaps"
echo "reproduce: bench/idle_rss.sh $build $secs"
