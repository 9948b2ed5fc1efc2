"""PUT /s3/{bucket}/{key}: the compressed image lands in the bucket under the target's prefix,
one credit is charged, and a result that is not smaller is written as the source cleaned by the
lossless path (same pixels, nothing riding along), never as the bytes that were sent."""

import io

from PIL import Image

from tests import polyglots
from tests.conftest import photo_bytes
from tests.s3.conftest import counters, put


def test_a_jpeg_is_compressed_into_the_bucket(web, cluster, make_account, make_target, s3_server):
    account, key = make_account(monthly_quota=5)
    target = make_target(account, key_prefix="optimized/")
    data = photo_bytes(320, 240)

    response = put(web, key, target.bucket, "photos/photo.jpg", data)

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"original_size", "compressed_size", "compression_ratio", "key", "bucket"}
    assert (body["bucket"], body["key"]) == (target.bucket, "optimized/photos/photo.jpg")
    assert body["original_size"] == len(data) > body["compressed_size"] > 0
    assert body["compression_ratio"] == round(body["compressed_size"] / body["original_size"], 4) < 1
    assert response.headers["X-RateLimit-Limit"]
    assert s3_server.keys(target.bucket) == ["optimized/photos/photo.jpg"]
    written, content_type = s3_server.get(target.bucket, body["key"])
    assert len(written) == body["compressed_size"] < len(data)
    assert content_type == "image/jpeg"
    with Image.open(io.BytesIO(written)) as image:
        assert (image.format, image.size) == ("JPEG", (320, 240))
    assert counters(account) == (1, 0)


def test_a_result_that_is_not_smaller_writes_the_source_cleaned(web, cluster, make_account, make_target, s3_server):
    account, key = make_account()
    target = make_target(account, key_prefix="")
    data = polyglots.jpeg()  # quality 10: no lossy re-encode is smaller; a script rides along

    response = put(web, key, target.bucket, "low.jpg", data)

    assert response.status_code == 200, response.text
    body = response.json()
    written, content_type = s3_server.get(target.bucket, "low.jpg")
    assert (body["original_size"], body["compressed_size"]) == (len(data), len(written))
    assert body["compression_ratio"] == round(len(written) / len(data), 4)
    assert content_type == "image/jpeg" and polyglots.MARKER not in written
    assert polyglots.same_pixels(written, data)
    assert counters(account) == (0, 0)  # no lossy result saved anything: free
