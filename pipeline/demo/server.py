"""A local HTTP server for tests, with named misbehaviours.

Routes are keyed by (host, path-with-query); the host comes from the Host header, so one
server on 127.0.0.1 plays every site (the crawl reaches it through --connect-to).  A
route is a `Reply`, or a callable taking the `Seen` request and returning a Reply.

Misbehaviours (Reply.mode):
    slow        wait `delay` seconds before answering
    drip        send the body a byte at a time, `delay` seconds apart
    reset       close the connection abruptly (TCP RST) without answering
    truncated   announce a Content-Length, send half, close
    gzip        send the body gzip-compressed (Content-Encoding: gzip)
Status-based ones are plain replies: 429 with Retry-After, 500/503, redirects (Location),
an empty 200, a block page.  `Flaky(n, bad, good)` answers `bad` n times, then `good`.
Every request is recorded in `server.seen` (host, method, path, headers, body, time).
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "text/html; charset=utf-8"
    mode: str = ""
    delay: float = 0.0

    def payload(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


@dataclass
class Seen:
    host: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


class Flaky:
    """Answer `bad` the first `times` requests, then `good`."""

    def __init__(self, times: int, bad: Reply, good: Reply) -> None:
        self.left = times
        self.bad, self.good = bad, good
        self.lock = threading.Lock()

    def __call__(self, seen: Seen) -> Reply:
        with self.lock:
            if self.left > 0:
                self.left -= 1
                return self.bad
        return self.good


Route = Reply | Callable[[Seen], Reply]


class TestServer:
    __test__ = False  # not a pytest class

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self.fallbacks: list[Callable[[Seen], Reply | None]] = []
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out in two writes: with Nagle's algorithm on, the body
            # of every response on a kept-alive connection waited for the client's
            # delayed ACK of the headers (40 ms on Linux)
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server._handle(self)

            do_POST = do_GET
            do_HEAD = do_GET

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        # serve_forever looks for a shutdown request every poll_interval (0.5 s by
        # default); stop() waits for that, so a short one makes stopping prompt
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def connect_to(self) -> str:
        return f"*={self.origin}"

    def start(self) -> TestServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def route(self, host: str, path: str, reply: Route) -> None:
        self.routes[(host, path)] = reply

    def requests(self, host: str | None = None, path: str | None = None) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if (host is None or s.host == host)
                    and (path is None or s.path == path)]

    def clear(self) -> None:
        with self.lock:
            self.seen.clear()

    # ------------------------------------------------------------------------ serving

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        host = (handler.headers.get("Host") or "").split(":")[0].lower()
        seen = Seen(host, handler.command, handler.path, dict(handler.headers.items()), body,
                    time.monotonic())
        with self.lock:
            self.seen.append(seen)
        reply = self._reply_for(seen)
        self._send(handler, reply)

    def _reply_for(self, seen: Seen) -> Reply:
        route = self.routes.get((seen.host, seen.path)) or self.routes.get(("*", seen.path))
        if route is None:
            for fallback in self.fallbacks:
                reply = fallback(seen)
                if reply is not None:
                    return reply
            if seen.path == "/robots.txt":
                return Reply(404, "no robots here", content_type="text/plain")
            return Reply(404, "<html><body>not found</body></html>")
        return route(seen) if callable(route) else route

    def _send(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        payload = reply.payload()
        if reply.mode == "slow":
            time.sleep(reply.delay)
        if reply.mode == "reset":
            sock = handler.connection
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.close_connection = True
            sock.close()
            return
        headers = dict(reply.headers)
        if reply.mode == "gzip":
            payload = gzip.compress(payload)
            headers["Content-Encoding"] = "gzip"
        if reply.content_type:
            headers.setdefault("Content-Type", reply.content_type)
        handler.send_response(reply.status)
        for name, value in headers.items():
            handler.send_header(name, value)
        if reply.mode == "truncated":
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload[: len(payload) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            return
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        if handler.command == "HEAD":
            return
        try:
            if reply.mode == "drip":
                for i in range(len(payload)):
                    handler.wfile.write(payload[i:i + 1])
                    handler.wfile.flush()
                    time.sleep(reply.delay)
            else:
                handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True
