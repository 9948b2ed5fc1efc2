"""A uvicorn of a test's own, for tests that need settings or logging the shared ``web`` server
does not have, and a raw HTTP/1.1 client that can send headers promising more than it sends."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass

import requests

from tests.conftest import ServiceProcess, free_port, wait_for


class OwnWebServer(ServiceProcess):
    """reducer under uvicorn on 127.0.0.1 with ``env`` on top of the test environment."""

    def __init__(self, name: str, log_level: str = "warning", **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = ["uvicorn", "reducer.asgi:application", "--host", "127.0.0.1", "--port", str(self.port)]
        super().__init__(name, [*command, "--log-level", log_level], REDUCER_PUBLIC_URL=self.url, **env)
        wait_for(self._healthy, timeout=30, interval=0.1, message=f"{name} did not start")

    def _healthy(self) -> bool:
        try:
            return requests.get(f"{self.url}/healthz", timeout=5).status_code == 200
        except requests.ConnectionError:
            return False


@dataclass
class RawAnswer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float  # from the first byte sent to the end of the answer


def raw_exchange(port: int, head: str, body_parts: Iterable[bytes] = (), timeout: float = 10) -> RawAnswer:
    """Send ``head`` (request line and headers, no blank line) and the body parts, then read the
    answer until the server closes the connection. Nothing more is sent: a server that waits for
    the rest of a promised body never answers, and the read times out."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(head.encode() + b"\r\n\r\n")
        try:
            for part in body_parts:
                connection.sendall(part)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered and closed while the body was still coming: read what was said
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    raw_head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = raw_head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    return RawAnswer(int(status_line.split()[1]), headers, body, time.monotonic() - started)


def chunked(total: int, size: int = 64 * 1024) -> Iterable[bytes]:
    """``total`` bytes as HTTP/1.1 chunks, without the closing zero-length chunk."""
    sent = 0
    while sent < total:
        part = b"x" * min(size, total - sent)
        sent += len(part)
        yield b"%x\r\n" % len(part) + part + b"\r\n"
