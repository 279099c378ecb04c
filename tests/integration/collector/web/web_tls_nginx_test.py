#!/usr/bin/env python3
"""The web UI behind the real nginx terminating TLS (docs/collector-web.md, "TLS").

A self-signed CA and server certificate (openssl), nginx (Debian's nginx-light) listening
with TLS on loopback and proxying to uplinkprobe-collector on loopback with
[http] secure_cookies = true. Over https, with the CA verified: the login page, a login that
sets a session cookie marked Secure, HttpOnly and SameSite=Strict, a page with it, the API
refused without it and scoped with it. Every wait is bounded; no timing asserts.
"""

import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.parse

BIN = os.environ["UPLINKPROBE_COLLECTOR_BIN"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def run(args, stdin=None):
    r = subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise AssertionError("%s: exit %d\n%s%s" % (args, r.returncode, r.stdout, r.stderr))
    return r.stdout


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what)


def wait_port(port, proc, log, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError("exited early:\n" + open(log).read())
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("port %d not listening:\n%s" % (port, open(log).read()))


def main():
    work = tempfile.mkdtemp(prefix="up-web-tls-")
    procs = []
    try:
        # Certificates: a CA, and a server certificate for 127.0.0.1 / localhost.
        ca_key, ca = os.path.join(work, "ca.key"), os.path.join(work, "ca.pem")
        key, csr, crt = (os.path.join(work, n) for n in ("srv.key", "srv.csr", "srv.pem"))
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca,
             "-days", "2", "-subj", "/CN=uplinkprobe test CA"])
        run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
             "-subj", "/CN=localhost"])
        ext = os.path.join(work, "ext.cnf")
        with open(ext, "w") as f:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
        run(["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
             "-out", crt, "-days", "2", "-extfile", ext])

        api_port, tls_port = free_port(), free_port()
        db = os.path.join(work, "ledger.db")
        cfg = os.path.join(work, "collector.toml")
        with open(cfg, "w") as f:
            f.write('[mqtt]\nuri = "tcp://127.0.0.1:1"\n[database]\nurl = "sqlite://%s"\n'
                    '[http]\nlisten = "127.0.0.1:%d"\nsecure_cookies = true\n'
                    '[ledger]\ntimezone = "Asia/Shanghai"\nprovince = "吉林省"\n' % (db, api_port))
        sheet = os.path.join(work, "schools.csv")
        with open(sheet, "w", encoding="utf-8") as f:
            f.write("学校代码,学校名称,市(州),县(市、区)\n220104001,南关区明德小学,长春市,南关区\n"
                    "220102002,朝阳区红旗中学,长春市,朝阳区\n")
        run([BIN, "import-schools", "--config", cfg, sheet])
        run([BIN, "user", "add", "zhao", "--role", "viewer", "--scope", "长春市/南关区", "--config", cfg],
            stdin="南关区查看密码\n")

        clog = os.path.join(work, "collector.log")
        procs.append(subprocess.Popen([BIN, "run", "--config", cfg], stdout=open(clog, "wb"),
                                      stderr=subprocess.STDOUT))
        wait_port(api_port, procs[-1], clog)

        prefix = os.path.join(work, "nginx")
        os.makedirs(os.path.join(prefix, "logs"))
        nconf = os.path.join(prefix, "nginx.conf")
        with open(nconf, "w") as f:
            f.write("""
worker_processes 1;
pid %(p)s/nginx.pid;
error_log %(p)s/logs/error.log info;
events { worker_connections 64; }
http {
    access_log %(p)s/logs/access.log;
    client_body_temp_path %(p)s/body; proxy_temp_path %(p)s/proxy;
    fastcgi_temp_path %(p)s/fcgi; uwsgi_temp_path %(p)s/uwsgi; scgi_temp_path %(p)s/scgi;
    server {
        listen 127.0.0.1:%(tls)d ssl;
        server_name localhost;
        ssl_certificate %(crt)s;
        ssl_certificate_key %(key)s;
        location / {
            proxy_pass http://127.0.0.1:%(api)d;
            proxy_set_header Host $host;
        }
    }
}
""" % {"p": prefix, "tls": tls_port, "crt": crt, "key": key, "api": api_port})
        nlog = os.path.join(prefix, "logs", "error.log")
        open(nlog, "w").close()
        procs.append(subprocess.Popen(["nginx", "-p", prefix, "-c", nconf, "-g", "daemon off;"],
                                      stdout=subprocess.DEVNULL, stderr=open(nlog, "ab")))
        wait_port(tls_port, procs[-1], nlog)

        ctx = ssl.create_default_context(cafile=ca)  # verified: CA and host name

        def req(method, path, body=None, cookie=None, headers=None):
            c = http.client.HTTPSConnection("127.0.0.1", tls_port, timeout=30, context=ctx)
            h = dict(headers or {})
            if cookie:
                h["Cookie"] = cookie
            if body is not None:
                h["Content-Type"] = "application/x-www-form-urlencoded"
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            c.close()
            return r.status, r.getheaders(), data

        st, hd, page = req("GET", "/login")
        check(st == 200 and "登录".encode() in page, "login page over https through nginx")
        login_cookie = [v for k, v in hd if k.lower() == "set-cookie" and v.startswith("up_login=")][0]
        check("; Secure" in login_cookie, "the login form's cookie is Secure")
        tok = re.search(rb'name="login_token" value="([0-9a-f]+)"', page).group(1).decode()
        form = urllib.parse.urlencode({"login_token": tok, "user": "zhao", "password": "南关区查看密码", "next": "/"})
        st, hd, _ = req("POST", "/login", body=form, cookie="up_login=" + tok)
        check(st == 303, "login through nginx (got %d)" % st)
        sess = [v for k, v in hd if k.lower() == "set-cookie" and v.startswith("up_session=")][0]
        check("; Secure" in sess and "HttpOnly" in sess and "SameSite=Strict" in sess,
              "session cookie: Secure, HttpOnly, SameSite=Strict (%s)" % sess.split(";", 1)[1])
        cookie = sess.split(";", 1)[0]
        st, _, page = req("GET", "/county?city=%E9%95%BF%E6%98%A5%E5%B8%82&county=%E5%8D%97%E5%85%B3%E5%8C%BA",
                          cookie=cookie)
        check(st == 200 and "南关区明德小学".encode() in page, "the county's school list through nginx")
        st, _, _ = req("GET", "/api/v1/ledger?by=school")
        check(st == 401, "API through nginx without a session: 401")
        st, _, body = req("GET", "/api/v1/ledger?by=school", cookie=cookie)
        ids = [s["school_id"] for s in json.loads(body)["schools"]]
        check(st == 200 and ids == ["220104001"], "API through nginx with the session: scoped (%s)" % ids)
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(work, ignore_errors=True)
    print("all TLS/nginx checks passed")


if __name__ == "__main__":
    main()
