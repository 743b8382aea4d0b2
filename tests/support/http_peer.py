#!/usr/bin/env python3
"""A small HTTP/1.1 peer for client tests (tests/support/http_peer.h starts it).

Binds 127.0.0.1 on a kernel-chosen port and prints "listening on 127.0.0.1:PORT" as its first stdout line.
Keep-alive is on (HTTP/1.1 with Content-Length), one thread per connection, so connection reuse is visible:
every response names the TCP connection it came over.

  ANY /echo[...]        200, JSON {method, path, query, headers (names lower-cased), body, client_port, connection}
  ANY /status/<code>    that status, JSON {"status": code}; the rest like /echo
  ANY /delay/<ms>       sleeps <ms> milliseconds, then like /echo
  GET /stats            JSON {"connections": accepted TCP connections so far}
  anything else         404 JSON

Every response carries X-Peer-Connection (connection number) and X-Peer-Client-Port.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_lock = threading.Lock()
_connections = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: needed to observe connection reuse
    server_version = "aaiti-http-peer/1"

    def setup(self):
        global _connections
        super().setup()
        with _lock:
            _connections += 1
            self.connection_number = _connections

    def log_message(self, fmt, *args):  # to stderr (a file under the test's ChildProcess), one line each
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reply(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Peer-Connection", str(self.connection_number))
        self.send_header("X-Peer-Client-Port", str(self.client_address[1]))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self):
        url = urlsplit(self.path)
        body = self._read_body()
        echo = {
            "method": self.command,
            "path": url.path,
            "query": url.query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
            "client_port": self.client_address[1],
            "connection": self.connection_number,
        }
        parts = url.path.strip("/").split("/")
        if parts[0] == "echo":
            self._reply(200, echo)
        elif parts[0] == "status" and len(parts) == 2 and parts[1].isdigit():
            echo["status"] = int(parts[1])
            self._reply(int(parts[1]), echo)
        elif parts[0] == "delay" and len(parts) == 2 and parts[1].isdigit():
            time.sleep(int(parts[1]) / 1000.0)
            self._reply(200, echo)
        elif parts[0] == "stats":
            with _lock:
                self._reply(200, {"connections": _connections})
        else:
            self._reply(404, {"error": "no route " + url.path})

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle


class Server(ThreadingHTTPServer):
    daemon_threads = True  # a delayed handler must not keep the process alive at shutdown
    allow_reuse_address = True


def main():
    server = Server(("127.0.0.1", 0), Handler)
    print("listening on 127.0.0.1:%d" % server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
