"""The web server process `manage.py serve` starts: uvicorn, with Nagle's algorithm off on every connection.

With more than one worker, uvicorn binds the shared listening socket as ``socket.socket(family)``,
whose protocol number is 0, and asyncio turns TCP_NODELAY on only for sockets whose protocol is
IPPROTO_TCP, so every accepted connection kept Nagle's algorithm on. uvicorn writes a response as
two segments (headers, then body); Nagle held the body back until the client acknowledged the
headers, and the client delays that ACK by 40 ms: every answer, however quick, waited 40 ms.
The protocol classes here switch Nagle off as each connection is made.

    python -m reducer.webserver --host 127.0.0.1 --port 8000 --workers 2 --log-level info
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import socket

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol


def no_delay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        no_delay(transport)
        super().connection_made(transport)


if importlib.util.find_spec("httptools") is not None:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class NoDelayHttpToolsProtocol(HttpToolsProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            no_delay(transport)
            super().connection_made(transport)

    # httptools parses in C: about a millisecond less of CPU per request than h11.
    PROTOCOL = f"{__name__}:NoDelayHttpToolsProtocol"
else:
    PROTOCOL = f"{__name__}:NoDelayH11Protocol"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    uvicorn.run(
        "reducer.asgi:application",
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


if __name__ == "__main__":
    main()
