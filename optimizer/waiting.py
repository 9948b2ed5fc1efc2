"""Waiting for items without holding a thread: async polls of the item table.

Under ASGI an awaiting request costs a coroutine, not a worker thread, so hundreds of clients
can wait on their items while a quick status call is still answered at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

from .models import Item

PENDING = (Item.Status.QUEUED, Item.Status.RUNNING)
# Start brisk (most small items finish within a second), then back off to spare the database.
FIRST_INTERVAL = 0.1
MAX_INTERVAL = 1.0


async def wait_until_settled(item_ids: Iterable, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for every item to be done or failed; True if they are."""
    ids = list(item_ids)
    deadline = time.monotonic() + max(timeout, 0)
    interval = FIRST_INTERVAL
    while True:
        if not await Item.objects.filter(pk__in=ids, status__in=PENDING).aexists():
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        await asyncio.sleep(min(interval, remaining))
        interval = min(interval * 1.5, MAX_INTERVAL)
