"""The per-key counter never refuses a request of a minute that has room: not when the minute's row
is opened by a concurrent request between a request's UPDATE and its look for the row, not when
many first requests of a new key arrive at once, and not at a minute boundary. The concurrent cases
run on the database counter and, in the scale-out pass (REDUCER_REDIS_URL set), on Redis's."""

import math
import threading
import time
import uuid

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.db.models.query import QuerySet

from accounts import throttling
from accounts.models import RateWindow

LIMIT = 60
CLIENTS = 20


def test_a_row_opened_by_a_concurrent_request_is_counted_on(db, monkeypatch):
    # The losing interleaving, made deterministic: the UPDATE finds no row, then another request
    # opens the minute before this one looks for it.
    exists = QuerySet.exists
    opened = []

    def opened_meanwhile(queryset) -> bool:
        if queryset.model is RateWindow and not opened:
            opened.append(RateWindow.objects.create(key="k", window=100, count=1))
        return exists(queryset)

    monkeypatch.setattr(QuerySet, "exists", opened_meanwhile)
    assert throttling._take("k", 100, LIMIT)
    assert opened and RateWindow.objects.get(key="k", window=100).count == 2


def _hit_at_once(key: str, now: float) -> list[throttling.RateState]:
    start = threading.Barrier(CLIENTS)
    states: list[throttling.RateState] = []
    errors: list[BaseException] = []

    def client() -> None:
        try:
            start.wait()
            states.append(throttling.hit(key, LIMIT, now))
        except BaseException as error:  # reported below: a thread's exception would be lost
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return states


def _new_key() -> str:
    # Redis keeps a count for a minute past its window: every run counts on keys of its own.
    return f"race-{uuid.uuid4().hex}"


@pytest.mark.backends
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_requests_of_a_new_key_are_all_let_through():
    key, now = _new_key(), time.time()
    states = _hit_at_once(key, now)
    assert all(state.allowed for state in states), [state.remaining for state in states]
    assert throttling.hit(key, LIMIT, now).remaining == LIMIT - CLIENTS - 1  # each was counted once


@pytest.mark.backends
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_at_a_minute_boundary_are_all_let_through():
    key = _new_key()
    boundary = math.ceil(time.time() / throttling.WINDOW_SECONDS) * throttling.WINDOW_SECONDS
    last_minute = [throttling.hit(key, LIMIT, boundary - 0.5) for _ in range(LIMIT + 1)]
    assert [state.allowed for state in last_minute] == [True] * LIMIT + [False]  # the last minute is used up
    states = _hit_at_once(key, boundary + 0.001)
    assert all(state.allowed for state in states)
    assert throttling.hit(key, LIMIT, boundary + 1).remaining == LIMIT - CLIENTS - 1


@pytest.mark.backends
def test_with_redis_the_count_is_kept_there_and_goes_with_its_window(db):
    if not settings.REDUCER_REDIS_URL:
        pytest.skip("counted in Redis only with REDUCER_REDIS_URL set: runs in bin/test's scale-out pass")
    key, now = _new_key(), time.time()
    states = [throttling.hit(key, 3, now) for _ in range(4)]
    assert [(state.allowed, state.remaining) for state in states] == [(True, 2), (True, 1), (True, 0), (False, 0)]
    assert not RateWindow.objects.exists()  # no database write per request
    stored = redis.Redis.from_url(settings.REDUCER_REDIS_URL)
    name = throttling.redis_name(key, int(now // throttling.WINDOW_SECONDS))
    assert int(stored.get(name)) == 4
    assert throttling.WINDOW_SECONDS < stored.ttl(name) <= 2 * throttling.WINDOW_SECONDS
