#!/usr/bin/python3
"""The record contract proven on records the real programs produce in this run (issue 9).

Producers, all real binaries against local endpoints:
  - `uplinkprobe test --config --json` under faketime (two days ago) and again now, against a
    local `uplinkprobe-server`: journaled manual throughput records (the old one makes the
    daemon write `daily` records for the two finished local days);
  - `uplinkprobe commission --yes` into the same journal, published to a real mosquitto;
  - `uplinkprobe run`: a stale heartbeat (-> power), a throttled HTTP test server and a
    100 Mbps floor the loopback can't reach with breach_after = 1 (-> throughput, alert,
    alert_state), a DNS stub switched off and on (-> outage_started, outage), 10 s
    availability periods and the partial one at shutdown, SIGHUP (-> config_reloaded),
    the retained status seen by a mosquitto_sub subscriber;
  - a second journal for the same device whose segments are wiped (-> gap), which also
    shows that two journals of one device never share an id.

Every record is validated against docs/schema/<kind>.json with python3-jsonschema's
Draft202012Validator (offline $ref resolution, tests/support/record_schema.py): journal
records from `records --json`, MQTT payloads from the subscriber, `test --json` stdout. The
test fails when a kind is missing, so a producer that stops producing fails it too.
"""
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("UPLINKPROBE_SOURCE_DIR", os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "support"))
sys.path.insert(0, os.path.join(SRC, "tests", "lab", "lib"))
import dnsstub  # noqa: E402
import record_schema  # noqa: E402

AGENT = os.environ.get("UPLINKPROBE_BIN", "")
SERVER = os.environ.get("UPLINKPROBE_SERVER_BIN", "")
DEVICE = "schema-dev-1"
SCHOOL = "220102-0099"
TZ = "Asia/Shanghai"  # +08:00 all year: local display is checkable
WAIT_S = 90  # one condition; generous for 2 shared cores, never a retry
ID_RE = re.compile(r"^([A-Za-z0-9._-]+):([0-9a-f]{16}):([1-9][0-9]*)$")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, predicate, timeout=WAIT_S, interval=0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Bucket:
    """One shared token bucket: every throttled stream together gets `rate` bytes/s."""

    def __init__(self, rate):
        self.rate, self.tokens, self.last = rate, 0.0, time.monotonic()
        self.lock = threading.Lock()

    def take(self, n):
        while True:
            with self.lock:
                now = time.monotonic()
                self.tokens = min(self.rate / 4, self.tokens + (now - self.last) * self.rate)
                self.last = now
                if self.tokens >= n:
                    self.tokens -= n
                    return
                need = (n - self.tokens) / self.rate
            time.sleep(need)


class SlowHandler(http.server.BaseHTTPRequestHandler):
    """A `kind = "http"` test server about 10 Mbit/s each way: far below a 100 Mbps floor
    while the client stays idle (the result is counted, so the breach rule fires)."""
    protocol_version = "HTTP/1.1"
    chunk = 16384

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        size = 200 * 1000 * 1000
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        block = os.urandom(self.chunk)
        sent = 0
        try:
            while sent < size:
                self.server.bucket.take(self.chunk)
                self.wfile.write(block)
                sent += self.chunk
        except OSError:
            self.close_connection = True

    def do_POST(self):
        left = int(self.headers.get("Content-Length", "0"))
        try:
            while left > 0:
                self.server.bucket.take(min(self.chunk, left))
                got = self.rfile.read(min(self.chunk, left))
                if not got:
                    self.close_connection = True
                    return
                left -= len(got)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:
            self.close_connection = True


