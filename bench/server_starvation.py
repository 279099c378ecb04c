#!/usr/bin/env python3
"""One host holds many idle/slowloris connections; does another host still get a download?

Usage: bench/server_starvation.py BUILD_DIR [N] [-- extra uplinkprobe-server options]
Starts BUILD_DIR/server/uplinkprobe-server on 127.0.0.1 (header timeout 120 s so nothing expires
during the run), opens N (default 1500) connections from 127.0.0.1 (every second one sends half
a request head), then fetches /garbage?ckSize=100 with curl from 127.0.0.2 and prints curl's
status, bytes and time. Needs curl; raises its own open-file limit.
"""
import re
import resource
import socket
import subprocess
import sys
import time

args = sys.argv[1:]
extra = args[args.index("--") + 1:] if "--" in args else []
args = args[: args.index("--")] if "--" in args else args
build = args[0]
count = int(args[1]) if len(args) > 1 else 1500
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 1000), hard))
server = subprocess.Popen(
    [build + "/server/uplinkprobe-server", "--listen", "127.0.0.1:0", "--header-timeout-s", "120"]
    + extra, stdout=subprocess.PIPE, text=True)
try:
    port = int(re.search(r":(\d+)", server.stdout.readline()).group(1))
    held = []
    for i in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.connect(("127.0.0.1", port))
        if i % 2:
            s.send(b"GET /garbage?ckSize=1 HTTP/1.1\r\nHost: t\r\nX-Slow: ")
        held.append(s)
    time.sleep(1)  # let the server accept (and refuse) them all
    out = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "--max-time", "60", "--interface", "127.0.0.2", "-w",
         "%{http_code} %{size_download} %{time_total}",
         "http://127.0.0.1:%d/garbage?ckSize=100" % port],
        capture_output=True, text=True).stdout
    print("other host (127.0.0.2) while 127.0.0.1 holds %d connections: "
          "status bytes seconds = %s" % (count, out))
finally:
    server.terminate()
    server.wait()
