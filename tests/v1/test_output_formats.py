"""`output` (alias `format`) picks the output format; `original`/`auto` keep the source's."""

import pytest

from tests.conftest import photo_bytes
from tests.v1.conftest import compress, error, image


@pytest.mark.parametrize(
    ("options", "pil_format", "wire_format"),
    [
        ({"output": "webp"}, "WEBP", "webp"),
        ({"output": "png", "mode": "lossless", "data": photo_bytes(format="PNG")}, "PNG", "png"),
        ({"output": "avif"}, "AVIF", "avif"),
        ({"format": "jpg"}, "JPEG", "jpeg"),
        ({"output": "auto"}, "JPEG", "jpeg"),
        ({}, "JPEG", "jpeg"),
    ],
)
def test_each_output_format(client, key, cluster, options, pil_format, wire_format):
    response = compress(client, key, **options)
    assert image(response).format == pil_format
    assert response["X-Format"] == wire_format
    assert response["Content-Type"] == f"image/{wire_format}"


def test_an_unknown_format_names_the_parameter(client, key):
    assert error(compress(client, key, output="bmp"), 400, "invalid_param")["param"] == "output"


def test_output_and_its_alias_together_are_refused(client, key):
    assert error(compress(client, key, output="webp", format="png"), 400, "invalid_param")["param"] == "format"
