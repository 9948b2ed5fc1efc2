"""The keyless demo of the landing page: per visitor and hour, and switched off by a 0 allowance."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from tests.conftest import photo_bytes
from tests.v1.conftest import compress, upload


def _demo(client: Client):
    return client.post("/demo/compress", {"file": upload(photo_bytes(64, 48)), "output": "webp"})


@pytest.mark.django_db(transaction=True)
@override_settings(REDUCER_DEMO_PAGE_ALLOWANCE=2)
def test_the_demo_runs_a_few_compressions_per_visitor_then_says_why_not():
    client = Client()
    assert client.get("/").status_code == 200
    first = _demo(client)
    assert first.status_code == 202 and first.json()["poll_url"].startswith("/demo/jobs/")
    assert client.get(first.json()["poll_url"]).json()["status"] in {"queued", "processing", "complete"}
    assert _demo(client).status_code == 202
    refused = _demo(client)
    assert refused.status_code == 429
    assert "2 compressions an hour" in refused.json()["error"]["message"]
    # another visitor has an allowance of its own
    assert _demo(Client(REMOTE_ADDR="192.0.2.9")).status_code == 202


@pytest.mark.django_db(transaction=True)
@override_settings(REDUCER_DEMO_PAGE_ALLOWANCE=0)
def test_an_allowance_of_zero_switches_the_demo_off():
    client = Client()
    assert "required" in client.get("/").content.decode()
    refused = _demo(client)
    assert refused.status_code == 401 and "API key" in refused.json()["error"]["message"]


@pytest.mark.django_db(transaction=True)
def test_the_demo_answers_only_for_its_own_jobs(make_account):
    _, key = make_account()
    keyed = compress(Client(), key)
    job_id = keyed["X-Job-Id"] if keyed.status_code == 200 else keyed.json()["id"]
    assert Client().get(f"/demo/jobs/{job_id}").status_code == 404
