#!/usr/bin/env bash
# web_pages.sh: server-side render times of the collector's web pages on a filled database.
#
#   bench/web_pages.sh DB_URL [ROUNDS]
#
# DB_URL is a collector database already holding a province, e.g. from
#   build/bench/ledger_bench --postgres --sql-fill --schools 10000 --days 30 --hold
# (10^4 schools × 30 days ≈ 9.9·10^6 records; it prints "holding: postgresql:///bench?…" and
# keeps PostgreSQL up while its stdin stays open). The script starts uplinkprobe-collector on
# that database (MQTT pointed at a closed port: no ingest), makes a throw-away admin, logs in
# with curl and fetches each page ROUNDS times (default 3): the first fetch of the overview
# pays for the province's ledger (cached 60 s and shared by every page and user), later ones
# do not. Prints one line per page: first, best and median of the rest (curl time_total on
# loopback, i.e. server time plus a negligible transfer), and the bytes.
set -euo pipefail
url=${1:?usage: web_pages.sh DB_URL [ROUNDS]}
rounds=${2:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${UPLINKPROBE_COLLECTOR_BIN:-$here/build/collector/cli/uplinkprobe-collector}
work=$(mktemp -d /tmp/web-pages.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cat > "$work/c.toml" <<TOML
[mqtt]
uri = "tcp://127.0.0.1:1"
[database]
url = "$url"
[http]
listen = "127.0.0.1:$port"
[ledger]
timezone = "Asia/Shanghai"
school_hours = "Mon-Fri 08:00-17:00"
TOML
user="bench$$"
pass="bench-password-$$"
printf '%s\n' "$pass" | "$bin" user add "$user" --role admin --scope '*' --config "$work/c.toml" >/dev/null
"$bin" run --config "$work/c.toml" > "$work/log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
jar="$work/jar"
token=$(curl -s -c "$jar" "http://127.0.0.1:$port/login" | sed -n 's/.*name="login_token" value="\([0-9a-f]*\)".*/\1/p')
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "login_token=$token" \
  --data-urlencode "user=$user" --data-urlencode "password=$pass" "http://127.0.0.1:$port/login"
# A city, a county and a school of the database, from the API (as the admin).
ledger=$(curl -s -b "$jar" "http://127.0.0.1:$port/api/v1/ledger?by=county")
read -r city county < <(python3 -c 'import json,sys; g=json.load(sys.stdin)["groups"][0]["group"]; print(g.split("市")[0]+"市", g)' <<<"$ledger")
school=$(curl -s -b "$jar" "http://127.0.0.1:$port/api/v1/ledger?by=school" | python3 -c 'import json,sys; s=[x for x in json.load(sys.stdin)["schools"] if x.get("county")]; print(s[len(s)//2]["school_id"])')
enc() { python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
pages=(
  "overview|/"
  "city|/city?city=$(enc "$city")"
  "county list|/county?city=$(enc "$city")&county=$(enc "$county")"
  "county list sorted by median, page 2|/county?city=$(enc "$city")&county=$(enc "$county")&sort=down&dir=desc&page=2"
  "school 30 d|/school/$(enc "$school")"
  "school 90 d|/school/$(enc "$school")?days=90"
  "below target|/below"
  "below target XLSX|/below.xlsx"
  "province XLSX by school|/export/ledger.xlsx?by=school"
)
printf '%-40s %9s %9s %9s %10s\n' page first_s best_s median_s bytes
for entry in "${pages[@]}"; do
  name=${entry%%|*}
  path=${entry#*|}
  times=()
  size=0
  for _ in $(seq 1 "$rounds"); do
    out=$(curl -s -b "$jar" -o /dev/null -w '%{http_code} %{time_total} %{size_download}' "http://127.0.0.1:$port$path")
    read -r code t size <<<"$out"
    [ "$code" = 200 ] || { echo "$name: HTTP $code" >&2; exit 2; }
    times+=("$t")
  done
  python3 - "$name" "$size" "${times[@]}" <<'PY'
import statistics, sys
name, size, *t = sys.argv[1:]
t = [float(x) for x in t]
rest = t[1:] or t
print("%-40s %9.3f %9.3f %9.3f %10s" % (name, t[0], min(t), statistics.median(rest), size))
PY
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
