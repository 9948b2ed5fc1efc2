"""Nothing v1 serves is the source's own bytes: when no result is smaller, the source cleaned by the
lossless path is (same pixels; comments, text chunks and bytes after the image's end dropped), in
the answer and behind the signed link alike."""

import io

import pytest
from PIL import Image

from tests import polyglots
from tests.v1.conftest import bearer, body, compress


def _served(client, key, data: bytes, **options) -> tuple[bytes, dict]:
    """The sync answer's bytes and headers; checks the job and its signed link serve the same."""
    response = compress(client, key, data=data, **options)
    assert response.status_code == 200, response.content
    served = body(response)
    assert response["X-Compressed-Size"] == str(len(served))
    assert response["X-Original-Size"] == str(len(data))
    job = client.get(f"/api/v1/jobs/{response['X-Job-Id']}", **bearer(key)).json()
    assert (job["compressed_size"], job["format"]) == (len(served), response["X-Format"])
    assert job["savings_percent"] == float(response["X-Savings-Percent"])
    with Image.open(io.BytesIO(served)) as image:
        assert (job["dimensions"]["width"], job["dimensions"]["height"]) == image.size
    linked = client.get("/api/v1/files/" + job["download_url"].split("/api/v1/files/")[1])
    assert linked.status_code == 200 and body(linked) == served
    return served, response


@pytest.mark.parametrize(
    ("make", "options", "fmt"),
    [
        (polyglots.jpeg, {}, "jpeg"),  # lossy, own format: no re-encode of a quality-10 JPEG is smaller
        (polyglots.jpeg, {"output": "png", "mode": "lossless"}, "jpeg"),
        (polyglots.jpeg, {"metadata": "all"}, "jpeg"),  # kept markers would carry the comment
        (polyglots.png, {"output": "avif", "mode": "lossless"}, "png"),  # lossless AVIF is never made
        (polyglots.gif, {"output": "avif", "mode": "lossless"}, "gif"),
    ],
    ids=["jpeg", "jpeg-to-png", "jpeg-keep-metadata", "png", "gif"],
)
def test_a_result_not_smaller_serves_the_source_cleaned_never_its_bytes(client, key, cluster, make, options, fmt):
    data = make()
    served, response = _served(client, key, data, **options)
    assert polyglots.MARKER not in served
    assert served != data
    assert response["X-Format"] == fmt and response["Content-Type"] == f"image/{fmt}"
    assert polyglots.same_pixels(served, data)
