"""Per-key rate limits on a counter every web process shares: one count per key and minute.

With Redis configured (REDUCER_REDIS_URL) the count is a Redis key per key and window: one atomic
INCR (with its EXPIRE, in one MULTI/EXEC) counts the request and tells where the minute stands, so
no database write is made for it. Requests over the limit are counted too; they are refused all
the same, and the count goes with the window.

Otherwise it is a database row per key and window. A request is let through by one conditional
UPDATE (``count < limit``, returning the new count) on its key's row for the current minute, or by
the INSERT that opens that row; the unique (key, window) constraint makes a racing INSERT fail,
and the loser retries the UPDATE. No read-modify-write, so two processes can never both take the
last request of a minute, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from .models import RateWindow

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class RateState:
    """What a request learnt about its key's limit: for the X-RateLimit-* headers."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: int  # Unix time the current window ends

    def retry_after(self, now: float) -> int:
        return max(math.ceil(self.reset_at - now), 1)


def hit(key: str, limit: int, now: float, window_seconds: int = WINDOW_SECONDS) -> RateState:
    """Count one request of ``key`` (any stable string, e.g. the key digest) at Unix time ``now``,
    in windows of ``window_seconds``."""
    window = int(now // window_seconds)
    reset_at = (window + 1) * window_seconds
    if settings.REDUCER_REDIS_URL:
        used = _count_in_redis(key, window, reset_at - now)
        allowed = used <= limit
    else:
        allowed, used = _take(key, window, limit)
    return RateState(allowed=allowed, limit=limit, remaining=max(limit - used, 0), reset_at=reset_at)


@functools.cache
def _redis() -> redis.Redis:
    # One connection pool per process, shared by its threads.
    return redis.Redis.from_url(settings.REDUCER_REDIS_URL)


def redis_name(key: str, window: int) -> str:
    return f"reducer:rate:{key}:{window}"


def _count_in_redis(key: str, window: int, seconds_left: float) -> int:
    """The window's count with this request in it. The key outlives its window by a minute, so a
    clock a little behind another machine's still finds it."""
    with _redis().pipeline(transaction=True) as pipeline:
        name = redis_name(key, window)
        pipeline.incr(name)
        pipeline.expire(name, math.ceil(seconds_left) + WINDOW_SECONDS)
        count, _ = pipeline.execute()
    return count


def _take(key: str, window: int, limit: int) -> tuple[bool, int]:
    """Whether the request is let through, and the window's count after it."""
    counted = _count_in_room(key, window, limit)
    if counted is not None:
        return True, counted
    rows = RateWindow.objects.filter(key=key, window=window)
    allowed = _open_or_count_again(rows, key, window, limit)
    return allowed, rows.values_list("count", flat=True).first() or 0


def _count_in_room(key: str, window: int, limit: int) -> int | None:
    """The window's new count if its row exists and has room, else None: one UPDATE ... RETURNING,
    in plain SQL (through the ORM, an UPDATE and then a SELECT cost several times the CPU)."""
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_IN_ROOM, [key, window, limit])
        row = cursor.fetchone()
    return row[0] if row else None


def _count_in_room_sql() -> str:
    quote = connection.ops.quote_name
    key, window, count = (quote(RateWindow._meta.get_field(name).column) for name in ("key", "window", "count"))
    return (
        f"UPDATE {quote(RateWindow._meta.db_table)} SET {count} = {count} + 1"
        f" WHERE {key} = %s AND {window} = %s AND {count} < %s RETURNING {count}"
    )


_COUNT_IN_ROOM = _count_in_room_sql()


def _open_or_count_again(rows, key: str, window: int, limit: int) -> bool:
    """No room found: the window's row is missing (a new minute) or full."""
    if rows.exists():
        # The row may have been opened by a concurrent request after the UPDATE above found
        # none: count on it again rather than refusing a request of a minute barely begun.
        return bool(rows.filter(count__lt=limit).update(count=F("count") + 1))
    try:
        with transaction.atomic():
            RateWindow.objects.create(key=key, window=window, count=1)
    except IntegrityError:  # another process opened the window first
        return bool(rows.filter(count__lt=limit).update(count=F("count") + 1))
    # A new minute for this key: its older windows are of no further use.
    RateWindow.objects.filter(key=key, window__lt=window).delete()
    return limit >= 1
