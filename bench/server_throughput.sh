#!/usr/bin/env bash
# Loopback download throughput of uplinkprobe-server against nginx serving a static file.
#
# Both servers serve 1 GiB per stream of incompressible bytes on 127.0.0.1: ours from
# /garbage?ckSize=1024, a private nginx (temp config, temp dir, its own port; never the
# system nginx) from a 1 GiB file of /dev/urandom bytes with sendfile. Clients are parallel
# `curl -o /dev/null`. For each server and stream count (1, 4, 8) it prints the median of
# REPS runs: aggregate Gbit/s, the server's CPU seconds per GB (utime+stime of the server's
# processes from /proc) and the curl clients' CPU seconds per GB. Then the same for uploads
# (curl -T POST to /empty) against our server.
#
# Usage: bench/server_throughput.sh [BUILD_DIR]   (default: build-server, else build)
# Env:   REPS (3), STREAMS ("1 4 8"), MB_PER_STREAM (1024), THREADS (server threads; nproc)
# Note: server and clients share the machine's cores, so on a 2-core box the figures are
# what the pair can do, and the client is often the limit.
set -euo pipefail

src_dir="$(cd "$(dirname "$0")/.." && pwd)"
build_dir="${1:-}"
if [ -z "$build_dir" ]; then
  if [ -x "$src_dir/build-server/server/uplinkprobe-server" ]; then
    build_dir="$src_dir/build-server"
  else
    build_dir="$src_dir/build"
  fi
fi
server_bin="$build_dir/server/uplinkprobe-server"
[ -x "$server_bin" ] || { echo "no $server_bin; build it first" >&2; exit 2; }
command -v nginx >/dev/null || { echo "nginx not installed (scripts/install-deps.sh)" >&2; exit 2; }

reps="${REPS:-3}"
streams_list="${STREAMS:-1 4 8}"
mb="${MB_PER_STREAM:-1024}"
threads="${THREADS:-$(nproc)}"
clk_tck="$(getconf CLK_TCK)"

tmp="$(mktemp -d /tmp/uplinkprobe-bench.XXXXXX)"
server_pid=""
nginx_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# --- our server -------------------------------------------------------------------------
"$server_bin" --listen 127.0.0.1:0 --threads "$threads" >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
for _ in $(seq 50); do grep -q '^listening ' "$tmp/server.out" && break; sleep 0.1; done
server_port="$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/server.out")"
[ -n "$server_port" ] || { echo "server did not start: $(cat "$tmp/server.err")" >&2; exit 1; }

# --- private nginx ----------------------------------------------------------------------
mkdir -p "$tmp/www" "$tmp/nginx"
head -c "$((mb * 1024 * 1024))" /dev/urandom >"$tmp/www/garbage.bin"
# nginx workers run unprivileged: let them read the document root (mktemp made it 0700).
chmod 755 "$tmp" "$tmp/www"
chmod 644 "$tmp/www/garbage.bin"
nginx_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes $threads;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 60;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    root $tmp/www;
  }
}
CONF
nginx -e "$tmp/nginx/error.log" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" &
nginx_pid=$!
for _ in $(seq 50); do curl -sf -o /dev/null -r 0-0 "http://127.0.0.1:$nginx_port/garbage.bin" && break; sleep 0.1; done

# CPU ticks (utime+stime) of a process and its children threads/workers.
cpu_ticks() {
  local total=0 p
  for p in "$@" $(pgrep -P "$1" 2>/dev/null || true); do
    [ -r "/proc/$p/stat" ] || continue
    # Fields 14 and 15 after the ")" that ends the command name.
    total=$((total + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
  done
  echo "$total"
}

# run_once URL PID N [upload] -> "gbps server_cpu_s_per_gb client_cpu_s_per_gb"
run_once() {
  local url="$1" pid="$2" n="$3" mode="${4:-download}" i
  local -a curl_args=(-sf -o /dev/null)
  # Upload streams the 1 GiB file (-T reads as it sends; --data-binary would load it all).
  [ "$mode" = upload ] && curl_args+=(-X POST -T "$tmp/www/garbage.bin")
  local before after t0 t1 times
  before="$(cpu_ticks "$pid")"
  t0="$(date +%s.%N)"
  times="$( { TIMEFORMAT='%3U %3S'; time (
      for i in $(seq "$n"); do curl "${curl_args[@]}" "$url" & done; wait); } 2>&1 )"
  t1="$(date +%s.%N)"
  after="$(cpu_ticks "$pid")"
  python3 - "$t0" "$t1" "$before" "$after" "$clk_tck" "$n" "$mb" $times <<'PY'
import sys
t0, t1, b, a, tck, n, mb, cu, cs = sys.argv[1:10]
gb = int(n) * int(mb) * 1048576 / 1e9
secs = float(t1) - float(t0)
print(f"{gb * 8 / secs:.2f} {(int(a) - int(b)) / int(tck) / gb:.3f} {(float(cu) + float(cs)) / gb:.3f}")
PY
}

median_of() {  # median per column of lines "a b c"
  python3 -c '
import sys, statistics
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
print(" ".join(f"{statistics.median(c):.{2 if i == 0 else 3}f}" for i, c in enumerate(zip(*rows))))'
}

echo "| server | direction | streams | Gbit/s | server CPU s/GB | client (curl) CPU s/GB |"
echo "|---|---|---:|---:|---:|---:|"
for streams in $streams_list; do
  for which in uplinkprobe-server nginx; do
    if [ "$which" = nginx ]; then
      url="http://127.0.0.1:$nginx_port/garbage.bin"; pid="$nginx_pid"
    else
      url="http://127.0.0.1:$server_port/garbage?ckSize=$mb"; pid="$server_pid"
    fi
    result="$(for r in $(seq "$reps"); do run_once "$url" "$pid" "$streams"; done | median_of)"
    read -r gbps scpu ccpu <<<"$result"
    echo "| $which | download | $streams | $gbps | $scpu | $ccpu |"
  done
done
# Upload: only our server (nginx has no POST sink for a static site).
for streams in $streams_list; do
  url="http://127.0.0.1:$server_port/empty.php"
  result="$(for r in $(seq "$reps"); do run_once "$url" "$server_pid" "$streams" upload; done | median_of)"
  read -r gbps scpu ccpu <<<"$result"
  echo "| uplinkprobe-server | upload (POST /empty) | $streams | $gbps | $scpu | $ccpu |"
done
echo
echo "Median of $reps runs, ${mb} MiB per stream, server threads/nginx workers: $threads."
echo "$(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), kernel $(uname -r)."
echo "Reproduce: bench/server_throughput.sh $build_dir"
