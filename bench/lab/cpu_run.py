#!/usr/bin/env python3
"""cpu_run: run one command, report its CPU time and the bytes it received, as one JSON line.

  cpu_run.py --label L --bytes-from curl|uplinkprobe -- CMD ARGS…

CPU is user+sys of the command and all its children (getrusage RUSAGE_CHILDREN), so the
figure includes every thread. Bytes come from curl's -w '%{size_download}' (the last line of
stdout) or from the uplinkprobe record's download.bytes.
"""
import argparse
import json
import resource
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--label", required=True)
    ap.add_argument("--bytes-from", choices=["curl", "uplinkprobe"], required=True)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=a.timeout)
        out, rc = p.stdout.decode(errors="replace"), p.returncode
    except subprocess.TimeoutExpired:
        out, rc = "", -1
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    nbytes, err = None, None
    try:
        if a.bytes_from == "curl":
            nbytes = int(out.strip().splitlines()[-1])
        else:
            rec = json.loads(out[out.index("{"):])
            nbytes = rec["download"]["bytes"]
    except (ValueError, KeyError, IndexError, TypeError) as e:
        err = "cannot read bytes (exit %d): %r %s" % (rc, e, out[-300:])
    print(json.dumps({"label": a.label, "exit": rc, "cpu_s": round(cpu, 3), "wall_s": round(wall, 3),
                      "bytes": nbytes, "cpu_s_per_gb": (round(cpu / (nbytes / 1e9), 3)
                                                         if nbytes else None), "error": err}))


if __name__ == "__main__":
    sys.exit(main())
