"""Hot reads answered in front of Django: polls of done work.

Clients poll until their work is done, and again later; most requests to a busy service are such
polls. Through Django's request handling, middleware and view, one costs several milliseconds of
CPU, so two cores answer a few hundred a second. This ASGI layer hands each request of a route it
knows to that route's answerer (each face declares its own: reducer.shortpixel.fast,
reducer.v1.fast), which answers when everything it needs is at hand and returns None otherwise;
the request then goes to Django, its body replayed. An answerer answers what the view would: the
same bytes (rendered by the view's own code), sent with the headers of the view's last 200 answer
on that route plus the answerer's own. Until the view has answered once, Django answers everything.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from reducer import request_log
from reducer.request_guard import ASGIApp, Message, Receive, Scope, Send

# A larger body goes to Django: polls are small (100 URLs of 200 characters stay below this).
MOST_BODY_BYTES = 32 * 1024


@dataclass(frozen=True)
class Answer:
    body: bytes
    headers: dict[bytes, bytes] = field(default_factory=dict)  # lower-case names, over the view's
    account_id: int | None = None  # for the request log


@dataclass(frozen=True)
class Route:
    """Requests one answerer may answer, and what metrics and logs call them (the view's route)."""

    method: str
    matches: Callable[[str], bool]  # the path
    endpoint: str
    answer: Callable[[Scope, bytes], Awaitable[Answer | None]]  # given the request and its body


class AnsweredInFront:
    def __init__(self, app: ASGIApp, routes: Sequence[Route]) -> None:
        self.app = app
        self.routes = routes
        # Per route, the view's answer headers (what Django's middleware adds), from its last answer.
        self.headers: dict[str, list[tuple[bytes, bytes]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self._route(scope)
        if route is None:
            await self.app(scope, receive, send)
            return
        learnt = self.headers.get(route.endpoint)
        request_headers = dict(scope["headers"])
        # A body of unknown length (chunked) goes to Django; a GET has none.
        length = request_headers.get(b"content-length", b"0" if route.method == "GET" else b"")
        if learnt is None or not length.isdigit() or int(length) > MOST_BODY_BYTES:
            await self.app(scope, receive, self._learning(route, send))
            return
        started = time.perf_counter()
        received: list[Message] = []
        body = await _whole_body(receive, received) if int(length) else b""
        answer = None if body is None else await route.answer(scope, body)
        if answer is None:
            await self.app(scope, _replaying(received, receive), self._learning(route, send))
            return
        _, token = request_log.begin(request_headers.get(b"x-request-id", b"").decode("latin-1"))
        request_id = request_log.finish(
            scope["method"], scope["path"], route.endpoint, 200, answer.account_id, started, token
        )
        own = {b"content-length": str(len(answer.body)).encode(), b"x-request-id": request_id.encode()}
        own.update(answer.headers)
        headers = [(name, own.pop(name.lower(), value)) for name, value in learnt]
        headers += list(own.items())  # the answerer's headers the view's last answer did not have
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})

    def _route(self, scope: Scope) -> Route | None:
        if scope["type"] != "http":
            return None
        for route in self.routes:
            if scope["method"] == route.method and route.matches(scope["path"]):
                return route
        return None

    def _learning(self, route: Route, send: Send) -> Send:
        async def send_and_learn(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                kept = [(name, value) for name, value in message["headers"] if name.lower() != b"set-cookie"]
                self.headers[route.endpoint] = kept
            await send(message)

        return send_and_learn


async def _whole_body(receive: Receive, received: list[Message]) -> bytes | None:
    """The request body, every message kept in ``received``; None if the client left first."""
    parts = []
    while True:
        message = await receive()
        received.append(message)
        if message["type"] != "http.request":
            return None
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts)


def _replaying(received: list[Message], receive: Receive) -> Receive:
    pending = list(received)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay
