#!/usr/bin/env python3
"""The collector's web UI as a person uses it (issue 11).

Starts the real uplinkprobe-collector on SQLite with a registry imported from a Chinese sheet
(through `import-schools`), users made with `user add` / `user token`, and 30 days of records
in the store's tables; then:
  - over HTTP: unauthenticated API 401, login (wrong password 401, right one a session),
    CSRF refusal, a county viewer gets 404 for another county's school page, API and export
    and sees only its county in the ledger, /metrics counts the refusals, login rate limit;
  - in headless Chromium (DevTools over a pipe): logs in through the form, opens every page,
    takes screenshots (build/web-screenshots/*.png), checks the numbers on the overview
    against /api/v1/ledger, checks the school named <script>alert(1)</script> is shown as
    text and no dialog opened, switches to English.
No timing asserts; every wait is bounded.
"""

import http.client
import json
import os
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.environ.get("UPLINKPROBE_SOURCE_DIR", "."), "tests", "support"))
from cdp_browser import Browser  # noqa: E402

BIN = os.environ["UPLINKPROBE_COLLECTOR_BIN"]
BUILD = os.environ["UPLINKPROBE_BUILD_DIR"]
SHOTS = os.path.join(BUILD, "web-screenshots")
XSS = "<script>alert(1)</script>"
DAY = 86400000

# id, name, city, county, stage, carrier, contract down/up, Mbps (None = never reported),
# stale (last heard 3 days ago)
SCHOOLS = [
    ("220102001", "长春市第一实验小学", "长春市", "朝阳区", "小学", "中国电信", 300, 50, 310, False),
    ("220102002", "朝阳区红旗中学", "长春市", "朝阳区", "初中", "中国联通", 100, 30, 62, False),
    ("220102003", XSS, "长春市", "朝阳区", "小学", "中国移动", 100, 30, 150, False),
    ("220104001", "南关区明德小学", "长春市", "南关区", "小学", "中国电信", 200, 50, 120, False),
    ("220104002", "南关区幸福乡中心校", "长春市", "南关区", "小学", "中国移动", 100, 30, None, False),
    ("220204001", "吉林市第一中学", "吉林市", "船营区", "高中", "中国电信", 500, 100, 210, False),
    ("220204002", "船营区搜登站教学点", "吉林市", "船营区", "教学点", "中国联通", 100, 30, 90, True),
    ("222401001", "延吉市延边第二中学", "延边朝鲜族自治州", "延吉市", "高中", "中国移动", 300, 50, 140, False),
]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def run(args, stdin=None):
    r = subprocess.run([BIN] + args, input=stdin, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise AssertionError("%s: exit %d\n%s%s" % (args, r.returncode, r.stdout, r.stderr))
    return r.stdout


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)


