"""JPEG: mozjpeg (through libvips) for lossy, mozjpeg's lossless transcoder for lossless.

Glossy also tries libjpeg-turbo (Pillow) at 4:2:0 and 4:4:4: near the top of the scale mozjpeg's
tables and trellis lose to plain libjpeg-turbo on many photos, and 4:2:0 caps some images below 85.
"""

from __future__ import annotations

import io
import os
import struct

import mozjpeg_lossless_optimization as mlo
import pyvips
from PIL import Image

from ..decode import Source
from ..errors import CorruptImage
from ..metadata import Meta, pillow_kwargs
from ..spec import Format, Mode, Spec
from . import Lossless, Picture, Setting, flatten, ladder, register

_ICC_CHUNK = 65519
_LOSSY = ladder(range(18, 97), encoder="mozjpeg")
_GLOSSY = (
    ladder(range(60, 101, 3), encoder="mozjpeg"),
    ladder(range(60, 101, 3), "4:4:4", encoder="libjpeg-turbo"),
    ladder(range(60, 101, 3), encoder="libjpeg-turbo"),
)


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def insert_metadata(jpeg: bytes, meta: Meta) -> bytes:
    """Splice EXIF, XMP and ICC segments right after SOI (the encoders write none)."""
    segments = b""
    if meta.exif:
        exif = meta.exif if meta.exif.startswith(b"Exif\0\0") else b"Exif\0\0" + meta.exif
        segments += _segment(0xE1, exif)
    if meta.xmp:
        segments += _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0" + meta.xmp)
    if meta.icc:
        chunks = [meta.icc[i : i + _ICC_CHUNK] for i in range(0, len(meta.icc), _ICC_CHUNK)]
        for n, chunk in enumerate(chunks, 1):
            segments += _segment(0xE2, b"ICC_PROFILE\0" + bytes((n, len(chunks))) + chunk)
    return jpeg[:2] + segments + jpeg[2:]


def _vips_image(picture: Picture) -> pyvips.Image:
    """The picture as mozjpeg reads it: decoded from its file row by row as it encodes when it has one
    (libvips and Pillow decode a JPEG to the same pixels), else a copy of its pixels (a 24 MP photo
    took 211 MB more to encode from a copy, 155 MB from its file)."""
    if picture.coded is not None:
        return pyvips.Image.new_from_buffer(picture.coded, "", access="sequential")
    im = flatten(picture.image)
    if im.mode not in ("L", "RGB"):
        im = im.convert("RGB")
    bands = 1 if im.mode == "L" else 3
    vim = pyvips.Image.new_from_memory(im.tobytes(), im.width, im.height, bands, "uchar")
    return vim.copy(interpretation="b-w" if bands == 1 else "srgb")


def _mozjpeg(picture: Picture, setting: Setting, optimize_scans: bool) -> bytes:
    """mozjpeg: trellis quantisation, overshoot deringing, progressive scans, ImageMagick tables."""
    return _vips_image(picture).jpegsave_buffer(
        Q=setting.quality,
        optimize_coding=True,
        trellis_quant=True,
        overshoot_deringing=True,
        optimize_scans=optimize_scans,
        quant_table=3,
        interlace=True,
        subsample_mode="off" if setting.chroma == "4:4:4" else "on",
        keep=pyvips.enums.ForeignKeep.NONE,
    )


class JpegCodec:
    format = Format.JPEG

    def grid(self, mode: Mode, picture: Picture, spec: Spec) -> tuple[tuple[Setting, ...], ...]:
        if mode is Mode.GLOSSY:
            return _GLOSSY if picture.image.mode != "L" else _GLOSSY[::2]
        return (_LOSSY,)

    def encode(self, picture: Picture, setting: Setting) -> bytes:
        if setting.encoder == "libjpeg-turbo":
            buf = io.BytesIO()
            im = flatten(picture.image)
            subsampling = 0 if setting.chroma == "4:4:4" else 2
            im.save(
                buf,
                "JPEG",
                quality=setting.quality,
                subsampling=subsampling,
                optimize=True,
                progressive=True,
                **pillow_kwargs(picture.meta),
            )
            return buf.getvalue()
        return insert_metadata(_mozjpeg(picture, setting, optimize_scans=True), picture.meta)

    def encode_sample(self, picture: Picture, setting: Setting) -> bytes:
        """A search probe's tile: the pixels ``encode`` gives, for less CPU. mozjpeg's scan optimisation
        only chooses how the quantised coefficients are split into progressive scans, and it takes about
        a quarter of the encode (a 512-pixel tile: 0.035 CPU-s with it, 0.027 without); the bytes come
        out under 1 % larger, which the ladders' size order does not notice. (A baseline encode is no
        substitute: trellis quantisation depends on the scans and gives other pixels.)"""
        if setting.encoder == "libjpeg-turbo":
            return self.encode(picture, setting)
        return _mozjpeg(picture, setting, optimize_scans=False)

    def lossless(self, picture: Picture, source: Source, altered: bool) -> Lossless:
        if source.pil_format != "JPEG":
            return Lossless(None, "", "a JPEG cannot hold these pixels losslessly; use PNG or WebP")
        if altered:
            return Lossless(None, "", "resampled pixels cannot be stored losslessly as JPEG")
        # Lossless transcoding keeps the coefficients, so the pixels are not rotated: the orientation
        # tag must stay. No marker is copied as it is (comments and unknown segments can carry
        # anything): the colour profile and the policy's EXIF and XMP (with the original
        # orientation) are written again.
        data = _transcoded(source.data)
        exif = Image.Exif()
        if picture.meta.exif:
            exif.load(picture.meta.exif)
        if source.orientation != 1:
            exif[0x0112] = source.orientation
        exif_bytes = exif.tobytes() if len(exif) else None
        icc = _coded_profile(source, picture.meta)
        meta = Meta(picture.meta.policy, icc=icc, exif=exif_bytes, xmp=picture.meta.xmp)
        return Lossless(insert_metadata(data, meta), "mozjpeg lossless")


def _coded_profile(source: Source, meta: Meta) -> bytes | None:
    """The profile for the transcoded coefficients: a CMYK source's own, whatever the policy (decoding
    made its pixels sRGB, but a transcode keeps them CMYK, and without it they look different)."""
    if not source.cmyk:
        return meta.icc
    with Image.open(io.BytesIO(source.data)) as im:
        return im.info.get("icc_profile") or None


def _transcoded(data: bytes) -> bytes:
    """mozjpeg's lossless transcode, run in a forked child: on a coefficient it cannot re-encode,
    libjpeg's error handler ends the process, which must cost this image, not the worker."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: transcode, hand the bytes over, and leave without any cleanup
        status = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(mlo.optimize(data, copy=mlo.COPY_MARKERS.NONE))
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        transcoded = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status != 0 or not transcoded:
        raise CorruptImage("the JPEG's coefficients cannot be re-encoded losslessly (damaged image)")
    return transcoded


register(JpegCodec())
