"""The per-key counter never refuses a request of a minute that has room: not when the minute's row
is opened by a concurrent request between a request's UPDATE and its look for the row, not when
many first requests of a new key arrive at once, and not at a minute boundary."""

import threading

import pytest
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


@pytest.mark.backends
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_requests_of_a_new_key_are_all_let_through():
    states = _hit_at_once("new-key", 6_000_000.0)
    assert all(state.allowed for state in states), [state.remaining for state in states]
    assert RateWindow.objects.get(key="new-key").count == CLIENTS


@pytest.mark.backends
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_at_a_minute_boundary_are_all_let_through():
    window = 100_000
    RateWindow.objects.create(key="busy", window=window, count=LIMIT)  # the last minute was used up
    states = _hit_at_once("busy", (window + 1) * throttling.WINDOW_SECONDS + 0.001)
    assert all(state.allowed for state in states)
    assert RateWindow.objects.get(key="busy", window=window + 1).count == CLIENTS
