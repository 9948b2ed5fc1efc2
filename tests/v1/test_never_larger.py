"""A result that is not smaller than the source is never served: the original is, with 0 % savings."""

from tests.conftest import photo_bytes
from tests.v1.conftest import bearer, compress


def test_a_conversion_that_does_not_pay_off_serves_the_original(client, key, cluster):
    data = photo_bytes()  # a noisy JPEG: as a lossless PNG it would be several times larger
    response = compress(client, key, data=data, output="png", mode="lossless")
    assert response.status_code == 200, response.content
    assert response.content == data
    assert (response["X-Format"], response["Content-Type"]) == ("jpeg", "image/jpeg")
    assert response["X-Compressed-Size"] == response["X-Original-Size"] == str(len(data))
    assert response["X-Savings-Percent"] == "0"
    job = client.get(f"/api/v1/jobs/{response['X-Job-Id']}", **bearer(key)).json()
    assert (job["status"], job["compressed_size"], job["savings_percent"], job["format"]) == (
        "complete",
        len(data),
        0.0,
        "jpeg",
    )
