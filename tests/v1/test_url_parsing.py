"""The url parameter is checked by the fetcher's own URL check: any text gets a 4xx refusal or a
source, never a server error."""

import pytest
from hypothesis import given, settings

from optimizer.models import Item
from optimizer.services import UrlSource
from reducer.v1.errors import ApiError
from reducer.v1.parsing import parse_compression
from tests.fetch.test_url_fuzz import urls
from tests.v1.conftest import compress_json, error


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("http://[::1/", 400, "invalid_url"),  # urlsplit's ValueError was a 500
        ("http://[::1/a.jpg", 400, "invalid_url"),
        ("http://\ud800/a.jpg", 400, "invalid_url"),
        ("http://user:pw@example.com/a.jpg", 400, "invalid_url"),
        ("http://1.2.3.4.5/a.jpg", 400, "invalid_url"),
        ("http://example.com:25/a.jpg", 422, "fetch_failed"),  # a port the fetcher never dials
    ],
)
def test_a_url_the_fetcher_could_never_fetch_is_refused_at_once(client, key, url, status, code):
    assert error(compress_json(client, key, {"url": url}), status, code)["param"] == "url"
    assert not Item.objects.exists()


@settings(max_examples=1000, deadline=None, database=None, derandomize=True)
@given(urls)
def test_url_parsing_answers_a_source_or_a_client_error(url):
    try:
        compression = parse_compression({"url": url}, {})
    except ApiError as refused:
        assert refused.status_code < 500
    else:
        assert isinstance(compression.source, UrlSource)
