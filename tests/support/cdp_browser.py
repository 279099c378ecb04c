"""Headless Chromium (Debian's `chromium`) driven over the DevTools protocol on a pipe.

`--remote-debugging-pipe`: the browser reads commands from fd 3 and writes answers and events
to fd 4, one JSON message per NUL-terminated chunk; no port, no WebSocket library. One page
target is attached with flatten=True, so page commands carry its sessionId.

Every wait is bounded (timeout in seconds); a browser that stops answering fails the test
with the last events seen instead of hanging it.
"""

import base64
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time


class BrowserError(RuntimeError):
    pass


class Browser:
    def __init__(self, width=1366, height=900, lang="zh-CN", timeout=60.0):
        self.timeout = timeout
        self.width = width
        self.height = height
        self.profile = tempfile.mkdtemp(prefix="up-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def child_fds():
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        args = [
            shutil.which("chromium") or "/usr/bin/chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--hide-scrollbars",
            "--remote-debugging-pipe",
            "--user-data-dir=" + self.profile,
            "--lang=" + lang,
            "--accept-lang=" + lang,
            "--window-size=%d,%d" % (width, height),
            "about:blank",
        ]
        self.proc = subprocess.Popen(
            args,
            preexec_fn=child_fds,
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(self.profile, "stderr.log"), "wb"),
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._answers = {}
        self._events = queue.Queue()
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self.dialogs = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for m in ("Page.enable", "Runtime.enable"):
            self.call(m, session=self.session)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=self.session,
        )

    def _read(self):
        buf = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cond:
                    self._answers["closed"] = True
                    self._cond.notify_all()
                return
            buf += chunk
            while b"\0" in buf:
                msg, buf = buf.split(b"\0", 1)
                m = json.loads(msg)
                if "id" in m:
                    with self._cond:
                        self._answers[m["id"]] = m
                        self._cond.notify_all()
                else:
                    if m.get("method") == "Page.javascriptDialogOpening":
                        self.dialogs.append(m["params"].get("message"))
                    self._events.put(m)

    def call(self, method, params=None, session=None):
        with self._lock:
            self._next_id += 1
            mid = self._next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        with self._cond:
            while mid not in self._answers:
                if self._answers.get("closed"):
                    raise BrowserError("chromium exited during " + method)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BrowserError("no answer to %s within %.0f s" % (method, self.timeout))
                self._cond.wait(left)
            m = self._answers.pop(mid)
        if "error" in m:
            raise BrowserError("%s: %s" % (method, m["error"]))
        return m.get("result", {})

    def _wait_event(self, name):
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("no %s within %.0f s" % (name, self.timeout))
            try:
                m = self._events.get(timeout=left)
            except queue.Empty:
                continue
            if m.get("method") == name and m.get("sessionId") == self.session:
                return m

    def _drain(self):
        while True:
            try:
                self._events.get_nowait()
            except queue.Empty:
                return

    def goto(self, url):
        self._drain()
        r = self.call("Page.navigate", {"url": url}, session=self.session)
        if r.get("errorText"):
            raise BrowserError("navigate %s: %s" % (url, r["errorText"]))
        self._wait_event("Page.loadEventFired")

    def eval(self, expression):
        r = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=self.session,
        )
        if "exceptionDetails" in r:
            raise BrowserError("evaluate %r: %s" % (expression, r["exceptionDetails"]))
        return r["result"].get("value")

    def submit(self, expression):
        """Runs JS that submits a form, and waits for the next page to load."""
        self._drain()
        self.eval(expression)
        self._wait_event("Page.loadEventFired")

    def url(self):
        return self.eval("location.href")

    def screenshot(self, path):
        """Full-page PNG (height capped at 6000 px)."""
        h = int(self.eval("Math.max(document.documentElement.scrollHeight, %d)" % self.height))
        h = min(h, 6000)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": h, "deviceScaleFactor": 1, "mobile": False},
            session=self.session,
        )
        data = self.call("Page.captureScreenshot", {"format": "png"}, session=self.session)["data"]
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
            session=self.session,
        )
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.call("Browser.close")
        except BrowserError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        shutil.rmtree(self.profile, ignore_errors=True)
