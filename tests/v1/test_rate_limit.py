"""Per-key limits per minute from the plan: X-RateLimit-* on every answer, 429 with Retry-After past it."""

import time

from accounts.models import Plan
from tests.v1.conftest import bearer, compress_json


def _burst(client, key, count):
    return [compress_json(client, key, {"mode": "nonsense"}) for _ in range(count)]


def test_the_fourth_request_of_a_minute_is_refused(client, make_account):
    account, key = make_account()
    Plan.objects.filter(account=account).update(rate_limit_per_minute=3)
    responses = _burst(client, key, 4)
    if len({r["X-RateLimit-Reset"] for r in responses}) > 1:  # a minute boundary fell inside the burst
        responses = _burst(client, key, 4)
    assert [r.status_code for r in responses] == [400, 400, 400, 429]  # errors count too
    assert [r["X-RateLimit-Remaining"] for r in responses] == ["2", "1", "0", "0"]
    assert all(r["X-RateLimit-Limit"] == "3" for r in responses)
    refused = responses[-1]
    assert refused.json()["error"]["code"] == "rate_limit_exceeded"
    reset = int(refused["X-RateLimit-Reset"])
    assert 1 <= int(refused["Retry-After"]) <= 60 and reset - 61 <= time.time() <= reset
    # every key has a counter of its own
    _, other_key = make_account()
    assert client.get("/api/v1/info", **bearer(other_key)).status_code == 200
