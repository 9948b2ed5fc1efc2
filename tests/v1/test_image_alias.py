"""`image` is an alias of the multipart field `file`; giving both is refused."""

from tests.v1.conftest import bearer, compress, error, image, upload


def test_the_image_field_works_like_file(client, key, cluster):
    response = compress(client, key, field="image")
    assert image(response).format == "JPEG"
    assert response["X-Format"] == "jpeg"


def test_file_and_image_together_are_refused(client, key):
    response = client.post("/api/v1/compress", {"file": upload(), "image": upload()}, **bearer(key))
    assert error(response, 400, "invalid_param")["param"] == "image"
