"""A poll of done items costs a fixed number of queries, whatever the number of URLs it names, and
writes nothing but its rate-limit count (in the database when Redis does not keep it)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from reducer.shortpixel import fast, views
from tests.shortpixel.done_items import finish_all


def _poll_request(key: str, urls: list[str]):
    body = {"key": key, "urllist": urls, "plugin_version": "test"}
    return RequestFactory().post("/v2/reducer.php", data=json.dumps(body), content_type="application/json")


def _poll_queries(key: str, urls: list[str]) -> tuple[list, list[dict]]:
    """The queries of one poll's database part (the sync half of the view), and its answer."""
    with CaptureQueriesContext(connection) as queries:
        _, _, answer = views._prepare_and_answer(views._prepare_urls, _poll_request(key, urls))
    return queries.captured_queries, answer


@pytest.mark.django_db(transaction=True)
def test_a_done_poll_costs_the_same_queries_for_1_and_10_urls(make_account):
    account, key = make_account(monthly_quota=100)
    urls = [f"https://images.example.com/poll-{n}.jpg" for n in range(10)]
    views._prepare_urls(_poll_request(key, urls))  # the first POST creates the items
    finish_all(account)

    one, answer_one = _poll_queries(key, urls[:1])
    ten, answer_ten = _poll_queries(key, urls)

    assert [result["Status"]["Code"] for result in answer_ten] == ["2"] * 10
    assert answer_one[0]["LossySize"] == "1000"
    assert len(ten) == len(one), "a per-URL query is back:\n" + "\n".join(q["sql"] for q in ten)


@pytest.mark.django_db(transaction=True)
def test_a_done_poll_writes_only_its_rate_limit_count(make_account):
    """No write transaction and no API-key bookkeeping: on SQLite each would take the database's
    one write lock, and concurrent polls would queue on it."""
    account, key = make_account(monthly_quota=100)
    urls = [f"https://images.example.com/poll-{n}.jpg" for n in range(3)]
    views._prepare_urls(_poll_request(key, urls))
    finish_all(account)
    _poll_queries(key, urls)  # the key's use was recorded a moment ago: the next polls leave it be

    queries, answer = _poll_queries(key, urls)

    assert [result["Status"]["Code"] for result in answer] == ["2"] * 3
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    # With Redis configured the rate limit is counted there, and the poll writes nothing at all.
    assert len(writes) <= 1 and all("accounts_ratewindow" in sql for sql in writes), "\n".join(writes)


def _answered_in_front(key: str, urls: list[str]) -> tuple[list, list[dict] | None]:
    """The queries of the database part of a poll answered in front of Django, and its results."""
    wanted = fast._wanted({"key": key, "urllist": urls, "plugin_version": "test"})
    with CaptureQueriesContext(connection) as queries:
        results = fast._results(key, wanted)
    return queries.captured_queries, results


@pytest.mark.django_db(transaction=True)
def test_a_done_poll_answered_in_front_of_django_reads_only_the_items_states(make_account, settings):
    """No key, account, domain or file queries: the key's grant and the done answers are kept.
    What is left is one read of the items' states and the rate-limit count."""
    settings.REDUCER_KEY_CACHE_SECONDS = 60
    account, key = make_account(monthly_quota=100)
    urls = [f"https://images.example.com/fast-{n}.jpg" for n in range(10)]
    views._prepare_urls(_poll_request(key, urls))
    finish_all(account)
    _poll_queries(key, urls)  # the view renders the done answers and keeps them
    _answered_in_front(key, urls)  # the key's grant is read and kept

    one, results_one = _answered_in_front(key, urls[:1])
    ten, results_ten = _answered_in_front(key, urls)

    assert [result["Status"]["Code"] for result in results_ten] == ["2"] * 10
    assert results_one[0]["LossySize"] == "1000"
    assert len(ten) == len(one), "a per-URL query is back:\n" + "\n".join(q["sql"] for q in ten)
    others = [q["sql"] for q in ten if "optimizer_item" not in q["sql"] and "accounts_ratewindow" not in q["sql"]]
    assert not others, "\n".join(others)
