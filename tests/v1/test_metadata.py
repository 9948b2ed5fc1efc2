"""`metadata`: none (default) strips, copyright keeps only the copyright, all keeps EXIF;
`strip_metadata=true|false` is an alias."""

import io

import pytest
from PIL import Image

from tests.v1.conftest import compress, error, image

ARTIST, COPYRIGHT = 0x013B, 0x8298


def _tagged_photo() -> bytes:
    from tests.conftest import photo_bytes

    picture = Image.open(io.BytesIO(photo_bytes()))
    exif = Image.Exif()
    exif[ARTIST] = "A. Photographer"
    exif[COPYRIGHT] = "(c) Example"
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=95, exif=exif)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("options", "artist", "copyright"),
    [
        ({}, None, None),
        ({"metadata": "none"}, None, None),
        ({"metadata": "all"}, "A. Photographer", "(c) Example"),
        ({"metadata": "copyright"}, None, "(c) Example"),
        ({"strip_metadata": "true"}, None, None),
        ({"strip_metadata": "false"}, "A. Photographer", "(c) Example"),
    ],
)
def test_each_metadata_policy(client, key, cluster, options, artist, copyright):
    exif = image(compress(client, key, data=_tagged_photo(), **options)).getexif()
    assert (exif.get(ARTIST), exif.get(COPYRIGHT)) == (artist, copyright)


def test_metadata_and_strip_metadata_together_are_refused(client, key):
    response = compress(client, key, metadata="all", strip_metadata="true")
    assert error(response, 400, "invalid_param")["param"] == "strip_metadata"
