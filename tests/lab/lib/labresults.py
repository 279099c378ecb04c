#!/usr/bin/env python3
"""labresults: turn lab measurements into JSON lines, tables and pass/fail checks.

Each measurement is one JSON line in a results file:
  {"tool": "iperf3"|"uplinkprobe", "profile": "100/50 rtt 40", "down_mbit": 100, "up_mbit": 50,
   "rtt_ms": 40, "direction": "download"|"upload", "ceiling_mbps": 95.641,
   "goodput_mbps": ..., "bytes": ..., "duration_s": ..., "wall_s": ..., "streams": ...,
   "stop_reason": ..., "error": null|"..."}

Subcommands:
  iperf3 FILE.json --tag JSON          print the line for one iperf3 -J run
  uplinkprobe FILE.json --tag JSON     print the lines (download, upload) for one record
  table RESULTS                        markdown table (bench/accuracy.sh)
  check RESULTS [--max-mb 60 --max-s 8 --cost-rate 100]   assertions; exit 1 on any failure
  udp-line PROFILE UDP.json TCP.json   one line of tests/lab/udp_capacity_test.sh's results
  udp-check RESULTS                    its table and checks; exit 1 on any failure
  long-rtt-check RESULTS RECORDS       tests/lab/long_rtt_accuracy_test.sh's table and checks
The lab tests' own thresholds are in the functions named after them (udp_check, long_rtt_check)
and described at the top of each test script; what they share (reading the agent's records,
counting checks, the markdown table, the closing line CI reads) is here once.
Stdlib only.
"""
import argparse
import json
import statistics
import sys

CEILING_FACTOR = 1448.0 / 1514.0  # TCP payload per Ethernet frame at MTU 1500 with timestamps
TOLERANCE_PCT = 2.0               # issue 2: within 2 % of what the path carries
ABOVE_CEILING = 1.005             # never above the ceiling (0.5 % for tbf burst and timing)
MAX_SPREAD_PCT = 2.0              # plus the reference's own spread on the same path (see check)


def ceiling(rate_mbit):
    return rate_mbit * CEILING_FACTOR


def cmd_iperf3(args):
    tag = json.loads(args.tag)
    try:
        with open(args.file) as f:
            j = json.load(f)
        end = j["end"]
        received = end["sum_received"]
        line = dict(tag, tool="iperf3", goodput_mbps=received["bits_per_second"] / 1e6,
                    bytes=received["bytes"], duration_s=received["seconds"],
                    retransmits=end.get("sum_sent", {}).get("retransmits"), error=None)
    except (OSError, ValueError, KeyError, TypeError) as e:
        line = dict(tag, tool="iperf3", goodput_mbps=None, error="iperf3 output: %r" % (e,))
    print(json.dumps(line))


def cmd_uplinkprobe(args):
    tag = json.loads(args.tag)
    try:
        with open(args.file) as f:
            text = f.read()
        # One JSON record; tolerate stray lines before it.
        start = text.index("{")
        rec = json.loads(text[start:])
    except (OSError, ValueError) as e:
        for d in ("download", "upload"):
            print(json.dumps(dict(tag, tool="uplinkprobe", direction=d, goodput_mbps=None,
                                  error="no JSON record: %r" % (e,))))
        return
    err = rec.get("error")
    for d in ("download", "upload"):
        part = rec.get(d) or {}
        rate = tag["down_mbit"] if d == "download" else tag["up_mbit"]
        line = dict(tag, tool="uplinkprobe", direction=d, ceiling_mbps=ceiling(rate),
                    goodput_mbps=part.get("goodput_mbps"),
                    ip_capacity_mbps=part.get("ip_capacity_mbps"),
                    bytes=part.get("bytes"), duration_s=part.get("duration_s"),
                    streams=part.get("streams"), stop_reason=part.get("stop_reason"),
                    retransmit_pct=part.get("retransmit_pct"),
                    error=(json.dumps(err) if err else None))
        if line["goodput_mbps"] is None and not line["error"]:
            line["error"] = "record has no %s.goodput_mbps" % d
        print(json.dumps(line))


