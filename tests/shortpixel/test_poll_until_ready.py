"""Re-POSTing the same URLs is how clients poll: Code 1 while working, then Code 2 with every field."""

import io
from urllib.parse import urlsplit

from PIL import Image

from tests.conftest import photo_bytes
from tests.shortpixel.client import ITEM_FIELDS, codes, download, poll, reducer


def test_urls_are_answered_in_order_then_ready_with_every_field(web, cluster, origin, make_account):
    _, key = make_account()
    urls = [origin.serve("/a.jpg", photo_bytes(320, 240)), origin.serve("/b.png", photo_bytes(300, 200, "PNG"))]
    first = reducer(web, key, urls)
    assert [result["OriginalURL"] for result in first] == urls
    assert set(codes(first)) <= {"1", "2"}

    results = poll(web, key, urls)
    assert codes(results) == ["2", "2"]
    for url, result in zip(urls, results, strict=True):
        assert set(result) >= ITEM_FIELDS, ITEM_FIELDS - set(result)
        assert result["OriginalURL"] == url
        assert result["WebPLossyURL"] == result["AVIFLossyURL"] == "NA"  # not asked for
        assert result["LosslessSize"] == result["LoselessSize"]
        assert float(result["PercentImprovement"]) >= 0
        for url_field, size_field in (("LossyURL", "LossySize"), ("LosslessURL", "LosslessSize")):
            if result[url_field] == url:  # not smaller than the original: the client keeps it
                assert result[size_field] == result["OriginalSize"]
                continue
            path = urlsplit(result[url_field]).path
            assert "+" not in path and "%" not in path
            body = download(result[url_field])
            assert len(body.content) == int(result[size_field]) < int(result["OriginalSize"])
            assert body.headers["Content-Type"] == f"image/{Image.open(io.BytesIO(body.content)).format.lower()}"
