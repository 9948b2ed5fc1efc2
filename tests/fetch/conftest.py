"""A real origin server on loopback, an injectable DNS, and a policy that allows loopback."""

from __future__ import annotations

import base64
import gzip
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from optimizer.fetch import FetchPolicy

LOOPBACK = FetchPolicy(allow_cidrs=("127.0.0.0/8",), deadline_seconds=5)
CREDENTIALS = ("alice", "s3cret")
BOMB_INFLATED = 64 * 1024 * 1024


def pattern(n: int) -> bytes:
    return bytes(i % 251 for i in range(n))


def _bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)  # gzip framing
    zeros = bytes(1024 * 1024)
    return b"".join(packer.compress(zeros) for _ in range(BOMB_INFLATED // len(zeros))) + packer.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: OriginServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.close_connection = True
        self.server.log.append((self.path, dict(self.headers)))
        parts = urlsplit(self.path)
        name, _, arg = parts.path.strip("/").partition("/")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        getattr(self, "route_" + name.replace("-", "_"), self.route_missing)(arg, query)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.posts.append((self.path, dict(self.headers), body))
        self.do_GET()

    def send(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        headers.setdefault("Content-Type", "image/png")
        headers.setdefault("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def route_missing(self, arg: str, query: dict[str, str]) -> None:
        self.send(404, b"not here", Content_Type="text/plain")

    def route_bytes(self, arg: str, query: dict[str, str]) -> None:
        self.send(200, pattern(int(arg)), Content_Type="image/png; charset=binary")

    def route_status(self, arg: str, query: dict[str, str]) -> None:
        self.send(int(arg), b"error page", Content_Type="text/html")

    def route_redirect(self, arg: str, query: dict[str, str]) -> None:
        self.send(int(query.get("code", "302")), b"", Location=query["to"])

    def route_chain(self, arg: str, query: dict[str, str]) -> None:
        left = int(arg)
        if left:
            self.send(301, b"", Location=f"/chain/{left - 1}")  # relative: resolved by the client
        else:
            self.send(200, b"end of chain")

    def route_loop(self, arg: str, query: dict[str, str]) -> None:
        self.send(302, b"", Location="/loop")

    def route_drip(self, arg: str, query: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        for _ in range(100):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(0.2)

    def route_drip_headers(self, arg: str, query: dict[str, str]) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        for _ in range(100):
            self.wfile.write(b"a")
            self.wfile.flush()
            time.sleep(0.2)

    def route_stream(self, arg: str, query: dict[str, str]) -> None:
        self.send_response(200)  # no Content-Length: the body ends when the connection closes
        self.end_headers()
        self.wfile.write(pattern(int(arg)))

    def route_chunked(self, arg: str, query: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        body = pattern(int(arg))
        for start in range(0, len(body), 65536):
            piece = body[start : start + 65536]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")

    def route_huge_length(self, arg: str, query: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(10**12))
        self.end_headers()
        self.wfile.write(pattern(1000))
        self.wfile.flush()
        time.sleep(2)  # a client that starts reading would wait here

    def route_short(self, arg: str, query: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        self.wfile.write(pattern(10))

    def route_gzip(self, arg: str, query: dict[str, str]) -> None:
        self.send(200, gzip.compress(pattern(int(arg))), Content_Encoding="gzip")

    def route_deflate(self, arg: str, query: dict[str, str]) -> None:
        self.send(200, zlib.compress(pattern(int(arg))), Content_Encoding="deflate")

    def route_bomb(self, arg: str, query: dict[str, str]) -> None:
        self.send(200, self.server.bomb, Content_Encoding="gzip")

    def route_encoded(self, arg: str, query: dict[str, str]) -> None:
        self.send(200, pattern(100), Content_Encoding=query["as"])

    def route_auth(self, arg: str, query: dict[str, str]) -> None:
        token = base64.b64encode(":".join(CREDENTIALS).encode()).decode()
        if self.headers.get("Authorization") == f"Basic {token}":
            self.send(200, b"private image")
        else:
            self.send(401, b"who are you", WWW_Authenticate='Basic realm="x"')


class OriginServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str) -> None:
        super().__init__((host, 0), Handler)
        self.log: list[tuple[str, dict[str, str]]] = []
        self.posts: list[tuple[str, dict[str, str], bytes]] = []
        self.bomb = _bomb()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, path: str, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hang up on purpose in these tests (caps, deadlines)


def serve(host: str) -> Iterator[OriginServer]:
    server = OriginServer(host)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def _origin_server() -> Iterator[OriginServer]:
    yield from serve("127.0.0.1")


@pytest.fixture
def origin(_origin_server: OriginServer) -> OriginServer:
    _origin_server.log.clear()
    _origin_server.posts.clear()
    return _origin_server


class FakeDNS:
    """An injected resolver: fixed answers per name, every call recorded."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        if host not in self.answers:
            raise OSError(f"no such test host {host}")
        return self.answers[host]
