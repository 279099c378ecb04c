#!/usr/bin/env python3
"""Scale measurements of uplinkprobe-collector (issue 10, "Scale, measured").

Starts its own mosquitto (private config, loopback, ephemeral port), its own PostgreSQL
(initdb + pg_ctl in a temp dir, run as `nobody` when we are root: PostgreSQL refuses root),
and the collector; drives them with bench/fleet_sim (simulated agents over real MQTT) and
prints a table. python3 standard library only. Not a test: nothing here asserts a rate.

Stages (--stages, comma separated; default all):
  sub        bare `mosquitto_sub -q 1` draining a backlog of N records (the reference rate)
  sqlite     collector on SQLite draining the same size of backlog (sustained ingest)
  pg         the same on PostgreSQL
  storm      replay storm: every device sends --storm-hours of backlog at once, collector
             (SQLite) live; drain time = storm start .. last record committed
  shared     two collectors, MQTT 5 shared subscription, PostgreSQL: split and duplicates
  kill       `kill -9` the collector --kills times during a replay storm (PostgreSQL by
             default, --kill-db sqlite for SQLite), then check every record exactly once
RSS of the collector (10^4 devices known) and DB bytes per record come from the storm and
pg stages. Load average is sampled every 2 s during the whole run.

Backlog sizes: the drain stages use --backlog-hours of the --devices fleet (default 3 h of
10^4 devices, ~370k records, ~1 min at 5000 records/s); the storm uses --storm-hours (24).

Exit: 0 ran (figures printed), 2 something failed to start or a check failed, 64 usage.
"""
import argparse
import json
import os
import pathlib
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOPIC = "uplinkprobe/v1"


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_tcp(port, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class LoadSampler(threading.Thread):
    """Samples /proc/loadavg (1-min) every 2 s; marks let a stage report its own window."""

    def __init__(self):
        super().__init__(daemon=True)
        self.samples = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            with open("/proc/loadavg") as f:
                self.samples.append((time.time(), float(f.read().split()[0])))
            self.stop.wait(2)

    def window(self, t0, t1):
        v = [l for t, l in self.samples if t0 <= t <= t1]
        if not v:
            with open("/proc/loadavg") as f:
                v = [float(f.read().split()[0])]
        return {"mean": round(sum(v) / len(v), 2), "max": round(max(v), 2)}


class Mosquitto:
    # Settings for a collector-sized broker (documented in docs/benchmarks-collector.md):
    # max_queued_messages 0 = no per-client queue limit (a collector that is down for a day
    # must find a day of records, 3*10^6 at 10^4 schools); max_inflight_messages 1000 for
    # MQTT 3.1.1 subscribers like mosquitto_sub (MQTT 5 clients set their own receive
    # maximum); persistence off: the broker is not restarted here, sessions live in RAM.
    def __init__(self, work):
        self.dir = pathlib.Path(work) / "mosquitto"
        self.dir.mkdir()
        self.port = free_port()
        conf = self.dir / "mosquitto.conf"
        conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence false\n"
            "max_connections -1\n"
            "max_queued_messages 0\n"
            "max_queued_bytes 0\n"
            "max_inflight_messages 1000\n"
            "set_tcp_nodelay true\n"
            f"log_dest file {self.dir}/mosquitto.log\n"
            "log_type error\nlog_type warning\nlog_type notice\n"
            + ("user mosquitto\n" if os.geteuid() == 0 else "")
        )
        if os.geteuid() == 0:
            pw = pwd.getpwnam("mosquitto")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            os.chmod(conf, 0o644)
        self.proc = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        if not wait_tcp(self.port):
            log_file = self.dir / "mosquitto.log"
            raise RuntimeError("mosquitto did not start: " +
                               (log_file.read_text() if log_file.exists() else "no log"))

    def rss_kb(self):
        return rss_kb(self.proc.pid)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def rss_kb(pid):
    try:
        txt = pathlib.Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    out = {}
    for k in ("VmRSS", "VmHWM"):
        m = re.search(rf"^{k}:\s+(\d+) kB", txt, re.M)
        if m:
            out[k] = int(m.group(1))
    return out


