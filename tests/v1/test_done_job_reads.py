"""Reads of done v1 jobs answered in front of Django (reducer.front, reducer.v1.fast): the view's
bytes and headers with a link signed now, the rate limit counted once, only the key's own done jobs,
and everything else left to the view."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import Plan
from optimizer.models import Item
from reducer.v1 import fast, links
from tests.front import InFront
from tests.service.test_observability import sample
from tests.shortpixel.done_items import finish_all
from tests.v1.conftest import compress

pytestmark = pytest.mark.backends


@pytest.fixture
def served(transactional_db) -> Iterator[InFront]:
    layer = InFront([fast.ROUTE])
    yield layer
    layer.close()


@pytest.fixture
def done_job(make_account, client):
    """An account, its key and a done job of it."""
    account, key = make_account(monthly_quota=100)
    with override_settings(REDUCER_SYNC_MAX_BYTES=1000):  # answered 202: a job to poll
        accepted = compress(client, key)
    assert accepted.status_code == 202, accepted.content
    finish_all(account)
    return account, key, accepted.json()["id"]


def read(job_id: str, key: str) -> dict:
    """A GET of the job with the key in a Bearer header, as InFront.request takes it."""
    return {"path": f"/api/v1/jobs/{job_id}", "headers": {"authorization": f"Bearer {key}"}}


def test_a_done_job_read_gets_the_views_answer_byte_for_byte(done_job, served, monkeypatch):
    monkeypatch.setattr(links, "clock", lambda: 1_900_000_000.0)  # both links signed at the same second
    _, key, job_id = done_job
    status, by_view_headers, by_view = served.answered_by_django("GET", **read(job_id, key))
    assert status == 200 and json.loads(by_view)["status"] == "complete"

    status, headers, answer = served.answered_here("GET", **read(job_id, key))

    assert status == 200 and answer == by_view
    assert headers.pop("x-request-id") != by_view_headers.pop("x-request-id")
    assert int(headers.pop("x-ratelimit-remaining")) == int(by_view_headers.pop("x-ratelimit-remaining")) - 1
    assert headers == by_view_headers
    assert int(headers["content-length"]) == len(answer)


def test_the_link_is_signed_at_each_read(done_job, served, monkeypatch):
    _, key, job_id = done_job
    now = time.time()  # the link's TTL ends before the result's retention
    monkeypatch.setattr(links, "clock", lambda: now)
    _, _, first = served.answered_by_django("GET", **read(job_id, key))
    monkeypatch.setattr(links, "clock", lambda: now + 100)
    _, _, later = served.answered_here("GET", **read(job_id, key))
    first, later = json.loads(first), json.loads(later)
    assert later["download_url"] != first["download_url"] and later["expires_at"] > first["expires_at"]
    assert {k: v for k, v in later.items() if k not in ("download_url", "expires_at")} == {
        k: v for k, v in first.items() if k not in ("download_url", "expires_at")
    }


def test_a_key_in_x_api_key_is_answered_here_too(done_job, served):
    _, key, job_id = done_job
    served.answered_by_django("GET", **read(job_id, key))
    status, _, answer = served.answered_here("GET", f"/api/v1/jobs/{job_id}", headers={"x-api-key": key})
    assert status == 200 and json.loads(answer)["id"] == job_id


def test_what_is_not_a_read_of_the_keys_done_job_goes_to_the_view(done_job, make_account, served):
    account, key, job_id = done_job
    served.answered_by_django("GET", **read(job_id, key))  # the view describes it: kept
    _, stranger = make_account()
    assert served.answered_by_django("GET", **read(job_id, stranger))[0] == 404
    assert served.answered_by_django("GET", **read(job_id, "A" * 20))[0] == 401
    assert served.answered_by_django("GET", f"/api/v1/jobs/{job_id}", query=f"api_key={key}")[0] == 200
    assert served.answered_by_django("GET", **read("not-a-uuid", key))[0] == 404
    Item.objects.filter(account=account).update(status=Item.Status.EXPIRED)
    assert served.answered_by_django("GET", **read(job_id, key))[0] == 410


def test_a_job_done_again_in_a_new_generation_is_described_by_the_view_first(done_job, served):
    account, key, job_id = done_job
    served.answered_by_django("GET", **read(job_id, key))
    Item.objects.filter(account=account).update(generation=2)
    finish_all(account, lossy_size=1200)  # its new generation's result
    _, _, answer = served.answered_by_django("GET", **read(job_id, key))
    assert json.loads(answer)["compressed_size"] == 1200
    _, _, again = served.answered_here("GET", **read(job_id, key))
    assert json.loads(again)["compressed_size"] == 1200


def test_each_read_answered_here_counts_once_against_the_rate_limit(done_job, served):
    account, key, job_id = done_job  # the submit was request 1
    Plan.objects.filter(account=account).update(rate_limit_per_minute=4)
    served.answered_by_django("GET", **read(job_id, key))  # 2
    assert served.answered_here("GET", **read(job_id, key))[1]["x-ratelimit-remaining"] == "1"  # 3
    assert served.answered_here("GET", **read(job_id, key))[1]["x-ratelimit-remaining"] == "0"  # 4
    status, headers, _ = served.answered_by_django("GET", **read(job_id, key))
    assert status == 429 and headers["retry-after"]


def test_a_read_answered_here_is_logged_and_counted_like_the_views(done_job, served, client, caplog):
    _, key, job_id = done_job
    served.answered_by_django("GET", **read(job_id, key))

    def counted() -> float:
        scrape = client.get("/metrics").content.decode()
        return sample(scrape, "reducer_requests_total", face="v1", endpoint=fast.ROUTE.endpoint, status="200") or 0

    before = counted()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="reducer.requests"):
        served.answered_here("GET", **read(job_id, key))
    assert counted() == before + 1
    [event] = [record for record in caplog.records if getattr(record, "path", "").startswith("/api/v1/jobs/")]
    assert (event.status, event.face, event.endpoint) == (200, "v1", fast.ROUTE.endpoint)


def test_a_read_answered_here_costs_one_query_and_its_rate_count(done_job, served, settings):
    """The job's state, and the rate-limit count unless Redis counts it; what the key grants is kept."""
    settings.REDUCER_KEY_CACHE_SECONDS = 60
    _, key, job_id = done_job
    served.answered_by_django("GET", **read(job_id, key))
    served.answered_here("GET", **read(job_id, key))  # what the key grants: read and kept
    with CaptureQueriesContext(connection) as queries:
        answer = fast._described(key, uuid.UUID(job_id))
    assert answer is not None and json.loads(answer.body)["id"] == job_id
    expected = 1 if settings.REDUCER_REDIS_URL else 2
    assert len(queries) == expected, [query["sql"] for query in queries.captured_queries]
