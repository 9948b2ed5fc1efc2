"""Images that are also something else: a ``<script>`` riding in a comment, a text chunk, a GIF
comment extension and after the image's end. Whatever this service serves must have lost it."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, PngImagePlugin

from tests.conftest import photo_bytes

MARKER = b"<script>alert(document.domain)</script>"


def jpeg(width: int = 320, height: int = 240, quality: int = 10) -> bytes:
    """A JPEG already at a low quality, so that no lossy re-encode of it is smaller, carrying the
    marker in a COM segment and after its end."""
    image = Image.open(io.BytesIO(photo_bytes(width, height)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True, comment=MARKER)
    return buffer.getvalue() + MARKER


def png(width: int = 64, height: int = 48) -> bytes:
    """A PNG with the marker in a tEXt chunk and after IEND."""
    image = Image.open(io.BytesIO(photo_bytes(width, height, format="PNG")))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", MARKER.decode())
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue() + MARKER


def gif(width: int = 64, height: int = 48) -> bytes:
    """A GIF with the marker in a comment extension and after its trailer."""
    image = Image.open(io.BytesIO(photo_bytes(width, height, format="PNG"))).convert("P", colors=64)
    buffer = io.BytesIO()
    image.save(buffer, "GIF", comment=MARKER)
    return buffer.getvalue() + MARKER


def pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGBA"))


def same_pixels(a: bytes, b: bytes) -> bool:
    return np.array_equal(pixels(a), pixels(b))