class Http:
    """A tiny client that never follows redirects and keeps the cookies it is given."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, body=None, headers=None, cookies=True):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = dict(headers or {})
        if cookies and self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if body is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, val = v.split(";", 1)[0].split("=", 1)
                if "Max-Age=0" in v:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = val
        c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

    def login(self, user, password):
        st, _, page = self.request("GET", "/login")
        token = re.search(rb'name="login_token" value="([0-9a-f]+)"', page).group(1).decode()
        form = urllib.parse.urlencode({"login_token": token, "user": user, "password": password,
                                       "next": "/"})
        return self.request("POST", "/login", body=form)


def local_mow(ts_ms):
    t = ts_ms // 1000 + 8 * 3600  # Asia/Shanghai
    days = t // 86400
    wd = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    return wd * 1440 + (t % 86400) // 60


def seed_records(db_path, now):
    rng = random.Random(11)
    db = sqlite3.connect(db_path)
    for sid, name, city, county, stage, carrier, cdown, cup, mbps, stale in SCHOOLS:
        if mbps is None:
            continue
        dev, jid = "probe-" + sid, "%016x" % int(sid)
        last = now - (3 * DAY if stale else 10 * 60 * 1000)
        seq = 0
        start = now - 30 * DAY
        t = start
        days = {}
        test_days = {}
        while t <= last:
            seq += 1
            down = round(mbps * rng.uniform(0.85, 1.1), 1)
            up = round(min(cup, mbps / 3) * rng.uniform(0.85, 1.1), 1)
            idle = round(rng.uniform(8, 20), 1)
            loaded = round(idle + rng.uniform(10, 80), 1)
            iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t / 1000))
            payload = {
                "schema": "uplinkprobe/1", "kind": "throughput", "id": "%s:%s:%d" % (dev, jid, seq),
                "journal_id": jid, "seq": seq, "device_id": dev, "school_id": sid, "ts": iso,
                "clock_synced": True, "boot_id": "boot-1", "agent_version": "0.1.0",
                "download": {"goodput_mbps": round(down * 0.95, 1), "ip_capacity_mbps": down},
                "upload": {"goodput_mbps": round(up * 0.95, 1), "ip_capacity_mbps": up},
                "latency": {"idle_ms": idle, "loaded_ms": loaded},
                "verdict": {"target_mbps": 100, "meets_target": down >= 100, "counted": True},
            }
            db.execute("INSERT INTO record_keys VALUES (?,?,?,?)", (dev, jid, seq, t))
            db.execute(
                "INSERT INTO records VALUES (?,?,?,?,?,?,?,?,?,?)",
                (dev, jid, seq, sid, "throughput", t, local_mow(t), t + 500,
                 "uplinkprobe/v1/%s/%s/throughput" % (sid, dev), json.dumps(payload, ensure_ascii=False)))
            db.execute(
                "INSERT INTO tests VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (dev, jid, seq, sid, t, local_mow(t), down, up, down * 0.95, up * 0.95, 100,
                 1 if down >= 100 else 0, 1, "scheduled", None))
            # The ledger's roll-up, as RecordStore writes it (collector/store/test_days.h):
            # repr() is Python's shortest round-trip form, like the store's to_chars.
            packed = test_days.setdefault(t // (86400 * 1000), [])
            packed.append("%d,%d,%r,%r,%d" % (t, local_mow(t), down, up, 1 if down >= 100 else 0))
            day = time.strftime("%Y-%m-%d", time.gmtime(t / 1000 + 8 * 3600))
            d = days.setdefault(day, [0, 0, t])
            d[0] += 1
            d[1] += 1 if down >= 100 else 0
            d[2] = t
            t += 6 * 3600 * 1000
        for utc_day, entries in test_days.items():
            db.execute("INSERT INTO test_days VALUES (?,?,?,?)",
                       (utc_day, sid, len(entries), ";".join(entries)))
        for day, (counted, at_target, last_t) in days.items():
            period = 86400.0
            up_s = period - (2400.0 if sid == "220102002" and rng.random() < 0.15 else 0.0)
            db.execute("INSERT INTO school_days VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                       (sid, day, counted, period, up_s, period, up_s, counted, counted, at_target, last_t))
        # One outage a week for the school below target.
        if sid == "220102002":
            for k in range(4):
                seq += 1
                s0 = now - (3 + 7 * k) * DAY
                db.execute("INSERT INTO record_keys VALUES (?,?,?,?)", (dev, jid, seq, s0))
                db.execute("INSERT INTO outages VALUES (?,?,?,?,?,?,?,?)",
                           (dev, jid, seq, sid, s0, s0 + 40 * 60 * 1000, 2400.0, "upstream"))
        open_alerts = 1 if mbps < 100 else 0
        # The agent's retained alert_state (docs/schema/alert_state.json), one throughput breach.
        alert_state = json.dumps({
            "kind": "alert_state", "open": True, "as_of_seq": 4,
            "breaches": [{"type": "throughput", "opened_alert_id": dev + ":" + jid + ":4",
                          "since": "2026-11-20T02:00:00.000Z",
                          "evidence": [dev + ":" + jid + ":1", dev + ":" + jid + ":2", dev + ":" + jid + ":3"]}],
            "throughput": {"open": True, "target_mbps": 100, "window": [], "bad_in_window": 3,
                           "good_streak": 0, "rule": {"breach_after": 3, "breach_window": 5, "clear_after": 3}},
            "availability": {"open": False, "open_outage": None, "long_outage": False, "low_uptime_day": None,
                             "outage_alert_minutes": 10, "min_daily_uptime_pct": 99}}) \
            if open_alerts else None
        db.execute(
            "INSERT INTO devices (device_id, school_id, first_seen_ms, last_seen_ms, last_record_ts_ms, "
            "last_counted_test_ms, status_state, status_ts_ms, agent_version, open_alerts, "
            "alert_state_payload, alert_state_ts_ms, status_payload) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (dev, sid, start, last, last, last, "offline" if stale else "online", last, "0.1.0",
             open_alerts, alert_state, (now - 12 * DAY) if open_alerts else None,
             json.dumps({"kind": "status", "state": "offline" if stale else "online",
                         "config_hash": "9f2c41d07be3" + sid})))
        # Two records missing from the journal of one school (evidence gap).
        stored = seq - (2 if sid == "220104001" else 0)
        db.execute("INSERT INTO journals VALUES (?,?,?,?,?,?,?,?,?)",
                   (dev, jid, sid, 1, seq, stored, 0, start, last))
    db.commit()
    db.close()


def main():
    os.makedirs(SHOTS, exist_ok=True)
    work = tempfile.mkdtemp(prefix="up-web-")
    port = free_port()
    db_path = os.path.join(work, "ledger.db")
    cfg = os.path.join(work, "collector.toml")
    with open(cfg, "w") as f:
        f.write('[mqtt]\nuri = "tcp://127.0.0.1:1"\n[database]\nurl = "sqlite://%s"\n'
                '[http]\nlisten = "127.0.0.1:%d"\n[ledger]\ntimezone = "Asia/Shanghai"\n'
                'school_hours = "Mon-Sun 00:00-24:00"\nprovince = "吉林省"\n' % (db_path, port))
    sheet = os.path.join(work, "学校台账.csv")
    with open(sheet, "w", encoding="utf-8") as f:
        f.write("学校代码,学校名称,市(州),县(市、区),学段,运营商,合同下行,合同上行,接入方式\n")
        for s in SCHOOLS:
            name = '"%s"' % s[1].replace('"', '""')
            f.write("%s,%s,%s,%s,%s,%s,%d,%d,光纤\n" % (s[0], name, s[2], s[3], s[4], s[5], s[6], s[7]))
    run(["import-schools", "--config", cfg, sheet])
    run(["user", "add", "admin", "--role", "admin", "--scope", "吉林省", "--config", cfg],
        stdin="省厅管理员密码2026\n")
    run(["user", "add", "nanguan", "--role", "viewer", "--scope", "长春市/南关区", "--config", cfg],
        stdin="南关区查看密码\n")
    token = run(["user", "token", "nanguan", "--config", cfg]).strip()
    check(re.fullmatch(r"[0-9a-f]{64}", token) is not None, "user token prints a 64-hex token")
    listing = run(["user", "list", "--config", cfg])
    check("nanguan" in listing and "长春市/南关区" in listing and "省厅" not in listing,
          "user list shows names and scopes, never passwords")
    now = int(time.time() * 1000)
    seed_records(db_path, now)

    log = open(os.path.join(work, "collector.log"), "wb")
    proc = subprocess.Popen([BIN, "run", "--config", cfg], stdout=log, stderr=subprocess.STDOUT)
    browser = None
    try:
        deadline = time.monotonic() + 30
        h = Http(port)
        while True:
            try:
                if h.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise AssertionError("collector did not come up:\n" + open(log.name).read())
            time.sleep(0.2)

        # --- over HTTP -------------------------------------------------------------------
        st, hd, _ = h.request("GET", "/api/v1/ledger")
        check(st == 401, "API without login or token: 401 (got %d)" % st)
        st, hd, _ = h.request("GET", "/export/ledger.csv")
        check(st == 401, "export without login: 401")
        st, hd, _ = h.request("GET", "/")
        check(st == 303 and hd["location"].startswith("/login"), "a page without login redirects to /login")

        st, _, page = h.login("admin", "wrong-password")
        check(st == 401 and "用户名或密码错误".encode() in page, "wrong password: 401 with a message")
        st, hd, _ = h.login("admin", "省厅管理员密码2026")
        check(st == 303 and "up_session" in h.cookies, "right password: a session cookie")
        sc = hd["set-cookie"] if "set-cookie" in hd else ""
        st, _, page = h.request("GET", "/")
        check(st == 200 and "全省概览".encode() in page, "overview after login")
        # The session cookie's attributes.
        h2 = Http(port)
        h2.request("GET", "/login")
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        tok = h2.cookies["up_login"]
        c.request("POST", "/login", body=urllib.parse.urlencode(
            {"login_token": tok, "user": "admin", "password": "省厅管理员密码2026"}),
            headers={"Cookie": "up_login=" + tok, "Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse()
        r.read()
        cookie = [v for k, v in r.getheaders() if k.lower() == "set-cookie" and v.startswith("up_session=")][0]
        check("HttpOnly" in cookie and "SameSite=Strict" in cookie, "session cookie is HttpOnly, SameSite=Strict")

        csrf = re.search(rb'name="csrf" value="([0-9a-f]+)"', page).group(1).decode()
        st, _, _ = h.request("POST", "/logout", body="csrf=" + "0" * 64)
        check(st == 403, "POST /logout with a wrong CSRF token: 403")
        st, _, _ = h.request("GET", "/")
        check(st == 200, "... and the session is still valid")
        st, _, _ = h.request("POST", "/logout", body="")
        check(st == 403, "POST /logout without a CSRF token: 403")

        admin_ledger = json.loads(h.request("GET", "/api/v1/ledger?by=province")[2])
        total = admin_ledger["groups"][0] if "groups" in admin_ledger else None
        check(total is not None and total["schools"] == len(SCHOOLS), "admin's API ledger has every school")

        viewer = {"Authorization": "Bearer " + token}
        st, _, body = h.request("GET", "/api/v1/ledger?by=school", headers=viewer, cookies=False)
        ids = sorted(s["school_id"] for s in json.loads(body)["schools"])
        check(st == 200 and ids == ["220104001", "220104002"], "county viewer's API ledger: its county only (%s)" % ids)
        st, _, _ = h.request("GET", "/api/v1/schools/220102002", headers=viewer, cookies=False)
        check(st == 404, "county viewer: another county's school in the API is 404")
        st, _, _ = h.request("GET", "/api/v1/schools/220102002/records", headers=viewer, cookies=False)
        check(st == 404, "county viewer: another county's records in the API are 404")
        st, _, _ = h.request("GET", "/api/v1/schools/220104001", headers=viewer, cookies=False)
        check(st == 200, "county viewer: its own school in the API is 200")
        st, _, body = h.request("GET", "/export/ledger.csv?by=school", headers=viewer, cookies=False)
        check(st == 200 and b"220104001" in body and b"220102002" not in body,
              "county viewer's CSV export: its county only")
        st, _, _ = h.request("GET", "/api/v1/ledger", headers={"Authorization": "Bearer " + "f" * 64}, cookies=False)
        check(st == 401, "a wrong API token: 401")

        hv = Http(port)
        st, _, _ = hv.login("nanguan", "南关区查看密码")
        check(st == 303, "county viewer logs in")
        st, hd, _ = hv.request("GET", "/")
        check(st == 303 and "county=" in hd["location"], "county viewer's home is its county")
        st, _, page = hv.request("GET", "/school/220102002")
        check(st == 404 and "朝阳区红旗中学".encode() not in page, "county viewer: another county's school page is 404")
        st, _, _ = hv.request("GET", "/school/220102002/evidence.csv")
        check(st == 404, "county viewer: another county's evidence is 404")
        st, _, page = hv.request("GET", "/county?city=%E9%95%BF%E6%98%A5%E5%B8%82&county=%E6%9C%9D%E9%98%B3%E5%8C%BA")
        check(st == 404, "county viewer: another county's list is 404")
        st, _, page = hv.request("GET", "/below")
        check(st == 200 and "朝阳区红旗中学".encode() not in page, "county viewer's below-target list: its county only")
        st, _, page = hv.request("GET", "/school/220104001")
        check(st == 200 and "南关区明德小学".encode() in page, "county viewer: its own school page")
        vcsrf = re.search(rb'name="csrf" value="([0-9a-f]+)"', page).group(1).decode()
        st, _, _ = hv.request("POST", "/school/220104001/ack", body=urllib.parse.urlencode(
            {"csrf": vcsrf, "device": "probe-220104001", "state_ts": "1"}))
        check(st == 403, "a viewer may not acknowledge alerts (403)")
        st, _, _ = h.request("POST", "/school/220102002/ack", body="device=probe-220102002&state_ts=1")
        check(st == 403, "acknowledging without the CSRF token: 403")

        st, _, page = h.request("GET", "/school/220102003")
        check(st == 200 and b"&lt;script&gt;alert(1)&lt;/script&gt;" in page and XSS.encode() not in page,
              "the XSS school name is escaped in the HTML")
        st, hd, body = h.request("GET", "/below.xlsx")
        check(st == 200 and body[:2] == b"PK", "below-target XLSX export")
        st, hd, body = h.request("GET", "/school/220102002/evidence.csv?days=7")
        check(st == 200 and b"throughput" in body, "evidence CSV download")

        metrics = h.request("GET", "/metrics")[2].decode()
        def metric(name, labels):
            m = re.search(re.escape(name) + r"\{" + re.escape(labels) + r"\} (\S+)", metrics)
            return float(m.group(1)) if m else -1
        check(metric("uplinkprobe_collector_web_refused_total", 'reason="csrf"') >= 2, "/metrics counts CSRF refusals")
        check(metric("uplinkprobe_collector_web_refused_total", 'reason="forbidden",where="web"') >= 3,
              "/metrics counts forbidden pages")
        check(metric("uplinkprobe_collector_web_refused_total", 'reason="forbidden",where="api"') >= 2,
              "/metrics counts forbidden API reads")
        check(metric("uplinkprobe_collector_web_logins_total", 'result="failed"') >= 1, "/metrics counts failed logins")

        # --- in the browser --------------------------------------------------------------
        browser = Browser()
        base = "http://127.0.0.1:%d" % port
        browser.goto(base + "/")
        check("/login" in browser.url(), "browser: sent to the login page")
        browser.screenshot(os.path.join(SHOTS, "login.png"))
        browser.submit(
            "document.getElementById('user').value='admin';"
            "document.getElementById('password').value='省厅管理员密码2026';"
            "document.querySelector('form.login').submit();")
        check(browser.url() == base + "/", "browser: logged in, on the overview")
        browser.screenshot(os.path.join(SHOTS, "overview.png"))
        total_row = browser.eval("Array.from(document.querySelectorAll('tr.total td')).map(t => t.textContent)")
        check(total_row[1] == str(total["schools"]) and total_row[2] == str(total["reporting"]),
              "overview total (schools %s, reporting %s) equals the API" % (total_row[1], total_row[2]))
        check(total_row[4].startswith("%.1f" % total["meeting_target_pct"]),
              "overview meeting-target %% %s equals the API %.1f" % (total_row[4], total["meeting_target_pct"]))
        city_rows = json.loads(h.request("GET", "/api/v1/ledger?by=city")[2])["groups"]
        page_rows = browser.eval(
            "Array.from(document.querySelectorAll('table.agg tbody tr:not(.total)')).map("
            "r => Array.from(r.cells).slice(0, 3).map(c => c.textContent))")
        api_rows = [[g["group"], str(g["schools"]), str(g["reporting"])] for g in city_rows]
        check(sorted(page_rows) == sorted(api_rows), "overview rows per city equal the API's")
        check(browser.eval("document.querySelectorAll('main svg.chart').length") == 1,
              "overview: the 90-day trend chart")

        browser.goto(base + "/city?city=" + urllib.parse.quote("长春市"))
        browser.screenshot(os.path.join(SHOTS, "city.png"))
        browser.goto(base + "/county?city=" + urllib.parse.quote("长春市") + "&county=" + urllib.parse.quote("朝阳区"))
        browser.screenshot(os.path.join(SHOTS, "county.png"))
        names = browser.eval("Array.from(document.querySelectorAll('table.schools tbody tr td:nth-child(2)')).map(t => t.textContent)")
        check(XSS in names, "county list shows the XSS name as text")
        check(browser.eval("document.querySelectorAll('table.schools svg.spark').length") == 3,
              "county list: a 30-day sparkline per school")
        browser.goto(base + "/county?city=" + urllib.parse.quote("长春市") + "&county=" + urllib.parse.quote("朝阳区") +
                     "&state=below")
        below_names = browser.eval("Array.from(document.querySelectorAll('table.schools tbody tr td:nth-child(2)')).map(t => t.textContent)")
        check(below_names == ["朝阳区红旗中学"], "county list filter 'below target' (%s)" % below_names)

        browser.goto(base + "/school/220102002?days=30")
        browser.screenshot(os.path.join(SHOTS, "school.png"))
        check(browser.eval("document.querySelectorAll('svg.chart').length") >= 3, "school page: SVG charts drawn")
        check(browser.eval("document.querySelector('svg .ref-target') !== null"), "capacity chart has the 100 Mbps line")
        check("9f2c41d07be3" in browser.eval("document.getElementById('devices').textContent"),
              "school page: the device's config fingerprint")
        api_school = json.loads(h.request("GET", "/api/v1/schools/220102002")[2])
        shown = browser.eval("document.getElementById('ledger').textContent")
        check("%.1f" % api_school["median_down_mbps"] in shown,
              "school page median %.1f equals the API" % api_school["median_down_mbps"])

        alert_rows = browser.eval("Array.from(document.querySelectorAll('div.alert tbody tr')).map(r => r.textContent)")
        check(len(alert_rows) == 1 and "吞吐量低于目标" in alert_rows[0] and "2026-11-20 10:00" in alert_rows[0]
              and "目标 100.0 Mbps" in alert_rows[0],
              "school page: the open breach said in Chinese, its start in local time, its target (%s)" % alert_rows)
        check(browser.eval("document.querySelector('div.alert details pre.raw') !== null"),
              "school page: the raw alert state one click away")
        browser.submit("document.querySelector('form.ack input[name=note]').value='已报联通客户经理';"
                       "document.querySelector('form.ack').submit();")
        acked = browser.eval("document.querySelector('.acked') ? document.querySelector('.acked').textContent : ''")
        check("admin" in acked and "已报联通客户经理" in acked, "operator/admin acknowledges the alert in the browser (%s)" % acked)
        browser.screenshot(os.path.join(SHOTS, "school-acked.png"))

        browser.goto(base + "/school/220102003")
        check(browser.eval("document.getElementById('school-name').textContent") == XSS,
              "XSS school name renders as text")
        check(browser.eval("document.querySelectorAll('main script').length") == 0 and not browser.dialogs,
              "no script from the school name ran")
        browser.screenshot(os.path.join(SHOTS, "school-xss.png"))

        browser.goto(base + "/below")
        browser.screenshot(os.path.join(SHOTS, "below.png"))
        check(browser.eval("document.querySelectorAll('#below tbody tr').length") == 2,
              "below-target list: the two schools under 100 Mbps")
        since = browser.eval("Array.from(document.querySelectorAll('#below tbody tr')).map(r => r.cells[5].textContent)")
        check(all(re.fullmatch(r"\d{4}-\d\d-\d\d", x) for x in since), "below-target list: since when (%s)" % since)

        browser.submit("document.querySelector('header a[href^=\"/lang\"]').click();")
        check(browser.eval("document.documentElement.lang") == "en", "language switch to English")
        browser.goto(base + "/")
        check("Province overview" in browser.eval("document.body.textContent"), "overview in English")
        browser.screenshot(os.path.join(SHOTS, "overview-en.png"))
        browser.goto(base + "/school/220102002")
        browser.screenshot(os.path.join(SHOTS, "school-en.png"))
        en_alert = browser.eval("document.querySelector('div.alert tbody tr').textContent")
        check("Throughput below target" in en_alert, "school page in English: the breach (%s)" % en_alert)

        # --- rate limit last: it locks this client out of further logins -------------------
        hl = Http(port)
        statuses = [hl.login("admin", "wrong-%d" % i)[0] for i in range(11)]
        check(statuses[:10] == [401] * 10 and statuses[10] == 429, "11th failed login in a row: 429 (%s)" % statuses)
        st, _, _ = hl.login("admin", "省厅管理员密码2026")
        check(st == 429, "... and even the right password waits")

        browser.close()
        browser = None
        proc.terminate()
        rc = proc.wait(timeout=30)
        check(rc == 0, "the collector stops cleanly on SIGTERM (exit %d; under ASan: no leak)" % rc)
    finally:
        if browser:
            browser.close()
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        if os.environ.get("WEB_TEST_KEEP"):
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("all web UI checks passed; screenshots in", SHOTS)


if __name__ == "__main__":
    main()