class Postgres:
    """A private PostgreSQL 15 in a temp dir: unix socket only, fsync ON (real durability
    cost: every collector commit waits for the WAL flush), as `nobody` when we are root."""

    def __init__(self, work, shared_buffers="256MB"):
        bins = sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not bins:
            raise RuntimeError("no initdb under /usr/lib/postgresql/*/bin (scripts/install-deps.sh)")
        self.bin = bins[-1].parent
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="up-bench-pg-", dir=work))
        os.chmod(self.dir, 0o755)
        self.user = None
        if os.geteuid() == 0:
            self.user = "nobody"
            pw = pwd.getpwnam("nobody")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.data = self.dir / "data"
        self._run([str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                   "-E", "UTF8", "--locale=C"], "initdb")
        opts = (f"-c listen_addresses='' -k {self.dir} -c fsync=on -c synchronous_commit=on "
                f"-c shared_buffers={shared_buffers} -c max_connections=50 -c max_wal_size=4GB "
                "-c checkpoint_timeout=30min")
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "server.log"),
                   "-w", "-t", "60", "-o", opts, "start"], "pg_ctl start")
        self.started = True

    def _run(self, cmd, what):
        kw = {}
        if self.user:
            kw["user"] = self.user
            kw["group"] = "nogroup"
            kw["extra_groups"] = []
        r = subprocess.run(cmd, cwd="/", capture_output=True, text=True, **kw)
        if r.returncode != 0:
            raise RuntimeError(f"{what} failed: {r.stdout[-2000:]} {r.stderr[-2000:]}")
        return r.stdout

    def url(self, db):
        return f"postgresql:///{db}?host={self.dir}&user=postgres"

    def psql(self, db, sql):
        r = subprocess.run(["psql", "-X", "-A", "-t", "-q", "-h", str(self.dir), "-U", "postgres",
                            "-d", db, "-c", sql], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"psql {sql!r}: {r.stderr}")
        return r.stdout.strip()

    def createdb(self, db):
        self.psql("postgres", f"CREATE DATABASE {db}")

    def stop(self):
        if getattr(self, "started", False):
            self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                      "pg_ctl stop")
            self.started = False


class Db:
    """Counting and exactly-once checks over the collector's documented tables."""

    def __init__(self, kind, path=None, pg=None, name=None):
        self.kind, self.path, self.pg, self.name = kind, path, pg, name

    def url(self):
        return f"sqlite://{self.path}" if self.kind == "sqlite" else self.pg.url(self.name)

    def q(self, sql):
        if self.kind == "sqlite":
            r = subprocess.run(["sqlite3", "-readonly", str(self.path), sql], capture_output=True,
                               text=True)
            if r.returncode != 0:
                raise RuntimeError(f"sqlite3 {sql!r}: {r.stderr}")
            return r.stdout.strip()
        return self.pg.psql(self.name, sql)

    def count(self):
        try:
            return int(self.q("SELECT count(*) FROM records") or 0)
        except (RuntimeError, ValueError):
            return 0

    def exactly_once(self, manifest):
        """Every record of the manifest (device_id, journal_id, last_seq) stored exactly once:
        count = distinct keys = sum(last_seq), and per journal min 1, max last_seq, count
        last_seq (no hole, no extra)."""
        expected = {}
        for line in pathlib.Path(manifest).read_text().splitlines()[1:]:
            dev, jid, _school, last = line.split(",")
            if int(last) > 0:
                expected[(dev, jid)] = int(last)
        rows = self.q("SELECT device_id || ',' || journal_id || ',' || count(*) || ',' || "
                      "count(DISTINCT seq) || ',' || min(seq) || ',' || max(seq) FROM records "
                      "GROUP BY device_id, journal_id")
        got = {}
        for line in rows.splitlines():
            dev, jid, n, nd, lo, hi = line.split(",")
            got[(dev, jid)] = (int(n), int(nd), int(lo), int(hi))
        bad = []
        for key, last in expected.items():
            g = got.get(key)
            if g != (last, last, 1, last):
                bad.append((key, last, g))
        extra = [k for k in got if k not in expected]
        total = int(self.q("SELECT count(*) FROM records"))
        keys = int(self.q("SELECT count(*) FROM (SELECT DISTINCT device_id, journal_id, seq "
                          "FROM records) k"))
        return {"expected": sum(expected.values()), "rows": total, "distinct_keys": keys,
                "journals_wrong": len(bad), "journals_unexpected": len(extra),
                "first_wrong": [str(b) for b in bad[:3]], "ok": not bad and not extra and
                total == keys == sum(expected.values())}

    def size_bytes(self):
        if self.kind == "sqlite":
            return sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*"))
        return int(self.pg.psql(self.name, f"SELECT pg_database_size('{self.name}')"))


