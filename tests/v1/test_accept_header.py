"""A client that asks only for an image (Swagger UI's "Try it out" sends Accept: image/*) gets the
compressed file, and JSON for a job or an error, never a refusal of its Accept header."""

from tests.v1.conftest import bearer, error, image, upload

ASKS_FOR_AN_IMAGE = {"HTTP_ACCEPT": "image/*"}


def test_an_upload_asking_for_an_image_gets_the_compressed_image(client, key, cluster):
    answered = client.post("/api/v1/compress", {"file": upload()}, **bearer(key), **ASKS_FOR_AN_IMAGE)
    assert image(answered).size == (320, 240) and answered["Content-Type"] == "image/jpeg"

    job = client.get(f"/api/v1/jobs/{answered['X-Job-Id']}", **bearer(key), HTTP_ACCEPT="image/webp")
    assert job.status_code == 200 and job.json()["status"] == "complete"


def test_errors_come_as_json_whatever_the_accept_header_asks_for(client, key):
    error(
        client.post("/api/v1/compress", {"file": upload()}, **bearer("x" * 20), **ASKS_FOR_AN_IMAGE),
        401,
        "unauthorized",
    )
    not_an_image = client.post("/api/v1/compress", {"file": upload(b"plain text")}, **bearer(key), **ASKS_FOR_AN_IMAGE)
    assert not_an_image["Content-Type"] == "application/json"
    error(not_an_image, 415, "unsupported_format")
