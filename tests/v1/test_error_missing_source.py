"""400 missing_source: a compress request without any image; 400 invalid_param for several."""

from tests.v1.conftest import bearer, compress_json, error, upload


def test_no_image_at_all(client, key):
    assert error(compress_json(client, key, {"mode": "lossy"}), 400, "missing_source")["param"] is None


def test_two_images_at_once(client, key):
    response = client.post("/api/v1/compress", {"file": upload(), "url": "https://example.com/a.jpg"}, **bearer(key))
    error(response, 400, "invalid_param")