class Collector:
    def __init__(self, bin_path, work, name, mqtt_port, db, group="", client_id=None,
                 prefix=TOPIC):
        self.bin, self.name, self.db = bin_path, name, db
        self.dir = pathlib.Path(work) / f"collector-{name}"
        self.dir.mkdir(exist_ok=True)
        self.http_port = free_port()
        self.client_id = client_id or f"bench-{name}"
        self.conf = self.dir / "collector.toml"
        self.conf.write_text(
            "[mqtt]\n"
            f'uri = "tcp://127.0.0.1:{mqtt_port}"\n'
            f'client_id = "{self.client_id}"\n'
            f'shared_group = "{group}"\n'
            f'topic_prefix = "{prefix}"\n'
            "[database]\n"
            f'url = "{db.url()}"\n'
            "[http]\n"
            f'listen = "127.0.0.1:{self.http_port}"\n'
            "[ledger]\n"
            'timezone = "Asia/Shanghai"\n'
        )
        self.proc = None
        self.logf = None

    def cli(self, *args):
        r = subprocess.run([str(self.bin), *args], capture_output=True, text=True)
        return r.returncode, r.stdout + r.stderr

    def start(self):
        self.logf = open(self.dir / "collector.log", "ab")
        self.log_mark = self.logf.tell()
        self.proc = subprocess.Popen([str(self.bin), "run", "--config", str(self.conf)],
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        end = time.time() + 30
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"collector {self.name} exited {self.proc.returncode}: " +
                                   (self.dir / "collector.log").read_text()[-2000:])
            # "connected": a resumed session may deliver its backlog before the SUBACK.
            if self.metrics() is not None or self.log_has("mqtt: connected", since=self.log_mark):
                return
            time.sleep(0.1)
        raise RuntimeError(f"collector {self.name}: neither /metrics nor a subscription after 30 s")

    def log_has(self, text, since=0):
        try:
            with open(self.dir / "collector.log", "rb") as f:
                f.seek(since)
                return text.encode() in f.read()
        except OSError:
            return False

    def metrics(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/metrics", timeout=2) as r:
                txt = r.read().decode()
        except OSError:
            return None
        out = {}
        for line in txt.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            parts = line.rsplit(" ", 1)
            if len(parts) == 2:
                try:
                    out[parts[0]] = float(parts[1])
                except ValueError:
                    pass
        return out

    def stored(self):
        m = self.metrics()
        if m is None:
            return None  # no HTTP API in this build
        return int(sum(v for k, v in m.items()
                       if k.startswith("uplinkprobe_collector_records_stored_total")))

    def subscribed(self):
        """True once the collector's MQTT session exists (it counts connects in /metrics, or
        we fall back to a short wait)."""
        m = self.metrics() or {}
        for k, v in m.items():
            if k.startswith("uplinkprobe_collector_mqtt_connected") and v >= 1:
                return True
        return self.log_has("mqtt: subscribed", since=self.log_mark)

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.logf:
            self.logf.close()
            self.logf = None

    def rss(self):
        return rss_kb(self.proc.pid) if self.proc else None


class Bench:
    def __init__(self, a):
        self.a = a
        self.build = pathlib.Path(a.build).resolve()
        self.sim = self.build / "bench" / "fleet_sim"
        self.collector_bin = self.build / "collector" / "cli" / "uplinkprobe-collector"
        if not self.collector_bin.exists():
            cands = list(self.build.glob("**/uplinkprobe-collector"))
            self.collector_bin = cands[0] if cands else None
        self.work = pathlib.Path(tempfile.mkdtemp(prefix="up-collector-bench-"))
        os.chmod(self.work, 0o755)
        self.load = LoadSampler()
        self.results = {"stages": {}, "errors": []}
        self.mq = None
        self.pg = None
        self.sheet = self.work / "schools.csv"
        self.prefix = TOPIC

    # ---- helpers ------------------------------------------------------------------------------
    def run_sim(self, mode, extra, manifest=None):
        cmd = [str(self.sim), "--port", str(self.mq.port), "--devices", str(self.a.devices),
               "--schools", str(self.a.schools or self.a.devices), "--seed", str(self.a.seed),
               "--mode", mode, "--progress-s", "15", "--prefix", self.prefix,
               *self.a.sim_extra.split(), *extra]
        if manifest:
            cmd += ["--manifest", str(manifest)]
        log("$ " + " ".join(shlex.quote(c) for c in cmd))
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
        if r.returncode not in (0, 1):
            raise RuntimeError(f"fleet_sim exited {r.returncode}")
        return json.loads(r.stdout.strip().splitlines()[-1])

    def start_sim(self, mode, extra, manifest):
        cmd = [str(self.sim), "--port", str(self.mq.port), "--devices", str(self.a.devices),
               "--schools", str(self.a.schools or self.a.devices), "--seed", str(self.a.seed),
               "--mode", mode, "--progress-s", "15", "--manifest", str(manifest),
               "--prefix", self.prefix, *self.a.sim_extra.split(), *extra]
        log("$ " + " ".join(shlex.quote(c) for c in cmd))
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=sys.stderr, text=True)

    def backlog_args(self, hours):
        # As fast as the broker takes it: this only fills the queue of an offline consumer.
        return ["--backlog-hours", str(hours), "--replay-per-second", "0"]

    def wait_stored(self, counter, n, timeout, poll=0.5, on_tick=None):
        t0 = time.time()
        last, last_change = -1, t0
        while time.time() - t0 < timeout:
            c = counter()
            if c >= n:
                return time.time()
            if c != last:
                last, last_change = c, time.time()
            elif time.time() - last_change > self.a.stall_s:
                raise RuntimeError(f"no progress for {self.a.stall_s} s at {c}/{n}")
            if on_tick:
                on_tick(c)
            time.sleep(poll)
        raise RuntimeError(f"timeout: {counter()}/{n} after {timeout} s")

    def new_db(self, kind, name):
        if kind == "sqlite":
            d = self.work / f"db-{name}"
            d.mkdir()
            return Db("sqlite", path=d / "ledger.db")
        if not self.pg:
            self.pg = Postgres(self.work)
        self.pg.createdb(name)
        return Db("pg", pg=self.pg, name=name)

    def new_collector(self, name, db, group="", client_id=None):
        c = Collector(self.collector_bin, self.work, name, self.mq.port, db, group, client_id,
                      self.prefix)
        rc, out = c.cli("import-schools", "--config", str(c.conf), str(self.sheet))
        if rc != 0:
            raise RuntimeError(f"import-schools exited {rc}: {out[-1500:]}")
        return c

    def register_session(self, c):
        """Start once so that the broker keeps a persistent session, then stop cleanly."""
        c.start()
        end = time.time() + 5
        while time.time() < end and not c.subscribed():
            time.sleep(0.1)
        time.sleep(0.5)
        c.stop()

    # ---- stages -------------------------------------------------------------------------------
    def stage_sub(self):
        sid = "bench-sub"
        subprocess.run(["mosquitto_sub", "-p", str(self.mq.port), "-c", "-i", sid, "-q", "1",
                        "-t", f"{self.prefix}/#", "-W", "1"], capture_output=True)
        s = self.run_sim("storm", self.backlog_args(self.a.backlog_hours))
        n = s["records"] + s["status_messages"]
        t0 = time.time()
        # -R: retained copies re-sent on (re)subscribe are not counted; the queued ones are.
        r = subprocess.run(["mosquitto_sub", "-p", str(self.mq.port), "-c", "-i", sid, "-q", "1",
                            "-t", f"{self.prefix}/#", "-R", "-C", str(n), "-W", str(self.a.timeout)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        t1 = time.time()
        if r.returncode != 0:
            raise RuntimeError(f"mosquitto_sub exited {r.returncode}: {r.stderr}")
        res = {"messages": n, "records": s["records"], "seconds": round(t1 - t0, 2),
               "per_s": round(n / (t1 - t0)), "load": self.load.window(t0, t1), "sim": s}
        log(f"mosquitto_sub: {n} messages in {t1 - t0:.1f} s = {n / (t1 - t0):.0f}/s")
        return res

    def stage_drain(self, kind):
        db = self.new_db(kind, f"drain_{kind}")
        c = self.new_collector(f"drain-{kind}", db)
        self.register_session(c)
        before = db.count()
        s = self.run_sim("storm", self.backlog_args(self.a.backlog_hours),
                         self.work / f"manifest-drain-{kind}.csv")
        n = s["records"]
        size0 = db.size_bytes()
        t0 = time.time()
        c.start()
        t1 = self.wait_stored(lambda: db.count() - before, n, self.a.timeout)
        rss = c.rss()
        m = c.metrics() or {}
        c.stop()
        size1 = db.size_bytes()
        check = db.exactly_once(self.work / f"manifest-drain-{kind}.csv")
        res = {"records": n, "seconds": round(t1 - t0, 2), "per_s": round(n / (t1 - t0)),
               "load": self.load.window(t0, t1), "rss_kb": rss, "exactly_once": check,
               "db_bytes": size1, "db_bytes_growth": size1 - size0,
               "bytes_per_record": round((size1 - size0) / n, 1) if n else None,
               "metrics": {k: v for k, v in m.items() if "records" in k or "duplicate" in k}}
        log(f"{kind}: {n} records in {t1 - t0:.1f} s = {n / (t1 - t0):.0f}/s; exactly once: "
            f"{check['ok']}")
        return res

    def stage_storm(self):
        db = self.new_db("sqlite", "storm")
        c = self.new_collector("storm", db)
        c.start()
        manifest = self.work / "manifest-storm.csv"
        # Agents replay as the agent does: 20 in flight, 20 records/s each (mqtt.replay_per_second).
        p = self.start_sim("storm", ["--backlog-hours", str(self.a.storm_hours)], manifest)
        # The backlog is built before the first connect: the storm starts when the simulator
        # says its connections are up; we take the time at which the first record is stored.
        while db.count() == 0 and p.poll() is None:
            time.sleep(0.2)
        t0 = time.time()
        out, _ = p.communicate()
        s = json.loads(out.strip().splitlines()[-1])
        t_sim = time.time()
        n = s["records"]
        peak_rss = {"VmRSS": 0}

        def tick(_):
            r = c.rss() or {}
            if r.get("VmRSS", 0) > peak_rss["VmRSS"]:
                peak_rss.update(r)

        t1 = self.wait_stored(db.count, n, self.a.timeout, 1.0, tick)
        rss_end = c.rss()
        c.stop()
        check = db.exactly_once(manifest)
        size = db.size_bytes()
        res = {"records": n, "devices": self.a.devices, "connections": s["connections_up"],
               "drain_s": round(t1 - t0 + s["publish_s"] * 0 , 2),
               "storm_publish_s": s["publish_s"], "sim_done_after_s": round(t_sim - t0, 2),
               "per_s": round(n / (t1 - t0)), "load": self.load.window(t0, t1),
               "rss_kb_end": rss_end, "rss_kb_peak": peak_rss, "exactly_once": check,
               "db_bytes": size, "bytes_per_record": round(size / n, 1), "sim": s}
        log(f"storm: {n} records from {s['connections_up']} connections drained in {t1 - t0:.1f} s")
        return res

    def stage_shared(self):
        db = self.new_db("pg", "shared")
        cs = [self.new_collector(f"shared-{i}", db, group="uplinkprobe-collectors") for i in (1, 2)]
        for c in cs:
            self.register_session(c)
        manifest = self.work / "manifest-shared.csv"
        s = self.run_sim("storm", self.backlog_args(self.a.backlog_hours), manifest)
        n = s["records"]
        t0 = time.time()
        for c in cs:
            c.start()
        t1 = self.wait_stored(db.count, n, self.a.timeout)
        time.sleep(1)
        split = [c.stored() for c in cs]
        dups = [sum(v for k, v in (c.metrics() or {}).items() if "duplicate" in k) for c in cs]
        for c in cs:
            c.stop()
        check = db.exactly_once(manifest)
        res = {"records": n, "seconds": round(t1 - t0, 2), "per_s": round(n / (t1 - t0)),
               "stored_by_collector": split, "duplicates_by_collector": dups,
               "load": self.load.window(t0, t1), "exactly_once": check}
        log(f"shared: split {split}, exactly once {check['ok']}")
        return res

    def stage_kill(self):
        kind = self.a.kill_db
        db = self.new_db(kind, "kill")
        c = self.new_collector("kill", db)
        c.start()
        manifest = self.work / "manifest-kill.csv"
        p = self.start_sim("storm", ["--backlog-hours", str(self.a.kill_hours)], manifest)
        while db.count() == 0 and p.poll() is None:
            time.sleep(0.2)
        t0 = time.time()
        kills = []
        # Spread the kills over the expected drain (estimated from the first seconds).
        time.sleep(2)
        rate = max(db.count() / max(time.time() - t0, 0.1), 100)
        expected_total = self.a.devices * (self.a.kill_hours * 12 + self.a.kill_hours / 6)
        gap = max(1.0, expected_total / rate / (self.a.kills + 1))
        for i in range(self.a.kills):
            time.sleep(gap)
            before = db.count()
            c.stop(signal.SIGKILL)
            kills.append(before)
            c.start()
        out, _ = p.communicate()
        s = json.loads(out.strip().splitlines()[-1])
        n = s["records"]
        t1 = self.wait_stored(db.count, n, self.a.timeout)
        time.sleep(2)
        m = c.metrics() or {}
        c.stop()
        check = db.exactly_once(manifest)
        res = {"db": kind, "records": n, "kills": len(kills), "stored_at_kills": kills,
               "seconds": round(t1 - t0, 2), "exactly_once": check,
               "duplicates_seen": sum(v for k, v in m.items() if "duplicate" in k),
               "load": self.load.window(t0, t1)}
        log(f"kill: {len(kills)} kills, exactly once {check['ok']}")
        return res

    # ---- main ---------------------------------------------------------------------------------
    def run(self):
        self.load.start()
        t_start = time.time()
        self.mq = Mosquitto(self.work)
        r = subprocess.run([str(self.sim), "--mode", "none", "--devices", "0", "--schools",
                            str(self.a.schools or self.a.devices), "--seed", str(self.a.seed),
                            "--schools-csv", str(self.sheet)])
        if r.returncode != 0:
            raise RuntimeError("fleet_sim could not write the school sheet")
        stages = self.a.stages.split(",")
        need_collector = [s for s in stages if s != "sub"]
        if need_collector and not self.collector_bin:
            self.results["errors"].append("uplinkprobe-collector not built: only the sub stage ran")
            stages = [s for s in stages if s == "sub"]
        for st in stages:
            fn = {"sub": self.stage_sub, "sqlite": lambda: self.stage_drain("sqlite"),
                  "pg": lambda: self.stage_drain("pg"), "storm": self.stage_storm,
                  "shared": self.stage_shared, "kill": self.stage_kill}.get(st)
            if not fn:
                raise SystemExit(f"unknown stage {st}")
            log(f"=== stage {st}")
            # Each stage its own topic prefix: retained messages (status, alert/state) of an
            # earlier stage never reach a later stage's new subscription.
            self.prefix = f"bench-{st}/v1"
            try:
                self.results["stages"][st] = fn()
            except Exception as e:  # report and continue with the next stage
                log(f"stage {st} FAILED: {e}")
                self.results["errors"].append(f"{st}: {e}")
        self.results["load_whole_run"] = self.load.window(t_start, time.time())
        self.results["mosquitto_rss_kb"] = self.mq.rss_kb()
        self.results["wall_s"] = round(time.time() - t_start, 1)

    def cleanup(self):
        if self.mq:
            self.mq.stop()
        if self.pg:
            try:
                self.pg.stop()
            except Exception as e:
                log(f"pg stop: {e}")
        if not self.a.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        else:
            log(f"kept {self.work}")


def fmt_table(res, a):
    st = res["stages"]
    rows = []

    def add(name, value, note=""):
        rows.append((name, value, note))

    sub = st.get("sub")
    if sub:
        add("bare mosquitto_sub -q 1, backlog drain", f"{sub['per_s']:,} msg/s",
            f"{sub['messages']:,} msgs in {sub['seconds']} s, load {sub['load']['mean']}")
    for kind, label in (("sqlite", "SQLite"), ("pg", "PostgreSQL")):
        d = st.get(kind)
        if d:
            ratio = f", {d['per_s'] / sub['per_s']:.2f}x of mosquitto_sub" if sub else ""
            add(f"collector ingest into {label}, backlog drain", f"{d['per_s']:,} records/s",
                f"{d['records']:,} records in {d['seconds']} s{ratio}, load {d['load']['mean']}, "
                f"exactly once {d['exactly_once']['ok']}")
    s = st.get("storm")
    if s:
        add("replay storm drain (SQLite)", f"{s['drain_s']} s",
            f"{s['records']:,} records, {s['devices']:,} devices on {s['connections']:,} "
            f"connections, {s['per_s']:,}/s, load {s['load']['mean']}, exactly once "
            f"{s['exactly_once']['ok']}")
        if s.get("rss_kb_peak"):
            add("collector RSS, 10^4 devices known", f"{s['rss_kb_peak'].get('VmRSS', 0) / 1024:.0f} MiB",
                f"peak during the storm; at the end {((s.get('rss_kb_end') or {}).get('VmRSS') or 0) / 1024:.0f} MiB")
    sh = st.get("shared")
    if sh:
        add("2 collectors, shared subscription, PostgreSQL", f"{sh['per_s']:,} records/s",
            f"split {sh['stored_by_collector']}, rows {sh['exactly_once']['rows']:,} = distinct keys "
            f"{sh['exactly_once']['distinct_keys']:,}, exactly once {sh['exactly_once']['ok']}")
    k = st.get("kill")
    if k:
        add(f"kill -9 x{k['kills']} during a storm ({k['db']})",
            "exactly once" if k["exactly_once"]["ok"] else "FAILED",
            f"{k['records']:,} records, rows {k['exactly_once']['rows']:,}, distinct "
            f"{k['exactly_once']['distinct_keys']:,}, duplicates counted {k['duplicates_seen']:.0f}")
    per_day = a.records_per_school_day
    for kind, label in (("sqlite", "SQLite"), ("pg", "PostgreSQL")):
        d = st.get(kind)
        if d and d.get("bytes_per_record"):
            year = d["bytes_per_record"] * per_day * 365
            add(f"DB size per school per year ({label})", f"{year / 2**20:.0f} MiB",
                f"{d['bytes_per_record']} B/record measured x {per_day} records/school/day x 365")
    w = max(len(r[0]) for r in rows) if rows else 10
    v = max(len(r[1]) for r in rows) if rows else 10
    lines = [f"{r[0]:<{w}}  {r[1]:>{v}}  {r[2]}" for r in rows]
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default=str(ROOT / "build"))
    p.add_argument("--devices", type=int, default=10000)
    p.add_argument("--schools", type=int, default=0, help="schools in the sheet (0 = devices)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--stages", default="sub,sqlite,pg,storm,shared,kill")
    p.add_argument("--backlog-hours", type=float, default=3)
    p.add_argument("--storm-hours", type=float, default=24)
    p.add_argument("--kill-hours", type=float, default=6)
    p.add_argument("--kills", type=int, default=10)
    p.add_argument("--kill-db", choices=["sqlite", "pg"], default="pg")
    p.add_argument("--timeout", type=float, default=3600)
    p.add_argument("--stall-s", type=float, default=60)
    p.add_argument("--records-per-school-day", type=float, default=294,
                   help="for the yearly DB size: 288 availability + 4 tests + daily + alert state")
    p.add_argument("--sim-extra", default="",
                   help="more fleet_sim options, e.g. \"--tests-per-day 8\" (one string)")
    p.add_argument("--json", help="also write the results here")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (DBs, logs)")
    a = p.parse_args()
    b = Bench(a)
    rc = 0
    try:
        b.run()
    except Exception as e:
        log(f"FAILED: {e}")
        b.results["errors"].append(str(e))
        rc = 2
    finally:
        b.cleanup()
    res = b.results
    res["command"] = " ".join(shlex.quote(x) for x in [sys.argv[0], *sys.argv[1:]])
    res["date"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    res["machine"] = machine()
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(res, indent=1, ensure_ascii=False))
    print(f"uplinkprobe-collector scale bench, {res['date']}, {res['machine']}")
    print(f"load average (1 min) during the run: mean {res.get('load_whole_run', {}).get('mean')}, "
          f"max {res.get('load_whole_run', {}).get('max')}")
    print(fmt_table(res, a))
    for e in res["errors"]:
        print("ERROR:", e)
        rc = 2
    print(f"reproduce: {res['command']}")
    return rc


def machine():
    cpu = "?"
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(re.search(r"MemTotal:\s+(\d+)", pathlib.Path("/proc/meminfo").read_text()).group(1))
    return f"{os.cpu_count()} x {cpu}, {mem / 2**20:.0f} GiB RAM, {os.uname().release}"


if __name__ == "__main__":
    sys.exit(main())
