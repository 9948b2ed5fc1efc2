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

A key with a high limit (a bulk run of a large media library polls hundreds of times a second) would
make every request a database write, and on SQLite every write waits for the database's one write
lock: under load a few requests in a hundred wait out its busy sleeps. So a process claims the
requests of such a key in blocks of up to 1 % of its limit (at most CLAIM_MOST), by the same
conditional UPDATE, and lets them through one by one from memory. The total over all processes
still never exceeds the limit; a block other processes still hold when the minute runs out can make
a process refuse up to that many requests early. Limits under 200 a minute are counted one by one.
"""

from __future__ import annotations

import functools
import math
import threading
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from .models import RateWindow

WINDOW_SECONDS = 60
CLAIM_SHARE = 100  # a block is at most 1/CLAIM_SHARE of the limit
CLAIM_MOST = 64  # enough to make the writes rare; small enough to leave little unused at the end


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
        allowed, used = _take_claimed(key, window, limit)
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


@dataclass
class _Claim:
    """Requests of one key's window this process has counted in the database and not yet used."""

    window: int
    next_used: int  # the window's count the next of them is
    last_used: int
    blocks_fit: bool = True  # False once the window has no room for another block


_claims: dict[str, _Claim] = {}
_claims_lock = threading.Lock()


def claim_size(limit: int) -> int:
    """How many requests of a key with ``limit`` a minute a process counts at once."""
    return max(1, min(CLAIM_MOST, limit // CLAIM_SHARE))


def _take_claimed(key: str, window: int, limit: int) -> tuple[bool, int]:
    """Whether the request is let through, and the window's count with it: from this process's
    block of the key's window, or by claiming a new block, or (no block fits) one by one."""
    size = claim_size(limit)
    if size == 1:
        return _take(key, window, limit)
    with _claims_lock:
        claim = _claims.get(key)
        if claim is not None and claim.window == window:
            if claim.next_used <= claim.last_used:
                used, claim.next_used = claim.next_used, claim.next_used + 1
                return True, used
            blocks_fit = claim.blocks_fit
        else:
            blocks_fit = True
        if blocks_fit:
            # Claimed under the lock: two threads of a process never claim a block each at once.
            counted = _count_in_room(key, window, limit, size)
            if counted is not None:
                _claims[key] = _Claim(window, counted - size + 2, counted)
                return True, counted - size + 1
    # A new minute's first request opens its row; a nearly full minute is counted one by one.
    allowed, used = _take(key, window, limit)
    with _claims_lock:
        _claims[key] = _Claim(window, 1, 0, blocks_fit=used + size <= limit)
    return allowed, used


def _take(key: str, window: int, limit: int) -> tuple[bool, int]:
    """Whether the request is let through, and the window's count after it."""
    counted = _count_in_room(key, window, limit)
    if counted is not None:
        return True, counted
    rows = RateWindow.objects.filter(key=key, window=window)
    allowed = _open_or_count_again(rows, key, window, limit)
    return allowed, rows.values_list("count", flat=True).first() or 0


def _count_in_room(key: str, window: int, limit: int, requests: int = 1) -> int | None:
    """The window's new count if its row exists and has room for ``requests`` more, else None: one
    UPDATE ... RETURNING, in plain SQL (through the ORM, an UPDATE and then a SELECT cost several
    times the CPU)."""
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_IN_ROOM, [requests, key, window, limit - requests + 1])
        row = cursor.fetchone()
    return row[0] if row else None


def _count_in_room_sql() -> str:
    quote = connection.ops.quote_name
    key, window, count = (quote(RateWindow._meta.get_field(name).column) for name in ("key", "window", "count"))
    return (
        f"UPDATE {quote(RateWindow._meta.db_table)} SET {count} = {count} + %s"
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
