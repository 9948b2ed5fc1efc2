"""The layer that answers polls of done work in front of Django (reducer.front), run in front of the
real Django application and called as uvicorn calls it; the application behind it is counted, to
tell which of the two answered."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from django.db import connections

from reducer.asgi import django_application
from reducer.front import AnsweredInFront, Route


class InFront:
    def __init__(self, routes: list[Route]) -> None:
        self.reached_django = 0
        # One loop with one pooled thread for the test, so that its database connection can be closed.
        self.loop = asyncio.new_event_loop()
        self.loop.set_default_executor(ThreadPoolExecutor(1))

        async def django(scope, receive, send) -> None:
            self.reached_django += 1
            await django_application(scope, receive, send)

        self.layer = AnsweredInFront(django, routes)

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None, query: str = ""
    ) -> tuple[int, dict[str, str], bytes]:
        """One request: the answer's status, headers (names in lower case) and body."""
        return self.loop.run_until_complete(self._request(method, path, body, headers or {}, query))

    def send(self, *args, **kwargs):
        """A request in the test's own terms (a subclass's); here, as ``request`` takes it."""
        return self.request(*args, **kwargs)

    def answered_here(self, *args, **kwargs):
        before = self.reached_django
        answer = self.send(*args, **kwargs)
        assert self.reached_django == before, "Django answered a request the layer should have"
        return answer

    def answered_by_django(self, *args, **kwargs):
        before = self.reached_django
        answer = self.send(*args, **kwargs)
        assert self.reached_django == before + 1, "the layer answered a request that is the view's"
        return answer

    def close(self) -> None:
        self.loop.run_until_complete(self.loop.run_in_executor(None, connections.close_all))
        self.loop.close()

    async def _request(
        self, method: str, path: str, body: bytes, headers: dict[str, str], query: str
    ) -> tuple[int, dict[str, str], bytes]:
        raw_headers = [(b"host", b"testserver")] + [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        if body:
            raw_headers.append((b"content-length", str(len(body)).encode()))
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
            "headers": raw_headers, "client": ("127.0.0.1", 40000), "server": ("testserver", 80),
        }  # fmt: skip
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        sent = []

        async def receive():
            if messages:
                return messages.pop(0)
            await asyncio.sleep(3600)  # the client stays until answered

        async def send(message) -> None:
            sent.append(message)

        await self.layer(scope, receive, send)
        start, answer = sent[0], b"".join(message.get("body", b"") for message in sent[1:])
        return start["status"], {name.decode().lower(): value.decode() for name, value in start["headers"]}, answer