class DnsStub(threading.Thread):
    """Answers every query while `up` is set, drops them otherwise (an outage of class dns)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.up = threading.Event()
        self.up.set()
        self.stopping = False

    def run(self):
        while not self.stopping:
            try:
                data, peer = self.sock.recvfrom(2048)
            except socket.timeout:
                continue
            except OSError:
                return
            if self.up.is_set():
                reply = dnsstub.answer(data, "127.0.0.1")
                if reply:
                    self.sock.sendto(reply, peer)


class RecordContract(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not AGENT or not SERVER:
            raise RuntimeError("UPLINKPROBE_BIN and UPLINKPROBE_SERVER_BIN must name the binaries")
        for tool in ("faketime", "/usr/sbin/mosquitto", "mosquitto_sub"):
            if not shutil.which(tool):
                raise RuntimeError(f"{tool} is missing: run scripts/install-deps.sh")
        cls.v = record_schema.Validators()
        cls.tmp = tempfile.mkdtemp(prefix="up-schema-")
        os.chmod(cls.tmp, 0o755)  # mosquitto started as root drops to its own user
        cls.procs = []
        try:
            cls.start_endpoints()
            cls.produce()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for p in reversed(cls.procs):
            if p.poll() is None:
                p.kill()
                p.wait()
        for closer in ("slow", "dns"):
            obj = getattr(cls, closer, None)
            if obj is None:
                continue
            if closer == "slow":
                obj.shutdown()
                obj.server_close()
            else:
                obj.stopping = True
                obj.sock.close()
        if os.environ.get("UPLINKPROBE_KEEP_TMP") is None:
            shutil.rmtree(cls.tmp, ignore_errors=True)
        else:
            print(f"kept {cls.tmp}", file=sys.stderr)

    # ---- helpers ------------------------------------------------------------------------
    @classmethod
    def path(cls, name):
        return os.path.join(cls.tmp, name)

    @classmethod
    def spawn(cls, args, name, **kw):
        out = open(cls.path(name + ".out"), "wb")
        err = open(cls.path(name + ".err"), "wb")
        p = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL, **kw)
        out.close()
        err.close()
        cls.procs.append(p)
        return p

    @classmethod
    def run_agent(cls, args, name, env=None, prefix=(), timeout=180):
        p = subprocess.run(list(prefix) + [AGENT] + args, capture_output=True, timeout=timeout,
                           env=env, stdin=subprocess.DEVNULL)
        with open(cls.path(name + ".out"), "wb") as f:
            f.write(p.stdout)
        with open(cls.path(name + ".err"), "wb") as f:
            f.write(p.stderr)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    @classmethod
    def read(cls, name):
        with open(cls.path(name), encoding="utf-8", errors="replace") as f:
            return f.read()

    @classmethod
    def config(cls, name, state_dir, servers, mqtt=True, extra=""):
        text = f"""[identity]
device_id = "{DEVICE}"
school_id = "{SCHOOL}"
school_name = "Schema Primary"
region = "Changchun"
county = "Nanguan"
carrier = "CarrierA"
[target]
floor_down_mbps = 100
contracted_up_mbps = 20
{servers}
[throughput]
max_seconds = 2
max_mb_per_direction = 4
[schedule]
interval_s = 4
timezone = "{TZ}"
defer_if_cross_traffic_mbps = 0
[availability]
interval_s = 1
probe_timeout_ms = 400
fail_rounds = 1
recover_rounds = 1
report_period_s = 10
gateway = "127.0.0.1"
tcp_targets = ["127.0.0.1:{cls.server_port}"]
dns_servers = ["127.0.0.1:{cls.dns.port}"]
[storage]
dir = "{state_dir}"
heartbeat_s = 1
[alert]
breach_after = 1
breach_window = 1
clear_after = 1
"""
        if mqtt:
            text += f'[mqtt]\nuri = "tcp://127.0.0.1:{cls.mqtt_port}"\n'
        text += extra
        path = cls.path(name)
        with open(path, "w") as f:
            f.write(text)
        return path

    @classmethod
    def records(cls, cfg):
        code, out, err = cls.run_agent(["records", "--config", cfg, "--json"], "records")
        assert code == 0, err
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    # ---- the run ------------------------------------------------------------------------
    @classmethod
    def start_endpoints(cls):
        server = cls.spawn([SERVER, "--listen", "127.0.0.1:0"], "server")
        m = wait_for("uplinkprobe-server to listen", lambda: re.search(
            r"listening 127\.0\.0\.1:(\d+)", cls.read("server.out") + cls.read("server.err")))
        cls.server_port = int(m.group(1))
        assert server.poll() is None
        cls.server_url = f"http://127.0.0.1:{cls.server_port}/"

        cls.slow = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowHandler)
        cls.slow.daemon_threads = True
        cls.slow.bucket = Bucket(1_250_000)
        threading.Thread(target=cls.slow.serve_forever, daemon=True).start()
        cls.slow_url = f"http://127.0.0.1:{cls.slow.server_address[1]}"

        cls.dns = DnsStub()
        cls.dns.start()

        cls.mqtt_port = free_port()
        with open(cls.path("mosquitto.conf"), "w") as f:
            f.write(f"listener {cls.mqtt_port} 127.0.0.1\nallow_anonymous true\n"
                    f"persistence false\nlog_dest stderr\nlog_type all\n")
        cls.spawn(["/usr/sbin/mosquitto", "-c", cls.path("mosquitto.conf")], "mosquitto")
        wait_for("mosquitto to listen", lambda: socket.socket().connect_ex(
            ("127.0.0.1", cls.mqtt_port)) == 0)
        cls.sub = cls.spawn(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(cls.mqtt_port),
                             "-i", "schema-sub", "-q", "1", "-v", "-t", "uplinkprobe/v1/#"],
                            "sub")
        wait_for("the subscriber to connect", lambda: "as schema-sub" in cls.read("mosquitto.err"))

    @classmethod
    def produce(cls):
        state = cls.path("state")
        loopback = f'[[servers]]\nname = "loopback"\nurl = "{cls.server_url}"\n'
        slow = (f'[[servers]]\nname = "throttled"\nkind = "http"\n'
                f'download_url = "{cls.slow_url}/down"\nupload_url = "{cls.slow_url}/up"\n')
        cls.cfg_test = cls.config("test.toml", state, loopback, mqtt=False)
        cls.cfg_daemon = cls.config("daemon.toml", state, slow)
        cls.cfg_commission = cls.config("commission.toml", state, loopback)

        # 1. Three days ago (faketime): the journal's first record; the daemon owes dailies
        #    for at least the two local days after it.
        env = dict(os.environ, FAKETIME_DONT_FAKE_MONOTONIC="1")
        # libfaketime is an LD_PRELOAD; an ASan-built agent refuses to start unless the ASan
        # runtime comes first, so the sanitizer run waives that link-order check here.
        asan = env.get("ASAN_OPTIONS", "")
        env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + "verify_asan_link_order=0"
        cls.old_test = cls.run_agent(["test", "--config", cls.cfg_test, "--json"], "test-old",
                                     env=env, prefix=("faketime", "-f", "-3d"))
        # 2. Commissioning into the same journal, published (PUBACK) to the broker.
        cls.commission = cls.run_agent(
            ["commission", "--config", cls.cfg_commission, "--yes", "--no-start",
             "--device-id", DEVICE, "--school-id", SCHOOL, "--contracted-down", "100",
             "--contracted-up", "20", "--broker", f"tcp://127.0.0.1:{cls.mqtt_port}",
             "--server", cls.server_url], "commission")
        # 3. The daemon, after a "power cut": its last heartbeat is from another boot.
        with open(os.path.join(state, "heartbeat.json"), "w") as f:
            json.dump({"wall_ms": int((time.time() - 600) * 1000), "mono_ms": 1,
                       "boot_id": "00000000-previous-boot", "period_s": 1,
                       "clean_shutdown": False}, f)
        daemon = cls.spawn([AGENT, "run", "--config", cls.cfg_daemon], "daemon")

        def seen(pred):
            def check():
                assert daemon.poll() is None, cls.read("daemon.err")[-3000:]
                return [r for r in cls.records(cls.cfg_daemon) if pred(r)]
            return check

        def wait_seen(what, pred):
            return wait_for(what, seen(pred), interval=1.0)

        wait_seen("agent_started", lambda r: r.get("event") == "agent_started")
        time.sleep(2)  # a few good rounds first
        cls.dns.up.clear()
        wait_seen("outage_started", lambda r: r.get("event") == "outage_started")
        time.sleep(1.5)
        cls.dns.up.set()
        wait_seen("the outage record", lambda r: r["kind"] == "outage")
        wait_seen("a scheduled test below target and its alert",
                  lambda r: r["kind"] == "alert" and r.get("alert") == "breach_opened")
        wait_seen("a periodic availability record", lambda r: r["kind"] == "availability")
        daemon.send_signal(signal.SIGHUP)
        wait_seen("the reload event",
                  lambda r: r.get("event") in ("config_reloaded", "config_reload_failed"))
        daemon.send_signal(signal.SIGTERM)
        cls.daemon_exit = daemon.wait(timeout=60)

        # 4. `test --json` now, into the same journal (the daemon is gone, the journal free).
        cls.new_test = cls.run_agent(["test", "--config", cls.cfg_test, "--json"], "test-new")
        cls.journal = cls.records(cls.cfg_daemon)
        code, cls.display, _ = cls.run_agent(["records", "--config", cls.cfg_daemon], "display")
        assert code == 0

        # 5. A second journal of the same device (a purge or new SD card), then its segments
        #    vanish: the next open announces the lost seqs with a gap record.
        other = cls.path("other-state")
        cls.cfg_other = cls.config("other.toml", other, loopback, mqtt=False)
        cls.other_tests = [cls.run_agent(["test", "--config", cls.cfg_other, "--json"],
                                         "test-other-1")]
        for name in os.listdir(other):
            if name.startswith("seg-"):
                os.remove(os.path.join(other, name))
        cls.other_tests.append(cls.run_agent(["test", "--config", cls.cfg_other, "--json"],
                                             "test-other-2"))
        cls.other_journal = cls.records(cls.cfg_other)

        time.sleep(1)  # the last retained status reaches the subscriber
        cls.sub.terminate()
        cls.sub.wait(timeout=10)
        cls.mqtt = []
        for line in cls.read("sub.out").splitlines():
            topic, _, payload = line.partition(" ")
            cls.mqtt.append((topic, payload))

    # ---- the checks ---------------------------------------------------------------------
    def assertValid(self, record, where, kind=None):
        errors = self.v.errors(record, kind)
        self.assertEqual(errors, [], f"{where}: {json.dumps(record)[:2000]}")

    def test_programs_succeeded(self):
        for name, (code, _, err) in [("test-old", self.old_test), ("test-new", self.new_test),
                                     ("commission", self.commission)]:
            self.assertIn(code, (0, 1), f"{name}: {err[-2000:]}")
        self.assertEqual(self.daemon_exit, 0, self.read("daemon.err")[-3000:])

    def test_every_journal_record_matches_its_schema(self):
        for r in self.journal + self.other_journal:
            self.assertValid(r, f"journal seq {r.get('seq')}")

    def test_every_kind_and_trigger_was_produced(self):
        kinds = {r["kind"] for r in self.journal + self.other_journal}
        kinds |= {json.loads(p).get("kind") for t, p in self.mqtt if t.endswith("/status")}
        self.assertEqual(set(record_schema.KINDS) - kinds, set(), "kinds never produced")
        triggers = {r.get("trigger") for r in self.journal if r["kind"] == "throughput"}
        self.assertLessEqual({"manual", "commission", "scheduled"}, triggers)
        events = {r.get("event") for r in self.journal if r["kind"] == "event"}
        self.assertLessEqual({"agent_started", "commissioned", "outage_started"}, events)
        self.assertGreaterEqual(len([r for r in self.journal if r["kind"] == "daily"]), 2)

    def test_test_json_output_is_the_journaled_record(self):
        for name, (code, out, err) in [("test-old", self.old_test), ("test-new", self.new_test)]:
            rec = json.loads(out)
            self.assertValid(rec, f"{name} --json")
            self.assertEqual(rec["trigger"], "manual")
            self.assertIn(rec, self.journal, f"{name}: --json must print the journaled record")

    def test_every_mqtt_payload_matches_its_schema_and_the_journal(self):
        by_id = {r["id"]: r for r in self.journal}
        published = 0
        for topic, payload in self.mqtt:
            rec = json.loads(payload)
            parts = topic.split("/")
            self.assertEqual(parts[:4], ["uplinkprobe", "v1", SCHOOL, DEVICE], topic)
            topic_kind = "/".join(parts[4:])
            kind = "alert_state" if topic_kind == "alert/state" else topic_kind
            self.assertEqual(rec.get("kind", "status"), kind, topic)
            self.assertValid(rec, f"mqtt {topic}", kind)
            if kind != "status":
                self.assertEqual(by_id.get(rec["id"]), rec, "a payload is the journaled record")
                published += 1
        self.assertGreater(published, 10)
        states = {json.loads(p)["state"] for t, p in self.mqtt if t.endswith("/status")}
        self.assertEqual(states, {"online", "offline"})

    def test_ids_are_unique_across_the_journals_of_one_device(self):
        ids, jids = set(), set()
        for journal in (self.journal, self.other_journal):
            jid = {r["journal_id"] for r in journal}
            self.assertEqual(len(jid), 1, "one journal, one journal_id across restarts")
            jids |= jid
            for r in journal:
                m = ID_RE.match(r["id"])
                self.assertTrue(m, r["id"])
                self.assertEqual(m.groups(), (r["device_id"], r["journal_id"], str(r["seq"])))
                self.assertNotIn(r["id"], ids)
                ids.add(r["id"])
        self.assertEqual(len(jids), 2, "a new journal gets a new journal_id")
        seqs = {r["seq"] for r in self.journal} & {r["seq"] for r in self.other_journal}
        self.assertTrue(seqs, "both journals start at seq 1: only journal_id tells them apart")
        gaps = [r for r in self.other_journal if r["kind"] == "gap"]
        self.assertEqual([(g["reason"], g["first_seq"]) for g in gaps], [("not_found_on_open", 1)])

    def test_one_journal_for_daemon_commission_and_test(self):
        seqs = [r["seq"] for r in self.journal]
        self.assertEqual(seqs, sorted(set(seqs)))
        triggers = [r.get("trigger") for r in self.journal if r["kind"] == "throughput"]
        self.assertEqual(triggers[:2], ["manual", "commission"])
        self.assertEqual(triggers[-1], "manual")

    def test_screens_show_local_time_with_the_zone(self):
        # Records are UTC ("Z", enforced by the schema); people see +08:00 for Asia/Shanghai.
        # One line per record; `records` wraps a long summary onto indented continuation
        # lines (80 columns).
        head = re.compile(r"^\s*\d+ \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+08:00 ")
        all_lines = [line for line in self.display.splitlines() if line.strip()]
        lines = [line for line in all_lines if head.match(line)]
        self.assertEqual(len(lines), len(self.journal), self.display)
        for line in all_lines:
            self.assertTrue(head.match(line) or line.startswith(" "), line)
        self.assertRegex(self.commission[1], r"time:\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+08:00")
        first = self.journal[0]
        utc = first["ts"]
        hh = (int(utc[11:13]) + 8) % 24
        self.assertIn(f"{hh:02d}:{utc[14:16]}:{utc[17:19]} +08:00", lines[0])


if __name__ == "__main__":
    unittest.main(verbosity=2)
