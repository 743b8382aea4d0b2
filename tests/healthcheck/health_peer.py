#!/usr/bin/env python3
"""A target you can make fail, slow and recover, and a webhook receiver, for the health tests.

Binds 127.0.0.1 on a kernel-chosen port; prints "listening on 127.0.0.1:PORT" as its first stdout line.

  POST /_control         JSON {"status": 500, "delay_ms": 0, "body": "...", "hook_status": 200}: what
                         every later probe (and hook) gets; missing keys keep their value
  GET  /_received        JSON list of {"path", "body"} of every POST to /hook/... so far
  POST /hook/<anything>  recorded, answered with hook_status (default 200)
  anything else          after delay_ms, status with body (default 200, {"status":"ok"})
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_lock = threading.Lock()
_settings = {"status": 200, "delay_ms": 0, "body": '{"status":"ok"}', "hook_status": 200}
_received = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection: probes open a fresh one anyway

    def log_message(self, fmt, *args):
        sys.stderr.write("%s\n" % (fmt % args))

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reply(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_received":
            with _lock:
                return self._reply(200, json.dumps(_received))
        with _lock:
            status, delay, body = _settings["status"], _settings["delay_ms"], _settings["body"]
        if delay:
            time.sleep(delay / 1000.0)
        self._reply(status, body)

    def do_POST(self):
        body = self._body()
        if self.path == "/_control":
            with _lock:
                _settings.update(json.loads(body or b"{}"))
            return self._reply(200, "{}")
        if self.path.startswith("/hook/"):
            with _lock:
                _received.append({"path": self.path, "body": body.decode("utf-8", "replace")})
                status = _settings["hook_status"]
            return self._reply(status, "{}")
        self.do_GET()


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("listening on 127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
