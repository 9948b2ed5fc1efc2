"""Database work of async views, run on the event loop's thread pool, where connections persist.

Under ASGI, Django runs each request's thread-sensitive code (``sync_to_async``'s default) in a
thread made for that request, and database connections belong to threads: every request opened
a new connection (SQLite: open, PRAGMAs and the schema read again; PostgreSQL: a new backend
process) and dropped it. The default executor's threads live as long as the worker, so their
connections are reused. A call here must be self-contained: no transaction spans two calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.db import close_old_connections

P = ParamSpec("P")
R = TypeVar("R")


async def in_pool(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``function(*args, **kwargs)`` on a pooled thread, its connection checked first as Django does
    at each request's start (dropped when broken or past CONN_MAX_AGE)."""

    def call() -> R:
        close_old_connections()
        return function(*args, **kwargs)

    return await sync_to_async(call, thread_sensitive=False)()
