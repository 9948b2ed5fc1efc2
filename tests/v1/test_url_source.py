"""A JSON or form `url` (alias `file_url`) is fetched by the cluster and answered like an upload."""

import pytest

from tests.conftest import photo_bytes
from tests.v1.conftest import bearer, compress_json, image


@pytest.mark.parametrize("field", ["url", "file_url"])
def test_a_json_url_is_fetched_and_compressed(client, key, cluster, origin, field):
    data = photo_bytes()
    url = origin.serve(f"/shop/{field}.jpg", data)
    response = compress_json(client, key, {field: url})
    assert image(response).size == (320, 240)
    assert int(response["X-Original-Size"]) == len(data) > int(response["X-Compressed-Size"])
    assert response["Content-Disposition"] == f'attachment; filename="{field}.jpg"'


def test_a_form_url_works_too(client, key, cluster, origin):
    url = origin.serve("/form.jpg", photo_bytes())
    response = client.post("/api/v1/compress", {"url": url}, **bearer(key))
    assert image(response).format == "JPEG"
