"""Polls of done items answered in front of Django (reducer.front, reducer.shortpixel.fast): the view's
bytes, only the key's own items, the rate limit counted once, a revoked key or a disabled account
refused within REDUCER_KEY_CACHE_SECONDS, and everything else left to the view.

The layer runs here in front of the real Django application, called as uvicorn calls it; the
application behind it is counted, to tell which of the two answered.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator

import pytest

from accounts import keys
from accounts.models import AllowedOrigin, ApiKey, Plan
from optimizer.models import Item
from reducer.shortpixel import fast
from tests.front import InFront
from tests.service.test_observability import sample
from tests.shortpixel.done_items import finish_all

pytestmark = pytest.mark.backends

URLS = [f"https://images.example.com/done-{n}.jpg" for n in range(4)]


class Served(InFront):
    """reducer.php polls through the layer."""

    def __init__(self) -> None:
        super().__init__([fast.ROUTE])

    def send(self, body: dict, request_id: str = "") -> tuple[dict[str, str], bytes]:
        """One POST /v2/reducer.php: the answer's headers (names in lower case) and body."""
        headers = {"content-type": "application/json", **({"x-request-id": request_id} if request_id else {})}
        status, headers, answer = self.request("POST", "/v2/reducer.php", json.dumps(body).encode(), headers)
        assert status == 200
        return headers, answer


def codes(body: bytes) -> list[str]:
    answer = json.loads(body)
    results = answer if isinstance(answer, list) else [v for k, v in answer.items() if k != "returndatalist"]
    return [result["Status"]["Code"] for result in results]


@pytest.fixture
def served(transactional_db) -> Iterator[Served]:
    layer = Served()
    yield layer
    layer.close()


@pytest.fixture
def done(make_account, served):
    """An account whose URLS are done items."""
    account, key = make_account(monthly_quota=100)
    served.answered_by_django({"key": key, "urllist": URLS})  # submitted: items made, credits reserved
    finish_all(account)
    return account, key


@pytest.mark.parametrize(
    "options",
    [
        {},
        # The WordPress plugin's shape: glossy, conversions, per-URL options, its list back.
        {"lossy": 2, "convertto": "+webp|+avif", "returndatalist": {"sizes": [1, 2]}, "paramlist": [{"resize": 0}]},
    ],
)
def test_a_done_poll_gets_the_views_answer_byte_for_byte(make_account, served, options):
    account, key = make_account(monthly_quota=100)
    body = {"key": key, "urllist": URLS, **options}
    served.answered_by_django(body)
    finish_all(account)
    by_view_headers, by_view = served.answered_by_django(body)  # renders and keeps the done answers

    headers, answer = served.answered_here(body)

    assert answer == by_view
    assert codes(answer) == ["2"] * len(URLS)
    assert headers.pop("x-request-id") != by_view_headers.pop("x-request-id")
    assert headers == by_view_headers
    assert json.loads(headers["content-length"]) == len(answer)


def test_the_clients_request_id_comes_back(done, served):
    _, key = done
    served.answered_by_django({"key": key, "urllist": URLS})
    headers, _ = served.send({"key": key, "urllist": URLS}, request_id="poll-42")
    assert headers["x-request-id"] == "poll-42"


def test_pending_items_are_answered_pending_as_the_view_does(make_account, served):
    _, key = make_account(monthly_quota=100)
    body = {"key": key, "urllist": URLS}
    _, by_view = served.answered_by_django(body)
    assert codes(by_view) == ["1"] * len(URLS)
    _, answer = served.answered_here(body)
    assert answer == by_view


def test_a_poll_reads_only_its_own_keys_items(make_account, served):
    """Two accounts poll the same URLs: each is answered with its own results, never the other's."""
    first, first_key = make_account(monthly_quota=100)
    second, second_key = make_account(monthly_quota=100)
    for account, key, size in ((first, first_key, 1000), (second, second_key, 1500)):
        served.answered_by_django({"key": key, "urllist": URLS})
        finish_all(account, lossy_size=size)
        served.answered_by_django({"key": key, "urllist": URLS})
    for account, key, size in ((first, first_key, "1000"), (second, second_key, "1500")):
        _, answer = served.answered_here({"key": key, "urllist": URLS})
        for result in json.loads(answer):
            assert result["LossySize"] == size
            assert f"/results/{account.pk}/" in result["LossyURL"]


