"""Malformed requests get a ShortPixel status, never an HTTP error."""

import requests

from tests.shortpixel.client import call, codes, photos, reducer


def test_a_body_that_is_not_json_is_minus_207(web):
    response = requests.post(f"{web.url}/v2/reducer.php", data=b"key=abc&urllist=x", timeout=10)
    assert response.status_code == 200 and response.json()["Status"]["Code"] == "-207"


def test_a_request_without_urls_is_minus_105(web, make_account):
    _, key = make_account()
    assert call(web, "reducer.php", {"key": key})["Status"]["Code"] == "-105"
    assert reducer(web, key, [])["Status"]["Code"] == "-105"


def test_more_urls_than_allowed_is_minus_107(web, make_account):
    _, key = make_account()
    urls = [f"http://127.0.0.1:9/{n}.jpg" for n in range(101)]
    assert reducer(web, key, urls)["Status"]["Code"] == "-107"


def test_bad_options_refuse_only_their_url(web, cluster, origin, make_account):
    account, key = make_account()
    urls = photos(origin, 2, prefix="/opts")
    body = {"key": key, "urllist": urls, "paramlist": [{"resize": 7, "resize_width": 10}, {}], "wait": 25}
    results = call(web, "reducer.php", body)
    assert codes(results) == ["-207", "2"]
    assert account.items.count() == 1


def test_unknown_keys_are_ignored(web, cluster, origin, make_account):
    _, key = make_account()
    extra = {"base_path": "/srv/private", "pendingURLs": {"a": "/srv/a"}, "whatever": [1, 2], "wait": 25}
    assert codes(reducer(web, key, photos(origin, 1, prefix="/unknown"), **extra)) == ["2"]
