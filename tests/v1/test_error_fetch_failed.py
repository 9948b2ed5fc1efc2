"""422 fetch_failed: the URL cannot be downloaded (404 here; timeouts and non-public addresses too)."""

from tests.v1.conftest import compress_json, error


def test_a_dead_link(client, key, cluster, origin):
    body = error(compress_json(client, key, {"url": origin.url("/gone.jpg")}), 422, "fetch_failed")
    assert "404" in body["message"]


def test_a_non_public_address_is_a_failed_fetch(client, key, cluster):
    # 10.0.0.0/8 is not allowed in tests: the fetcher refuses before connecting.
    error(compress_json(client, key, {"url": "http://10.1.2.3/a.jpg"}), 422, "fetch_failed")
