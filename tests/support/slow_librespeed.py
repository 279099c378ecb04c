#!/usr/bin/python3
"""A deliberately slow LibreSpeed-compatible server for tests that must interrupt a test in
the middle of a direction: GET /garbage is paced at RATE bytes/s per connection, POST /empty
reads its body at the same pace, GET /getIP and GET /empty (the ping) answer at once. Prints
"listening PORT" once bound to 127.0.0.1:0. Bounded: a request ends after 60 s; the process after LIFETIME s.
Usage: slow_librespeed.py [RATE_BYTES_PER_S] [LIFETIME_S]"""
import http.server
import json
import socketserver
import sys
import threading
import time

RATE = int(sys.argv[1]) if len(sys.argv) > 1 else 2_000_000
LIFETIME = int(sys.argv[2]) if len(sys.argv) > 2 else 120
CHUNK = 16384


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/getIP"):
            body = json.dumps({"processedString": "127.0.0.1", "rawIspInfo": ""}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path.startswith("/empty"):  # LibreSpeed's pingURL (empty.php)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if not self.path.startswith("/garbage"):
            self.send_error(404)
            return
        total = 64 * CHUNK * 1024  # 1 GiB: the client stops long before
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(total))
        self.end_headers()
        chunk = bytes(range(256)) * (CHUNK // 256)
        start = time.monotonic()
        sent = 0
        try:
            while sent < total and time.monotonic() - start < 60:
                self.wfile.write(chunk)
                sent += CHUNK
                ahead = sent / RATE - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_POST(self):
        left = int(self.headers.get("Content-Length", "0"))
        start = time.monotonic()
        got = 0
        try:
            while left > 0 and time.monotonic() - start < 60:
                data = self.rfile.read(min(CHUNK, left))
                if not data:
                    return
                left -= len(data)
                got += len(data)
                ahead = got / RATE - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
        except (BrokenPipeError, ConnectionResetError):
            return
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
print("listening", srv.server_address[1], flush=True)
threading.Timer(LIFETIME, srv.shutdown).start()
srv.serve_forever()
