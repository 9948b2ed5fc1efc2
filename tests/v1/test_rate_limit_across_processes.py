"""Two web processes share one counter: a key's limit holds whichever process answers."""

import pytest
import requests

from accounts.models import Plan
from tests.conftest import WebServer


@pytest.fixture(scope="module")
def two_web_processes(django_db_setup, django_db_blocker):
    servers = [WebServer(), WebServer()]
    try:
        yield [server.url for server in servers]
    finally:
        for server in servers:
            server.stop()


def _alternate(urls, key, count):
    return [requests.get(f"{urls[i % 2]}/api/v1/info", headers={"X-API-Key": key}, timeout=10) for i in range(count)]


@pytest.mark.backends
def test_the_limit_holds_across_two_web_processes(two_web_processes, make_account):
    account, key = make_account()
    Plan.objects.filter(account=account).update(rate_limit_per_minute=5)
    responses = _alternate(two_web_processes, key, 7)
    if len({r.headers["X-RateLimit-Reset"] for r in responses}) > 1:  # a minute boundary fell inside
        responses = _alternate(two_web_processes, key, 7)
    assert [r.status_code for r in responses] == [200] * 5 + [429] * 2
    assert [r.headers["X-RateLimit-Remaining"] for r in responses] == ["4", "3", "2", "1", "0", "0", "0"]
    assert all(r.headers["Retry-After"] for r in responses[5:])
    assert responses[-1].json()["error"]["code"] == "rate_limit_exceeded"