def read_json(path):
    """The one JSON document in PATH (an `uplinkprobe test --json` record), {} when the file is
    missing or holds no JSON: a run that failed is judged by the checks, never skipped."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def read_records(path):
    """Every JSON object in PATH in order — records appended one run after another (measure.sh's
    RESULTS.records), text between them skipped. Stops at the first one that does not parse,
    keeping those before it; a missing file is []."""
    records = []
    try:
        with open(path) as f:
            text = f.read()
        dec = json.JSONDecoder()
        i = 0
        while True:
            i = text.find("{", i)
            if i < 0:
                break
            rec, i = dec.raw_decode(text, i)
            records.append(rec)
    except (OSError, ValueError):
        pass
    return records


class Checks:
    """Counts expectations and keeps the messages of those that failed."""

    def __init__(self):
        self.checks = 0
        self.failures = []

    def expect(self, cond, msg):
        self.checks += 1
        if not cond:
            self.failures.append(msg)

    def report(self, name=None):
        """Prints each FAIL line, "N checks, N failed" and, with NAME, the closing line in the
        form CI summaries read. Returns the exit code: 1 on a failure or when nothing was
        checked (a lab that measured nothing has not passed)."""
        for f in self.failures:
            print("FAIL: " + f)
        print("%d checks, %d failed" % (self.checks, len(self.failures)))
        ok = not self.failures and self.checks > 0
        if name:
            print("%s: %s" % (name, "1 passed, 0 failed" if ok else "0 passed, 1 failed"))
        return 0 if ok else 1


def print_header(columns):
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))


def print_row(cells):
    print("| " + " | ".join("%s" % (c,) for c in cells) + " |")


def load(path):
    rows = []
    with open(path) as f:
        for ln in f:
            ln = ln.strip()
            if ln:
                rows.append(json.loads(ln))
    return rows


def groups(rows):
    """(profile, direction) -> {"iperf3": [...], "uplinkprobe": [...]} in first-seen order."""
    out = {}
    for r in rows:
        key = (r["profile"], r["direction"])
        g = out.setdefault(key, {"iperf3": [], "uplinkprobe": [], "ceiling": r["ceiling_mbps"]})
        g[r["tool"]].append(r)
    return out


def good(rs):
    return [r["goodput_mbps"] for r in rs if r.get("goodput_mbps") is not None]


def pct(a, b):
    return (a - b) / b * 100.0


def spread(vals):
    return (max(vals) - min(vals)) / statistics.mean(vals) * 100.0 if len(vals) > 1 else 0.0


def fmt(v, spec="%.2f"):
    return "–" if v is None else spec % v


def cmd_table(args):
    rows = load(args.results)
    print_header(["profile", "dir", "ceiling Mbps", "iperf3 -P4 mean", "uplinkprobe mean",
                  "err vs ceiling %", "err vs iperf3 %", "spread %", "MB used", "seconds",
                  "streams", "stop reasons"])
    for (profile, d), g in groups(rows).items():
        ip = good(g["iperf3"])
        up = good(g["uplinkprobe"])
        ipm = statistics.mean(ip) if ip else None
        upm = statistics.mean(up) if up else None
        mb = [r["bytes"] / 1e6 for r in g["uplinkprobe"] if r.get("bytes") is not None]
        secs = [r["duration_s"] for r in g["uplinkprobe"] if r.get("duration_s") is not None]
        streams = sorted({str(r.get("streams")) for r in g["uplinkprobe"] if r.get("streams")})
        reasons = {}
        for r in g["uplinkprobe"]:
            k = r.get("stop_reason") or ("error" if r.get("error") else "?")
            reasons[k] = reasons.get(k, 0) + 1
        errors = [r["error"] for r in g["uplinkprobe"] if r.get("error")]
        print("| %s | %s | %.2f | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            profile, "down" if d == "download" else "up", g["ceiling"], fmt(ipm), fmt(upm),
            fmt(pct(upm, g["ceiling"]) if upm else None, "%+.2f"),
            fmt(pct(upm, ipm) if upm and ipm else None, "%+.2f"),
            fmt(spread(up) if up else None), fmt(statistics.mean(mb) if mb else None, "%.1f"),
            fmt(statistics.mean(secs) if secs else None, "%.1f"), ",".join(streams) or "–",
            ", ".join("%s×%d" % kv for kv in reasons.items()) or "–"))
        for e in sorted(set(errors)):
            print("|  |  | error: %s |||||||||||" % e.replace("|", "/")[:200])


def cmd_check(args):
    rows = load(args.results)
    checks = Checks()
    expect = checks.expect
    for (profile, d), g in groups(rows).items():
        where = "%s %s" % (profile, d)
        c = g["ceiling"]
        ip = good(g["iperf3"])
        if args.profile and profile != args.profile:
            continue
        expect(ip, "%s: missing iperf3 results" % where)
        if ip:
            # The lab is judged on its best iperf3 run: one run disturbed by a busy machine
            # says nothing about the link; a lab that never reaches its ceiling does.
            best = max(ip)
            expect(abs(pct(best, c)) <= TOLERANCE_PCT,
                   "%s: the LAB is off: best iperf3 %.2f vs ceiling %.2f (%+.2f %%)" % (
                       where, best, c, pct(best, c)))
        if args.lab_only:
            continue
        for r in g["uplinkprobe"]:
            expect(not r.get("error"), "%s: uplinkprobe error %s" % (where, r.get("error")))
        up = good(g["uplinkprobe"])
        expect(len(up) == len(g["uplinkprobe"]) and up, "%s: missing uplinkprobe results" % where)
        # What the path carried in this run: the ceiling, or less when the reference tool on
        # the same path in the same minute could not reach it (a VM's timer and scheduling
        # noise took 2-3 % off iperf3 and uplinkprobe alike in CI, at +0 ms as at +40 ms).
        # Low side: not more than TOLERANCE_PCT below that. High side: never above the
        # ceiling itself — an over-read is never excused by the machine. On a quiet machine
        # the best iperf3 run is at the ceiling and this is the plain ±2 % of the ceiling;
        # the quiet-machine accuracy figures are bench/accuracy.sh's (docs/benchmarks.md).
        carried = min(c, max(ip)) if ip else c
        for v in up:
            expect(pct(v, carried) >= -args.tolerance_pct,
                   "%s: goodput %.2f vs %.2f carried (ceiling %.2f, best iperf3 %s): %+.2f %%, "
                   "limit -%.1f %%" % (where, v, carried, c, fmt(max(ip) if ip else None),
                                       pct(v, carried), args.tolerance_pct))
            expect(v <= c * ABOVE_CEILING,
                   "%s: goodput %.2f above ceiling %.2f × %.3f" % (where, v, c, ABOVE_CEILING))
        if up and ip:
            # One-sided: below the reference's mean is a fault, above it (and at most the
            # ceiling, checked above) is a better reading of the same link.
            m, im = statistics.mean(up), statistics.mean(ip)
            expect(pct(m, im) >= -args.tolerance_pct,
                   "%s: mean %.2f below iperf3's %.2f (%+.2f %%)" % (where, m, im, pct(m, im)))
        if len(up) > 1:
            # The path's own wobble, as the reference saw it, is not the tool's spread.
            allowed = MAX_SPREAD_PCT + (spread(ip) if len(ip) > 1 else 0.0)
            expect(spread(up) <= allowed,
                   "%s: run-to-run spread %.2f %% > %.2f %% (2 %% + iperf3's %.2f %%)" % (
                       where, spread(up), allowed, spread(ip) if len(ip) > 1 else 0.0))
        rate = g["uplinkprobe"][0]["down_mbit"] if g["uplinkprobe"] else None
        if rate is not None and float(rate) == args.cost_rate:
            for r in g["uplinkprobe"]:
                if r.get("bytes") is not None:
                    expect(r["bytes"] <= args.max_mb * 1e6,
                           "%s: used %.1f MB > %.0f MB" % (where, r["bytes"] / 1e6, args.max_mb))
                if r.get("duration_s") is not None:
                    expect(r["duration_s"] <= args.max_s,
                           "%s: took %.2f s > %.0f s" % (where, r["duration_s"], args.max_s))
    return checks.report()


def cmd_udp_line(args):
    """One line of udp_capacity_test.sh's results: the profile DOWN/UP/RTT_MS/LOSS_PCT[/ALGO], the
    UDP record and the TCP record of the same link ({} for a run that printed none)."""
    print(json.dumps({"profile": args.profile, "udp": read_json(args.udp),
                      "tcp": read_json(args.tcp)}))


UDP_CEILING_FACTOR = 1500.0 / 1514.0  # the lab's tbf counts 1514-byte frames
UDP_TOLERANCE_LOSSY = 0.05            # within 5 % of the ceiling on lossy links
UDP_TOLERANCE_CLEAN = 0.02            # 2 % on clean ones
# Type C upstream on a clean 10 Mbit link: its doubling overshoots the small queue (16 % loss)
# and the best sub-interval varies from run to run, on the reference server as on ours
# (2026-12-03, reference client, 50/10 +40 ms: ours 9.53-9.87, reference 9.62-9.87 Mbps,
# i.e. down to -3.8 %; a CI run read -2.09 %). Its check is 5 %; Type C downstream keeps 2 %
# (49.40-49.45 Mbps, -0.28 ... -0.18 %, in every run).
UDP_TOLERANCE_CLEAN_C_UP = 0.05
UDP_ABOVE_RATE = 1.01                 # never above the link rate × 1.01


def cmd_udp_check(args):
    """tests/lab/udp_capacity_test.sh: UDP IP capacity per direction against rate × 1500/1514."""
    rows = load(args.results)
    print_header(["profile", "dir", "expected", "UDP IP capacity", "vs expected %", "UDP loss %",
                  "sub-intervals", "TCP IP capacity", "TCP goodput"])
    checks = Checks()
    expect = checks.expect
    for r in rows:
        down, up, rtt, loss = r["profile"].split("/")[:4]
        algorithm = (r["profile"].split("/") + ["B"])[4]
        udp = (r["udp"].get("udp") or {})
        expect(udp.get("rate_algorithm") == algorithm,
               "%s: rate_algorithm %s, asked %s" % (r["profile"], udp.get("rate_algorithm"),
                                                     algorithm))
        for d, rate in (("download", float(down)), ("upload", float(up))):
            part = udp.get(d) or {}
            tcp = r["tcp"].get(d) or {}
            exp = rate * UDP_CEILING_FACTOR
            cap = part.get("ip_capacity_mbps")
            where = "%s %s" % (r["profile"], d)
            print_row([r["profile"], d[:4], "%.2f" % exp, cap,
                       fmt(None if cap is None else pct(cap, exp), "%+.2f"), part.get("loss_pct"),
                       len(part.get("sub_intervals") or []), tcp.get("ip_capacity_mbps"),
                       tcp.get("goodput_mbps")])
            expect(part and not part.get("error"), "%s: error %s" % (where, part.get("error")))
            if cap is None:
                continue
            tol = UDP_TOLERANCE_LOSSY if float(loss) > 0 else UDP_TOLERANCE_CLEAN
            if float(loss) == 0 and algorithm == "C" and d == "upload":
                tol = UDP_TOLERANCE_CLEAN_C_UP
            expect(abs(cap - exp) <= exp * tol,
                   "%s: UDP IP capacity %.2f not within %d %% of %.2f" % (where, cap, tol * 100,
                                                                        exp))
            expect(cap <= rate * UDP_ABOVE_RATE,
                   "%s: UDP IP capacity %.2f above the link rate" % (where, cap))
    return checks.report("udp_capacity")


LONG_RTT_ROUNDING_MBPS = 0.005  # the record rounds to 0.01 Mbps


def tbf_burst_mbps(ceiling_mbps, window_s):
    """What netlab's tbf lets through above its rate within one window, as goodput: its bucket
    (netlab_tbf_params: max(4 ms of the rate, 4 frames)) may be full when the window starts,
    so a window of t seconds can carry rate × t + burst. At 20 Mbit that is 10 kB: 0.03 Mbps
    over a 2.8 s window. A reading inside it is what the lab link carried, not an over-read."""
    if not isinstance(window_s, (int, float)) or window_s <= 0:
        return 0.0
    rate_bytes = ceiling_mbps * 1514.0 / 1448.0 * 1e6 / 8.0
    burst = max(int(rate_bytes * 0.004), 4 * 1514)
    return burst * 8.0 * 1448.0 / 1514.0 / window_s / 1e6


LONG_RTT_LOW_CLEAN_PCT = 3      # at most 3 % below the ceiling on the clean long paths
LONG_RTT_LOW_SHALLOW_PCT = 10   # 10 % on the shallow download queue ("B queue" in the label)


def cmd_long_rtt_check(args):
    """tests/lab/long_rtt_accuracy_test.sh: goodput never above the ceiling, within 3 % (10 % on
    the shallow queue) below it, and window_rtts in every direction's record. RECORDS is the
    raw records, one `uplinkprobe test --json` a run, in the order of RESULTS' lines."""
    rows = load(args.results)
    records = read_records(args.records)
    print_header(["profile", "dir", "ceiling", "goodput", "vs ceiling %", "window s",
                  "window RTTs", "warm-up s", "s", "MB", "streams", "stop"])
    checks = Checks()
    expect = checks.expect
    n = 0
    for r in rows:
        if r.get("tool") != "uplinkprobe":
            continue
        # Two lines (download, upload) a record.
        rec = records[n // 2] if n // 2 < len(records) else {}
        n += 1
        part = rec.get(r["direction"]) or {}
        g, c = r.get("goodput_mbps"), r["ceiling_mbps"]
        where = "%s %s" % (r["profile"], r["direction"])
        mb = part.get("bytes")
        print_row([r["profile"], r["direction"][:4], "%.2f" % c, fmt(g),
                   fmt(None if g is None else pct(g, c), "%+.2f"), part.get("window_s"),
                   part.get("window_rtts"), part.get("warmup_s"), part.get("duration_s"),
                   fmt(None if mb is None else mb / 1e6, "%.1f"), part.get("streams"),
                   part.get("stop_reason")])
        expect(not r.get("error"), "%s: error %s" % (where, r.get("error")))
        expect(g is not None, "%s: no goodput" % where)
        if g is None:
            continue
        # A goodput exactly at the ceiling may print 0.005 above (the record's rounding), and
        # tbf's bucket may add its burst to one window (tbf_burst_mbps); nothing more.
        above = LONG_RTT_ROUNDING_MBPS + tbf_burst_mbps(c, part.get("window_s"))
        expect(g <= c + above,
               "%s: goodput %.3f above the ceiling %.3f (+ %.3f for rounding and tbf's burst)"
               % (where, g, c, above))
        low = LONG_RTT_LOW_SHALLOW_PCT if "B queue" in r["profile"] else LONG_RTT_LOW_CLEAN_PCT
        expect(g >= c * (1 - low / 100.0),
               "%s: goodput %.3f more than %d %% below the ceiling %.3f" % (where, g, low, c))
        expect(isinstance(part.get("window_rtts"), (int, float)) and part["window_rtts"] > 0,
               "%s: no window_rtts in the record" % where)
    return checks.report("long_rtt_accuracy")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("iperf3", "uplinkprobe"):
        p = sub.add_parser(name)
        p.add_argument("file")
        p.add_argument("--tag", required=True)
    p = sub.add_parser("table")
    p.add_argument("results")
    p = sub.add_parser("check")
    p.add_argument("results")
    p.add_argument("--max-mb", type=float, default=60)
    p.add_argument("--max-s", type=float, default=8)
    p.add_argument("--lab-only", action="store_true", help="check iperf3 against the ceiling only")
    p.add_argument("--tolerance-pct", type=float, default=TOLERANCE_PCT,
                   help="how far below what the path carried a reading may be (issue 17: 1 %% "
                        "for a LibreSpeed PHP backend)")
    p.add_argument("--profile", help="check only this profile")
    p.add_argument("--cost-rate", type=float, default=100,
                   help="download rate (Mbit) of the profiles whose data/time cost is checked")
    p = sub.add_parser("udp-line")
    p.add_argument("profile")
    p.add_argument("udp")
    p.add_argument("tcp")
    p = sub.add_parser("udp-check")
    p.add_argument("results")
    p = sub.add_parser("long-rtt-check")
    p.add_argument("results")
    p.add_argument("records")
    args = ap.parse_args()
    return {"iperf3": cmd_iperf3, "uplinkprobe": cmd_uplinkprobe, "table": cmd_table,
            "check": cmd_check, "udp-line": cmd_udp_line, "udp-check": cmd_udp_check,
            "long-rtt-check": cmd_long_rtt_check}[args.cmd](args) or 0


if __name__ == "__main__":
    sys.exit(main())
