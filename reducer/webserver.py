"""The web server process `manage.py serve` starts: uvicorn, tuned for many small requests.

With more than one worker, uvicorn binds the shared listening socket as ``socket.socket(family)``,
whose protocol number is 0, and asyncio turns TCP_NODELAY on only for sockets whose protocol is
IPPROTO_TCP, so every accepted connection kept Nagle's algorithm on. uvicorn writes a response as
two segments (headers, then body); Nagle held the body back until the client acknowledged the
headers, and the client delays that ACK by 40 ms: every answer, however quick, waited 40 ms.
The protocol classes here switch Nagle off as each connection is made.

uvicorn's httptools protocol also writes every response header name in lower case. HTTP says case
does not matter, but some clients look headers up by their usual spelling: the official Tinify Ruby
client reads ``headers["Location"]`` from a case-keeping hash, so it found no output to fetch. Its
response heads are written with each header name in canonical case (``Content-Type``,
``Compression-Count``), as the h11 protocol already writes Django's own spelling.

The workers also shared that one listening socket, and a worker's event loop accepts every
connection waiting when it wakes: a burst of new clients went mostly to one worker (42 of 50),
whose one core then served them while the other worker idled. Here each worker listens on a socket
of its own on the same port (SO_REUSEPORT), and the kernel spreads new connections evenly.

    python -m reducer.webserver --host 127.0.0.1 --port 8000 --workers 2 --log-level info
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import socket

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.supervisors import Multiprocess


def no_delay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        no_delay(transport)
        super().connection_made(transport)


def canonical_head(head: bytes) -> bytes:
    """A response head (status line and headers) with each header name in canonical case."""
    status, *lines = head.split(b"\r\n")
    named = []
    for line in lines:
        name, colon, value = line.partition(b":")
        named.append(b"-".join(part.capitalize() for part in name.split(b"-")) + colon + value if colon else line)
    return b"\r\n".join([status, *named])


class CanonicalHead:
    """One response's transport: its head, the first write that is not an interim "100 Continue",
    is written through ``canonical_head``; everything else passes as it is."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._head_written = False

    def write(self, data: bytes) -> None:
        if not self._head_written and data.startswith(b"HTTP/1."):
            self._head_written = data[9:12] != b"100"
            data = canonical_head(data)
        self._transport.write(data)

    def __getattr__(self, name: str):
        return getattr(self._transport, name)


if importlib.util.find_spec("httptools") is not None:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class NoDelayHttpToolsProtocol(HttpToolsProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            no_delay(transport)
            super().connection_made(transport)

        def on_headers_complete(self) -> None:
            # The request's cycle (which writes its response) is made here; an upgrade makes none.
            earlier = self.cycle
            super().on_headers_complete()
            if self.cycle is not None and self.cycle is not earlier:
                self.cycle.transport = CanonicalHead(self.cycle.transport)

    # httptools parses in C: about a millisecond less of CPU per request than h11.
    PROTOCOL = f"{__name__}:NoDelayHttpToolsProtocol"
else:
    PROTOCOL = f"{__name__}:NoDelayH11Protocol"


APPLICATION = "reducer.asgi:application"


class WorkerSocket(socket.socket):
    """A TCP address every worker process listens on with a socket of its own (SO_REUSEPORT).

    The supervisor holds one, bound and never listening, to keep the port; handed to a worker
    process (pickled, as uvicorn hands its sockets over), it arrives as that worker's own new
    socket on the same address, so a restarted worker gets one too.
    """

    @classmethod
    def bound(cls, host: str, port: int) -> WorkerSocket:
        sock = cls(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.set_inheritable(True)
        return sock

    def __reduce__(self):
        host, port = self.getsockname()[:2]
        return WorkerSocket.bound, (host, port)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    options = dict(
        host=args.host,
        port=args.port,
        workers=args.workers,
        http=PROTOCOL,
        log_level=args.log_level,
        # Pollers re-POST every second or two: a connection kept that long saves a handshake per poll.
        timeout_keep_alive=30,
        timeout_graceful_shutdown=5,
        lifespan="off",  # Django has no lifespan handler
    )
    if args.workers > 1 and hasattr(socket, "SO_REUSEPORT"):
        config = uvicorn.Config(APPLICATION, **options)
        Multiprocess(config, sockets=[WorkerSocket.bound(args.host, args.port)]).run()
    else:
        uvicorn.run(APPLICATION, **options)


if __name__ == "__main__":
    main()
