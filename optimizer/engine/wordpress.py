"""The files WordPress makes from one upload, made as WordPress makes them: what a site running the
ShortPixel plugin sends for every media item. Benchmarks and tests use it to measure the engine and
the service on the images they really get (most of a media library is thumbnails).

WordPress (6.x, GD or Imagick editor) scales an upload wider or taller than 2560 pixels down to 2560
("-scaled", which becomes the full file), then makes each registered size narrower than the full
image: a 150x150 centre crop and boxes of 300, 768 (width only), 1024, 1536 and 2048 pixels, resampled
with Lanczos and saved as JPEG at quality 82 for JPEG sources, in the source's format otherwise.
"""

from __future__ import annotations

import io

from PIL import Image

BIG_IMAGE_THRESHOLD = 2560
CROP = ("thumbnail", 150)
BOXES = (("medium", 300, 300), ("medium_large", 768, None), ("large", 1024, 1024), ("1536x1536", 1536, 1536),
         ("2048x2048", 2048, 2048))  # fmt: skip
JPEG_QUALITY = 82


def _save(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **({"quality": JPEG_QUALITY} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def _fit(image: Image.Image, width: int, height: int | None) -> Image.Image:
    scale = min(width / image.width, (height or image.height) / image.height)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def sizes(data: bytes) -> dict[str, bytes]:
    """``{"full": ..., "thumbnail": ..., "medium": ..., ...}``: the full file (the upload, or its
    "-scaled" copy) and each size WordPress makes for it. Still images only (WordPress sizes a GIF's
    first frame)."""
    image = Image.open(io.BytesIO(data))
    fmt = image.format
    image.load()
    if image.mode not in ("L", "LA", "RGB", "RGBA", "CMYK"):
        # GD and Imagick resample palettes and 16-bit pixels as 8-bit true colour
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    made = {"full": data}
    if max(image.size) > BIG_IMAGE_THRESHOLD:
        image = _fit(image, BIG_IMAGE_THRESHOLD, BIG_IMAGE_THRESHOLD)
        made["full"] = _save(image, fmt)
    name, side = CROP
    if image.width > side and image.height > side:
        scale = side / min(image.size)
        scaled = image.resize((max(side, round(image.width * scale)), max(side, round(image.height * scale))),
                              Image.Resampling.LANCZOS)  # fmt: skip
        left, top = (scaled.width - side) // 2, (scaled.height - side) // 2
        made[name] = _save(scaled.crop((left, top, left + side, top + side)), fmt)
    for name, width, height in BOXES:
        if image.width > width or (height is not None and image.height > height):
            made[name] = _save(_fit(image, width, height), fmt)
    return made
