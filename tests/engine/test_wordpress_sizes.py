"""WordPress's sizes of an upload, made as WordPress makes them (what the plugin sends for a media item)."""

import io

from PIL import Image

from optimizer.engine import wordpress
from tests.conftest import photo_bytes


def _dimensions(made: dict[str, bytes]) -> dict[str, tuple[int, int]]:
    return {name: Image.open(io.BytesIO(data)).size for name, data in made.items()}


def test_a_photo_gets_the_crop_and_every_box_narrower_than_it():
    upload = photo_bytes(1600, 1000, quality=90)
    made = wordpress.sizes(upload)
    assert made["full"] == upload
    assert _dimensions(made) == {
        "full": (1600, 1000), "thumbnail": (150, 150), "medium": (300, 188), "medium_large": (768, 480),
        "large": (1024, 640), "1536x1536": (1536, 960),
    }  # fmt: skip
    assert all(Image.open(io.BytesIO(data)).format == "JPEG" for data in made.values())


def test_a_big_upload_is_scaled_to_2560_first():
    made = wordpress.sizes(photo_bytes(3000, 1500, quality=90))
    assert _dimensions(made)["full"] == (2560, 1280)
    assert _dimensions(made)["2048x2048"] == (2048, 1024)


def test_a_small_png_keeps_its_format_and_makes_only_smaller_sizes():
    made = wordpress.sizes(photo_bytes(200, 180, format="PNG"))
    assert set(made) == {"full", "thumbnail"}
    assert Image.open(io.BytesIO(made["thumbnail"])).format == "PNG"
