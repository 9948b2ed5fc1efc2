"""What travels with the pixels: one colour policy and the three metadata policies, for every format.

Colour policy (the same for every output): pixels stay in the source's colour space and its ICC
profile is written into every format that can carry one (JPEG, PNG, WebP, AVIF). GIF cannot, so a
GIF output from a non-sRGB source is converted to sRGB first. Under ``strip`` an sRGB profile is
dropped, because sRGB is what viewers assume without one. CMYK sources are converted to sRGB on decode.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageCms

from .decode import Source
from .spec import Metadata

_ORIENTATION = 0x0112
_COPYRIGHT = 0x8298
_SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True)
class Meta:
    policy: Metadata = Metadata.STRIP
    icc: bytes | None = None
    exif: bytes | None = None
    xmp: bytes | None = None


def _probe(mode: str) -> Image.Image:
    """Colours to push through a profile: a 16-level cube and every grey (every grey alone for "L")."""
    greys = np.arange(256, dtype=np.uint8)
    if mode == "L":
        return Image.fromarray(greys[None, :], "L")
    levels = np.linspace(0, 255, 16).round().astype(np.uint8)
    cube = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1).reshape(-1, 3)
    return Image.fromarray(np.concatenate([cube, np.repeat(greys[:, None], 3, axis=1)])[None], "RGB")


_PROBE_MODES = {"RGB": "RGB", "GRAY": "L"}


@functools.lru_cache(maxsize=32)
def is_srgb(icc: bytes | None) -> bool:
    """Whether pixels look the same with this profile as without one (as sRGB).

    Judged by what the profile does, not by its name, which misleads both ways: compact sRGB
    profiles are called "c2", and "sRGB" appears in the names of linear and wide-gamut variants. The
    probe colours, converted through the profile to sRGB, must all come back within one 8-bit step.
    """
    if not icc:
        return True
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        mode = _PROBE_MODES.get(profile.profile.xcolor_space.strip())
        if mode is None:  # CMYK, Lab, ...: never sRGB
            return False
        probe = _probe(mode)
        seen = ImageCms.profileToProfile(
            probe, profile, _SRGB, renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC, outputMode="RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return False
    difference = np.asarray(seen, np.int16) - np.asarray(probe.convert("RGB"), np.int16)
    return int(np.abs(difference).max()) <= 1


def to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert pixels to sRGB through their profile (used where a format cannot carry the profile)."""
    if is_srgb(icc):
        return im
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))  # type: ignore[arg-type]
        return ImageCms.profileToProfile(im, src, _SRGB, outputMode=im.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return im


def _exif_bytes(source: Source, keep: tuple[int, ...] | None) -> bytes | None:
    """The source EXIF with orientation reset (pixels are upright), optionally reduced to ``keep`` tags."""
    exif = Image.Exif()
    if keep is None:
        if len(source.exif):
            exif.load(source.exif.tobytes())
    else:
        for tag in keep:
            if source.exif.get(tag):
                exif[tag] = source.exif[tag]
    if _ORIENTATION in exif:
        exif[_ORIENTATION] = 1
    return exif.tobytes() if len(exif) else None


def meta_for(source: Source, policy: Metadata) -> Meta:
    icc = source.icc
    if policy is Metadata.KEEP:
        return Meta(policy, icc=icc, exif=_exif_bytes(source, None), xmp=source.xmp)
    if policy is Metadata.STRIP and is_srgb(icc):
        icc = None
    if policy is Metadata.COPYRIGHT:
        return Meta(policy, icc=icc, exif=_exif_bytes(source, (_COPYRIGHT,)))
    return Meta(policy, icc=icc)


def pillow_kwargs(meta: Meta) -> dict[str, bytes]:
    """Save keywords understood by Pillow's JPEG, WebP and AVIF writers (PNG handles XMP itself)."""
    kwargs = {}
    if meta.icc:
        kwargs["icc_profile"] = meta.icc
    if meta.exif:
        kwargs["exif"] = meta.exif
    if meta.xmp:
        kwargs["xmp"] = meta.xmp
    return kwargs