def test_what_is_not_a_plain_poll_of_known_items_goes_to_the_view(done, served):
    account, key = done
    served.answered_by_django({"key": key, "urllist": URLS})
    served.answered_by_django({"key": key, "urllist": URLS, "wait": 1})
    served.answered_by_django({"key": key, "urllist": [*URLS, "https://images.example.com/new.jpg"]})
    served.answered_by_django({"key": key, "urllist": [*URLS, "ftp://images.example.com/a.jpg"]})
    served.answered_by_django({"key": "A" * 20, "urllist": URLS})
    served.answered_by_django({"key": key, "urllist": URLS, "lossy": 7})
    served.answered_by_django({"key": key, "urllist": URLS, "plugin_version": "x" * 40_000})  # a large body
    assert Item.objects.filter(account=account).count() == len(URLS) + 1


def test_after_a_refresh_the_poll_sees_the_new_generation_not_the_kept_answer(done, served):
    _, key = done
    served.answered_by_django({"key": key, "urllist": URLS})
    _, refreshed = served.answered_by_django({"key": key, "urllist": URLS[:1], "refresh": 1})
    assert codes(refreshed) == ["1"]
    _, answer = served.answered_here({"key": key, "urllist": URLS})
    assert codes(answer) == ["1", "2", "2", "2"]


def test_a_failed_or_expired_item_goes_to_the_view(done, served):
    account, key = done
    served.answered_by_django({"key": key, "urllist": URLS})
    Item.objects.filter(account=account, source_url=URLS[0]).update(
        status=Item.Status.FAILED, error_code="fetch_failed", error_message="gone"
    )
    _, answer = served.answered_by_django({"key": key, "urllist": URLS})
    assert codes(answer)[1:] == ["2", "2", "2"] and codes(answer)[0] != "2"
    Item.objects.filter(account=account, source_url=URLS[1]).update(status=Item.Status.EXPIRED)
    served.answered_by_django({"key": key, "urllist": URLS[1:]})  # restarts it, as the view does


def test_each_poll_answered_here_counts_once_against_the_rate_limit(make_account, served):
    account, key = make_account(monthly_quota=100)
    Plan.objects.filter(account=account).update(rate_limit_per_minute=4)
    if time.time() % 60 > 50:  # the five requests below fall in one minute's window
        time.sleep(61 - time.time() % 60)
    served.answered_by_django({"key": key, "urllist": URLS})  # 1: submitted
    finish_all(account)
    served.answered_by_django({"key": key, "urllist": URLS})  # 2: the view keeps the done answers
    served.answered_here({"key": key, "urllist": URLS})  # 3
    served.answered_here({"key": key, "urllist": URLS})  # 4
    _, refused = served.answered_by_django({"key": key, "urllist": URLS})
    assert json.loads(refused)["Status"]["Code"] == "-404"


@pytest.mark.parametrize("change", ["revoke the key", "disable the account", "allow only another domain"])
def test_a_change_to_what_the_key_grants_takes_effect_within_the_cache_time(done, served, settings, change):
    settings.REDUCER_KEY_CACHE_SECONDS = 0.5
    account, key = done
    served.answered_by_django({"key": key, "urllist": URLS})
    served.answered_here({"key": key, "urllist": URLS})  # reads what the key grants and keeps it
    if change == "revoke the key":
        keys.revoke(ApiKey.objects.get(account=account))
    elif change == "disable the account":
        type(account).objects.filter(pk=account.pk).update(is_active=False)
    else:
        AllowedOrigin.objects.create(account=account, domain="elsewhere.example.com")
    time.sleep(0.6)
    _, answer = served.answered_by_django({"key": key, "urllist": URLS})
    if change == "allow only another domain":
        assert codes(answer) == ["-108"] * len(URLS)
    else:
        assert json.loads(answer)["Status"]["Code"] == "-401"


def _polls_counted(client) -> float:
    scrape = client.get("/metrics").content.decode()
    return sample(scrape, "reducer_requests_total", face="shortpixel", endpoint="v2/reducer.php", status="200") or 0.0


def test_a_poll_answered_here_is_logged_and_counted_like_the_views(done, served, client, caplog):
    _, key = done
    served.answered_by_django({"key": key, "urllist": URLS})
    before = _polls_counted(client)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="reducer.requests"):
        served.answered_here({"key": key, "urllist": URLS})
    assert _polls_counted(client) == before + 1
    [event] = [record for record in caplog.records if getattr(record, "path", "") == "/v2/reducer.php"]
    assert (event.path, event.status, event.face) == ("/v2/reducer.php", 200, "shortpixel")
    assert event.endpoint == fast.ROUTE.endpoint
