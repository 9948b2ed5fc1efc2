"""A key with a high limit is counted in blocks: a process writes the database once per block, not
once per request, and yet no more requests than the limit pass in a minute, whatever the number of
processes, and each request's remaining count is its own."""

import time
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import throttling
from accounts.models import RateWindow

LIMIT = 1000  # a block of 10


def _window_start() -> float:
    # Far from a minute's end, so every request below falls in one window.
    return (int(time.time() // throttling.WINDOW_SECONDS) + 5) * throttling.WINDOW_SECONDS + 1


@pytest.mark.django_db
def test_a_process_writes_once_per_block_and_lets_exactly_the_limit_through():
    key, now = f"bulk-{uuid.uuid4().hex}", _window_start()
    size = throttling.claim_size(LIMIT)
    assert size == 10
    with CaptureQueriesContext(connection) as queries:
        states = [throttling.hit(key, LIMIT, now) for _ in range(LIMIT)]
    states += [throttling.hit(key, LIMIT, now) for _ in range(5)]
    assert [state.allowed for state in states] == [True] * LIMIT + [False] * 5
    assert [state.remaining for state in states[:LIMIT]] == list(range(LIMIT - 1, -1, -1))
    statements = [query["sql"].lstrip().upper() for query in queries.captured_queries]
    writes = [sql for sql in statements if sql.startswith(("UPDATE", "INSERT"))]
    # Opening the row, a block per `size` requests, and the last few one by one: not one per request.
    assert len(writes) <= LIMIT // size + 2 * size, len(writes)
    assert RateWindow.objects.get(key=key).count == LIMIT


@pytest.mark.django_db
def test_processes_holding_blocks_never_let_more_than_the_limit_through(monkeypatch):
    key, now = f"bulk-{uuid.uuid4().hex}", _window_start()
    processes = [{}, {}, {}]  # each process's own blocks
    allowed = 0
    for turn in range(LIMIT + 100):
        monkeypatch.setattr(throttling, "_claims", processes[turn % len(processes)])
        allowed += throttling.hit(key, LIMIT, now).allowed
    size = throttling.claim_size(LIMIT)
    # The others' unused blocks may end the minute early, never late.
    assert LIMIT - (len(processes) - 1) * size <= allowed <= LIMIT
    assert RateWindow.objects.get(key=key).count <= LIMIT


@pytest.mark.django_db
def test_a_claim_does_not_outlive_its_minute():
    key, now = f"bulk-{uuid.uuid4().hex}", _window_start()
    throttling.hit(key, LIMIT, now)
    throttling.hit(key, LIMIT, now)  # claims a block of this minute
    next_minute = throttling.hit(key, LIMIT, now + throttling.WINDOW_SECONDS)
    assert next_minute.allowed and next_minute.remaining == LIMIT - 1
    assert RateWindow.objects.get(key=key, window=int((now + throttling.WINDOW_SECONDS) // 60)).count == 1
