"""WebP through Pillow's libwebp: lossy (always 4:2:0) and lossless with exact alpha; libvips' libwebp for
lossy with sharp YUV, which Pillow does not expose."""

from __future__ import annotations

import io
import struct

import pyvips

from ..decode import Source
from ..metadata import Meta, pillow_kwargs
from ..spec import Format, Mode, Spec
from . import Lossless, Picture, Setting, ladder, register

_SHARP = "sharp 4:2:0"
_LOSSY = ladder(range(7, 101))
# Sharp YUV (libwebp's iterative RGB to YUV conversion) keeps colour edges that plain 4:2:0 smears: on
# small colourful graphics plain WebP tops out below the lossy floor (an icon crop: 68 at q100) where
# sharp YUV passes at q42. On photos it changes sizes by a few per cent either way and costs 2.5x the
# encode (0.16 against 0.06 CPU-s/MP), so it is searched only where the plain ladder misses the floor.
_LOSSY_SHARP = ladder(range(7, 101), _SHARP)
_METHOD = 4  # method 6 saves under 1 % more for 1.4x the time
# WebP extended-format flags for the metadata chunks, and for an alpha chunk beside the bitstream
_ICC, _ALPHA, _EXIF, _XMP = 0x20, 0x10, 0x08, 0x04


def _save(picture: Picture, **options: object) -> bytes:
    buf = io.BytesIO()
    frames = picture.frames
    if frames[0].mode not in ("RGB", "RGBA"):
        frames = tuple(f.convert("RGB") for f in frames)
    frames[0].save(
        buf, "WEBP", method=_METHOD, **options, **picture.animation_kwargs(frames), **pillow_kwargs(picture.meta)
    )
    return buf.getvalue()


def _chunk(fourcc: bytes, payload: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(payload)) + payload + b"\0" * (len(payload) % 2)


def _with_metadata(webp: bytes, meta: Meta, size: tuple[int, int]) -> bytes:
    """``webp`` (a still image without metadata) with the ICC, EXIF and XMP chunks Pillow would write."""
    exif = meta.exif[6:] if meta.exif and meta.exif.startswith(b"Exif\0\0") else meta.exif
    extra = [
        (flag, fourcc, payload)
        for flag, fourcc, payload in ((_ICC, b"ICCP", meta.icc), (_EXIF, b"EXIF", exif), (_XMP, b"XMP ", meta.xmp))
        if payload
    ]
    if not extra:
        return webp
    image, flags, pos = b"", 0, 12  # after RIFF, its size and WEBP
    while pos + 8 <= len(webp):
        fourcc, length = webp[pos : pos + 4], struct.unpack("<I", webp[pos + 4 : pos + 8])[0]
        if fourcc in (b"ALPH", b"VP8 ", b"VP8L"):
            image += _chunk(fourcc, webp[pos + 8 : pos + 8 + length])
            flags |= _ALPHA if fourcc == b"ALPH" else 0
        pos += 8 + length + length % 2
    width, height = size
    header = bytes((flags | sum(flag for flag, _, _ in extra), 0, 0, 0))
    header += (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    body = b"WEBP" + _chunk(b"VP8X", header)
    body += b"".join(_chunk(fourcc, payload) for flag, fourcc, payload in extra if flag == _ICC) + image
    body += b"".join(_chunk(fourcc, payload) for flag, fourcc, payload in extra if flag != _ICC)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _save_sharp(picture: Picture, quality: int) -> bytes:
    im = picture.image
    if im.mode not in ("RGB", "RGBA"):
        im = im.convert("RGB")
    vim = pyvips.Image.new_from_memory(im.tobytes(), im.width, im.height, len(im.mode), "uchar")
    data = vim.copy(interpretation="srgb").webpsave_buffer(
        Q=quality, effort=_METHOD, smart_subsample=True, keep=pyvips.enums.ForeignKeep.NONE
    )
    return _with_metadata(data, picture.meta, im.size)


class WebpCodec:
    format = Format.WEBP

    def grid(self, mode: Mode, picture: Picture, spec: Spec) -> tuple[tuple[Setting, ...], ...]:
        return (_LOSSY,)

    def rescue(self, picture: Picture) -> tuple[tuple[Setting, ...], ...]:
        """Sharp YUV, for a still picture whose plain ladder misses the floor."""
        return () if picture.animated else (_LOSSY_SHARP,)

    def encode(self, picture: Picture, setting: Setting) -> bytes:
        if setting.chroma == _SHARP:
            return _save_sharp(picture, setting.quality)
        return _save(picture, quality=setting.quality)

    def lossless(self, picture: Picture, source: Source, altered: bool) -> Lossless:
        if source.high_bit_depth and not altered:
            return Lossless(None, "", "16-bit samples: WebP holds 8 bits, so it cannot be lossless")
        return self.lossless_of_pixels(picture)

    def lossless_of_pixels(self, picture: Picture) -> Lossless:
        """The picture's pixels, exactly. For a 16-bit source they are its 8-bit narrowing, which is not
        the source (so no lossless target) but is what the floors are measured against: a lossy or glossy
        target whose settings all miss its floor may still fall back to it."""
        # exact=True keeps the colour under fully transparent pixels, so the pixels really are identical.
        # At method 4, quality 100 (the most effort) saves ~1.5 points over 75 for under 2x the time;
        # method 6 saves under 1 point more at 10-30x.
        return Lossless(_save(picture, lossless=True, quality=100, exact=True), "lossless m4 q100")


register(WebpCodec())
