"""A small web server on loopback for `kz-brief import` of URLs: real HTTP, no internet.

Each route is a function that answers one request through the handler; helpers build the
usual ones (a page, a redirect, a silent or slow server). Handlers that wait do so for a
bounded time, and the server's threads are daemons, so a test never hangs on shutdown.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = Callable[[BaseHTTPRequestHandler], None]


def page(body: bytes, content_type: str = "text/html; charset=utf-8", status: int = 200) -> Route:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def redirect(location: str, status: int = 302) -> Route:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


def chunked(piece: bytes, count: int, content_type: str = "text/html", pause: float = 0.0) -> Route:
    """A body of `count` pieces with no Content-Length (chunked), `pause` s between them."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        try:
            for _ in range(count):
                handler.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                handler.wfile.flush()
                time.sleep(pause)
            handler.wfile.write(b"0\r\n\r\n")
        except OSError:  # the client gave up, as it should
            pass

    return answer


def silent(seconds: float) -> Route:
    """Accept the request and say nothing for `seconds`."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)

    return answer


class FakeWeb:
    """Routes by path; `url(path)` is the address to fetch; `requests` lists paths asked."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        web = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (the http.server name)
                web.requests.append(self.path)
                route = web.routes.get(self.path.split("?")[0])
                if route is None:
                    page(b"not found", "text/plain", 404)(self)
                else:
                    route(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


def closed_port_url(path: str = "/") -> str:
    """An address on loopback where nothing listens (a port just freed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


@contextmanager
def running_web() -> Iterator[FakeWeb]:
    web = FakeWeb()
    web.thread.start()
    try:
        yield web
    finally:
        web.server.shutdown()
        web.server.server_close()
