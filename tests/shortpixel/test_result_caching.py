"""Result files carry their length, an ETag and Last-Modified, answer conditional GETs with 304, and
are cached for long: a result's name is never reused for other bytes."""

import requests

from tests.shortpixel.client import codes, download, photos, poll


def test_a_result_download_is_cacheable_and_revalidates_with_304(web, cluster, origin, make_account):
    _, key = make_account()
    done = poll(web, key, photos(origin, 1, prefix="/cached-result"))
    assert codes(done) == ["2"]
    url, size = done[0]["LossyURL"], int(done[0]["LossySize"])

    first = download(url)
    assert int(first.headers["Content-Length"]) == len(first.content) == size
    assert first.headers["ETag"].startswith('"')
    assert first.headers["Last-Modified"].endswith("GMT")
    assert "max-age=31536000" in first.headers["Cache-Control"]
    assert "immutable" in first.headers["Cache-Control"]

    by_etag = requests.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=30)
    assert by_etag.status_code == 304
    assert by_etag.content == b""
    assert by_etag.headers["ETag"] == first.headers["ETag"]

    by_date = requests.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]}, timeout=30)
    assert by_date.status_code == 304

    changed = requests.get(url, headers={"If-None-Match": '"something-else"'}, timeout=30)
    assert changed.status_code == 200
    assert changed.content == first.content


def test_only_files_a_live_variant_names_are_served(web, cluster, origin, make_account):
    _, key = make_account()
    done = poll(web, key, photos(origin, 1, prefix="/named-result"))
    url = done[0]["LossyURL"]
    unnamed = url.rsplit("/", 1)[0] + "/lossless-original.png"
    assert requests.get(unnamed, timeout=30).status_code == 404
    assert requests.get(unnamed, headers={"If-None-Match": "*"}, timeout=30).status_code == 404
