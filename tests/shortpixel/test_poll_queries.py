"""A poll of done items costs a fixed number of queries, whatever the number of URLs it names, and
writes nothing but its rate-limit count (in the database when Redis does not keep it)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from optimizer.models import Item, Variant
from reducer.shortpixel import views


def _poll_request(key: str, urls: list[str]):
    body = {"key": key, "urllist": urls, "plugin_version": "test"}
    return RequestFactory().post("/v2/reducer.php", data=json.dumps(body), content_type="application/json")


def _finish_all(account) -> None:
    """Done, with a smaller lossy file, as the worker leaves an item."""
    for item in Item.objects.filter(account=account):
        name = f"results/{account.pk}/{item.pk}/{item.generation}/lossy-original.jpg"
        Variant.objects.create(
            item=item, generation=item.generation, name="lossy-original", format="jpeg", storage_name=name,
            size=1000, width=10, height=10, smaller=True,
        )  # fmt: skip
    Item.objects.filter(account=account).update(status=Item.Status.DONE, original_size=2000, finished_at=timezone.now())


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
    _finish_all(account)

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
    _finish_all(account)
    _poll_queries(key, urls)  # the key's use was recorded a moment ago: the next polls leave it be

    queries, answer = _poll_queries(key, urls)

    assert [result["Status"]["Code"] for result in answer] == ["2"] * 3
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    # With Redis configured the rate limit is counted there, and the poll writes nothing at all.
    assert len(writes) <= 1 and all("accounts_ratewindow" in sql for sql in writes), "\n".join(writes)
