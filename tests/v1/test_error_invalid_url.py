"""400 invalid_url: refused before anything is queued, or by the fetcher for subtler mistakes."""

import pytest

from optimizer.models import Item
from tests.v1.conftest import compress_json, error


@pytest.mark.parametrize("url", ["ftp://example.com/a.jpg", "not a url", "https:///a.jpg"])
def test_a_url_that_is_not_http_is_refused_at_once(client, key, url):
    assert error(compress_json(client, key, {"url": url}), 400, "invalid_url")["param"] == "url"
    assert not Item.objects.exists()


def test_a_url_the_fetcher_refuses_as_malformed(client, key, cluster):
    error(compress_json(client, key, {"url": "http://exa mple.com/a.jpg"}), 400, "invalid_url")
