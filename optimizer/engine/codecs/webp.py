"""WebP through Pillow's libwebp: lossy (always 4:2:0) and lossless with exact alpha."""

from __future__ import annotations

import io

from ..decode import Source
from ..metadata import pillow_kwargs
from ..spec import Format, Mode, Spec
from . import Lossless, Picture, Setting, ladder, register

_LOSSY = ladder(range(7, 101))
_METHOD = 4  # method 6 saves under 1 % more for 1.4x the time


def _save(picture: Picture, **options: object) -> bytes:
    buf = io.BytesIO()
    frames = picture.frames
    if frames[0].mode not in ("RGB", "RGBA"):
        frames = tuple(f.convert("RGB") for f in frames)
    frames[0].save(buf, "WEBP", method=_METHOD, **options, **picture.animation_kwargs(frames),
                   **pillow_kwargs(picture.meta))
    return buf.getvalue()


class WebpCodec:
    format = Format.WEBP

    def grid(self, mode: Mode, picture: Picture, spec: Spec) -> tuple[tuple[Setting, ...], ...]:
        return (_LOSSY,)

    def encode(self, picture: Picture, setting: Setting) -> bytes:
        return _save(picture, quality=setting.quality)

    def lossless(self, picture: Picture, source: Source, resized: bool) -> Lossless:
        if source.high_bit_depth and not resized:
            return Lossless(None, "", "16-bit samples: WebP holds 8 bits, so it cannot be lossless")
        # exact=True keeps the colour under fully transparent pixels, so the pixels really are identical.
        # At method 4, quality 100 (the most effort) saves ~1.5 points over 75 for under 2x the time;
        # method 6 saves under 1 point more at 10-30x.
        return Lossless(_save(picture, lossless=True, quality=100, exact=True), "lossless m4 q100")


register(WebpCodec())
