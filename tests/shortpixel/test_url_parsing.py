"""reducer.php parses every URL through the fetcher's check: whatever a urllist holds, the
answer is HTTP 200 with a Status per URL, never a server error."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fetch.test_url_fuzz import urls


def _reducer(client, key: str, urllist: list) -> list[dict]:
    body = {"key": key, "urllist": urllist, "plugin_version": "test", "wait": 0}
    response = client.post("/v2/reducer.php", json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content[:500]
    return response.json()


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://[::1/", "-102"),  # urlsplit's ValueError was a 500
        ("http://[::1/image.jpg", "-102"),
        ("http://\ud800/image.jpg", "-102"),
        ("http://exa mple.com/image.jpg", "-102"),
        ("http://1.2.3.4.5/image.jpg", "-102"),
        ("ftp://example.com/image.jpg", "-102"),
        ("http://example.com:25/image.jpg", "-106"),  # a port the fetcher never dials
    ],
)
def test_a_url_the_fetcher_could_never_fetch_is_refused_at_once(client, make_account, url, code):
    account, key = make_account()
    (result,) = _reducer(client, key, [url])
    assert result["Status"]["Code"] == code and result["Status"]["Message"]
    assert not account.items.exists()


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(urls, min_size=1, max_size=3))
def test_any_urllist_gets_a_status_per_url(client, make_account, urllist):
    _, key = make_account()
    results = _reducer(client, key, urllist)
    assert len(results) == len(urllist)
    assert all(result["Status"]["Code"] for result in results)
