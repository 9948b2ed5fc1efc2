"""GIF: exact palette re-encoding for lossless, fewer colours for lossy; animation kept."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from ..decode import Source
from ..metadata import to_srgb
from ..spec import Format, Mode, Spec
from . import Lossless, Picture, Setting, register
from .png import palette_ladders, quantize


def _exact_palette(im: Image.Image) -> Image.Image | None:
    """The frame as a palette image with identical pixels, or None when GIF cannot hold it."""
    rgba = np.asarray(im.convert("RGBA"))
    alpha = rgba[..., 3]
    if np.any((alpha != 0) & (alpha != 255)):
        return None  # GIF transparency is on or off
    transparent = bool(np.any(alpha == 0))
    opaque = rgba[alpha == 255][:, :3]
    colours, inverse = np.unique(opaque, axis=0, return_inverse=True)
    if len(colours) > 256 - transparent:
        return None
    # The transparent index follows the colours; a full 256-colour palette has no room for one.
    indices = np.zeros(alpha.shape, np.uint8)
    indices[alpha == 255] = inverse.ravel()
    if transparent:
        indices[alpha == 0] = len(colours)
    out = Image.fromarray(indices, "P")
    out.putpalette(colours.astype(np.uint8).tobytes() + (b"\0\0\0" if transparent else b""))
    if transparent:
        out.info["transparency"] = len(colours)
    return out


def _save(picture: Picture, frames: list[Image.Image]) -> bytes:
    for frame in frames:
        # Pillow writes a frame's comment, which palettes copy from the source: a comment can carry anything
        frame.info.pop("comment", None)
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", optimize=True, **picture.animation_kwargs(frames))
    return buf.getvalue()


class GifCodec:
    format = Format.GIF

    def grid(self, mode: Mode, picture: Picture, spec: Spec) -> tuple[tuple[Setting, ...], ...]:
        return palette_ladders(picture, mode)

    def encode(self, picture: Picture, setting: Setting) -> bytes:
        # GIF carries no ICC profile: convert to sRGB so colour looks the same.
        frames = [to_srgb(f, picture.meta.icc) for f in picture.frames]
        return _save(picture, [quantize(f, setting) for f in frames])

    def preview(self, picture: Picture, setting: Setting) -> Image.Image:
        return quantize(to_srgb(picture.image, picture.meta.icc), setting)

    def encode_preview(self, picture: Picture, preview: Image.Image) -> bytes:
        return _save(picture, [preview])

    def lossless(self, picture: Picture, source: Source, altered: bool) -> Lossless:
        frames = [_exact_palette(f) for f in picture.frames]
        if any(f is None for f in frames):
            return Lossless(None, "", "more than 256 colours or partial transparency: GIF cannot hold it exactly")
        return Lossless(_save(picture, frames), "exact palette")  # type: ignore[arg-type]


register(GifCodec())
