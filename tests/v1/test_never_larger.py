"""A result that is not smaller than the source is never served, and neither are the source's own
bytes: the source re-encoded losslessly is, with its real size."""

import io

from PIL import Image

from tests.conftest import photo_bytes
from tests.polyglots import same_pixels
from tests.v1.conftest import bearer, body, compress


def test_a_conversion_that_does_not_pay_off_serves_the_source_cleaned(client, key, cluster):
    data = photo_bytes()  # a noisy JPEG: as a lossless PNG it would be several times larger
    response = compress(client, key, data=data, output="png", mode="lossless")
    assert response.status_code == 200, response.content
    served = body(response)
    assert served != data and same_pixels(served, data)  # JPEG lossless transcoding keeps every pixel
    assert (response["X-Format"], response["Content-Type"]) == ("jpeg", "image/jpeg")
    assert response["X-Compressed-Size"] == str(len(served)) and response["X-Original-Size"] == str(len(data))
    assert float(response["X-Savings-Percent"]) == round(100 * (len(data) - len(served)) / len(data), 2)
    job = client.get(f"/api/v1/jobs/{response['X-Job-Id']}", **bearer(key)).json()
    assert (job["status"], job["compressed_size"], job["format"]) == ("complete", len(served), "jpeg")
    assert job["quality"]["score"] is None  # lossless: nothing to score
    assert Image.open(io.BytesIO(served)).size == (job["dimensions"]["width"], job["dimensions"]["height"])
