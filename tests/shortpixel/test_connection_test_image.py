"""The plugin probes GET /img/connection-test-image.png over plain http."""

import io

import requests
from PIL import Image


def test_connection_test_image_is_a_png(web):
    response = requests.get(f"{web.url}/img/connection-test-image.png", timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).format == "PNG"
