"""JSON `file_base64` (plain or as a data: URI) is an upload like any other."""

import base64

from tests.conftest import photo_bytes
from tests.v1.conftest import compress_json, error, image


def test_base64_with_a_data_uri_prefix_is_compressed(client, key, cluster):
    data = photo_bytes()
    encoded = "data:image/jpeg;base64," + base64.b64encode(data).decode()
    response = compress_json(client, key, {"file_base64": encoded})
    assert image(response).size == (320, 240)
    assert int(response["X-Original-Size"]) == len(data)
    assert response["Content-Disposition"] == 'attachment; filename="image.jpg"'


def test_text_that_is_not_base64_is_refused(client, key):
    body = error(compress_json(client, key, {"file_base64": "not base64!"}), 400, "invalid_param")
    assert body["param"] == "file_base64"
