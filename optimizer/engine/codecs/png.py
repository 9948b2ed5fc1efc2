"""PNG: oxipng for lossless (on the source bytes when they are already a PNG), palette quantisation for lossy.

Opaque images get Pillow's palettes, built by median cut and by maximum coverage and each refined by
k-means; the search keeps whichever is smaller at the floor. At the lossy floor that saves more than
libimagequant on the corpus's graphics (79 % against 63 % median): its dithering costs bytes that a
k-means palette does not need. At the glossy floor dithering pays, so libimagequant's ladder is
searched too. Photo-like images (too many colours for k-means) take libimagequant's ladder alone.
Pillow has no good palette for alpha (only its octree), so images with alpha take
libimagequant's RGBA palettes (the ``imagequant`` package, GPL-3, installed by default; without it
they fall back to the octree). The quality knob is the number of colours for Pillow and
libimagequant's target quality for it.
"""

from __future__ import annotations

import io

import oxipng
import pyvips
from PIL import Image, PngImagePlugin

from ..decode import Source, orient
from ..metadata import Meta
from ..spec import Format, Metadata, Mode, Spec
from . import Lossless, Picture, Setting, register

try:
    import imagequant
except ImportError:  # an operator who leaves out the GPL-3 package gets Pillow's octree for alpha
    imagequant = None

_IMAGEQUANT_LADDER = tuple(Setting(q, "palette", "libimagequant q") for q in range(20, 101, 5))
# k-means moves each palette entry to the mean of its pixels: on the corpus's graphics that turns
# 18-79 % savings at the floor into 24-90 %; neither builder wins on every image.
_PILLOW_LADDERS = tuple(
    tuple(Setting(n, "palette", "colours", encoder=method) for n in (8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256))
    for method in ("median cut", "max coverage")
)
_PILLOW_METHODS = {"median cut": Image.Quantize.MEDIANCUT, "max coverage": Image.Quantize.MAXCOVERAGE}
# Pillow's k-means runs over the colour histogram: milliseconds on graphics (the corpus's have 255 to
# 17 200 colours), seconds on photos (about 100 000), where a palette rarely reaches the floor anyway.
KMEANS_MAX_COLOURS = 1 << 15


# Kept metadata is EXIF, XMP (an iTXt chunk) and colour; comments (tEXt, zTXt) and chunks of unknown
# meaning can carry anything, so they never ride along. Animation chunks keep an APNG one.
_KEPT_CHUNKS = [b"eXIf", b"iTXt", b"iCCP", b"sRGB", b"gAMA", b"cHRM", b"cICP", b"pHYs", b"acTL", b"fcTL", b"fdAT"]
# Otherwise only the chunks that change how the image looks (oxipng's "safe" set) stay, and under
# ``strip`` not even a profile that is sRGB or the sRGB chunk: they say what a PNG without them means.
_DISPLAY_CHUNKS = [b"cICP", b"pHYs", b"acTL", b"fcTL", b"fdAT"]


def _source_chunks(meta: Meta) -> list[bytes]:
    """The chunks of a source PNG that its metadata policy lets through."""
    if meta.policy is Metadata.KEEP:
        return _KEPT_CHUNKS
    colour = [b"iCCP"] * (meta.icc is not None) + [b"sRGB"] * (meta.policy is not Metadata.STRIP)
    return _DISPLAY_CHUNKS + colour


def _oxipng(data: bytes, kept: list[bytes] = _KEPT_CHUNKS) -> bytes:
    """oxipng level 2 (nearly all of level 6's gain at a fraction of the time), keeping ``kept``
    chunks. Interlacing goes: it costs bytes and changes nothing in the pixels."""
    strip = oxipng.StripChunks.keep(kept)
    return oxipng.optimize_from_memory(data, level=2, strip=strip, interlace=oxipng.Interlacing.Off)


def _pillow_png(picture: Picture, frames: tuple[Image.Image, ...], compress_level: int = 1) -> bytes:
    """The frames as a PNG that oxipng has optimised. oxipng keeps what it is given when none of its
    trials is smaller, so a higher ``compress_level`` can win on small images, at the cost of zlib's time."""
    meta = picture.meta
    kwargs: dict = {"compress_level": compress_level}
    if meta.icc:
        kwargs["icc_profile"] = meta.icc
    if meta.exif:
        kwargs["exif"] = meta.exif
    if meta.xmp:
        info = PngImagePlugin.PngInfo()
        info.add_itxt("XML:com.adobe.xmp", meta.xmp.decode("utf-8", "replace"))
        kwargs["pnginfo"] = info
    kwargs.update(picture.animation_kwargs(frames))
    buf = io.BytesIO()
    frames[0].save(buf, "PNG", **kwargs)
    return _oxipng(buf.getvalue())  # what Pillow wrote is what ``meta`` allows; APNG frames and timing stay


def quantize(im: Image.Image, setting: Setting) -> Image.Image:
    """A palette image for a setting of one of ``palette_ladders``."""
    if setting.label != "colours":
        # The raw-bytes entry point: the package's PIL helper copies pixels one by one in Python.
        indices, palette = imagequant.quantize_raw_rgba_bytes(
            im.convert("RGBA").tobytes(), im.width, im.height, dithering_level=1.0, max_quality=setting.quality
        )
        out = Image.frombytes("P", im.size, indices)
        out.putpalette(bytes(palette), rawmode="RGBA")
        return out
    if im.mode == "RGBA":
        return im.quantize(setting.quality, method=Image.Quantize.FASTOCTREE)
    kmeans = 1 if im.getcolors(KMEANS_MAX_COLOURS) is not None else 0
    return im.quantize(setting.quality, method=_PILLOW_METHODS[setting.encoder], kmeans=kmeans)


def palette_builder() -> str:
    """Which libraries build palettes here (operators see it in /healthz)."""
    if imagequant is None:
        return "Pillow k-means, photos: Pillow without k-means, alpha: Pillow octree (imagequant not installed)"
    return "Pillow k-means, photos and alpha: libimagequant"


def palette_ladders(picture: Picture, mode: Mode) -> tuple[tuple[Setting, ...], ...]:
    """The palette ladders worth searching for this picture and mode."""
    if picture.has_alpha:
        return (_IMAGEQUANT_LADDER,) if imagequant is not None else _PILLOW_LADDERS[:1]
    if imagequant is not None and picture.image.getcolors(KMEANS_MAX_COLOURS) is None:
        # Photo-like: too many colours for k-means, and without it Pillow's palettes lose to
        # libimagequant's dithered ones (a 0.24 MP photo at the floor: 117 230 against 93 612 bytes).
        return (_IMAGEQUANT_LADDER,)
    if mode is Mode.GLOSSY and imagequant is not None:
        # At the glossy floor libimagequant's dithering wins on graphics (63 % against 30 % median).
        return (*_PILLOW_LADDERS, _IMAGEQUANT_LADDER)
    return _PILLOW_LADDERS


class PngCodec:
    format = Format.PNG

    def grid(self, mode: Mode, picture: Picture, spec: Spec) -> tuple[tuple[Setting, ...], ...]:
        return palette_ladders(picture, mode)

    def encode(self, picture: Picture, setting: Setting) -> bytes:
        return _pillow_png(picture, tuple(quantize(f, setting) for f in picture.frames))

    def preview(self, picture: Picture, setting: Setting) -> Image.Image:
        return quantize(picture.image, setting)

    def encode_preview(self, picture: Picture, preview: Image.Image) -> bytes:
        return _pillow_png(picture, (preview,))

    def lossless(self, picture: Picture, source: Source, altered: bool) -> Lossless:
        byte_level = source.pil_format == "PNG" and not altered and source.orientation == 1
        note = "16-bit samples narrowed to 8 bits by the resize" if source.high_bit_depth else ""
        if byte_level:
            # Works on the file itself, so 16-bit samples survive (Pillow would narrow them) and an
            # APNG's frames stay as they were coded (re-encoded from RGBA they can double in size).
            try:
                return Lossless(_oxipng(source.data, _source_chunks(picture.meta)), "oxipng level 2")
            except oxipng.PngError as exc:
                # Pillow reads every pixel of some damaged files that oxipng refuses (no IEND, a
                # chunk length running past the end): those pixels are written out afresh.
                note = f"the file's structure is damaged ({exc}): re-encoded from its pixels"
                if source.high_bit_depth:
                    note += ", 16-bit samples narrowed to 8 bits"
        elif source.pil_format == "PNG" and not altered and source.high_bit_depth and not picture.animated:
            # Turned upright by its EXIF orientation: libvips turns it at full depth.
            try:
                return Lossless(_oxipng(_upright_png(source.data, picture.meta)), "oxipng level 2")
            except (pyvips.Error, oxipng.PngError) as exc:
                note = f"16-bit samples narrowed to 8 bits: libvips could not turn it upright ({exc})"
        encoded = _pillow_png(picture, picture.frames)
        own = None if altered or picture.animated else _own_palette_frame(source)
        if own is not None:
            encoded = min(encoded, _pillow_png(picture, (own,), compress_level=6), key=len)
        return Lossless(encoded, "oxipng level 2", note)


def _upright_png(data: bytes, meta: Meta) -> bytes:
    """A PNG turned upright by its EXIF orientation at its own bit depth, with the metadata ``meta`` keeps."""
    image = pyvips.Image.new_from_buffer(data, "").autorot()
    keep = pyvips.enums.ForeignKeep.NONE
    for field, value, flag in (
        ("icc-profile-data", meta.icc, pyvips.enums.ForeignKeep.ICC),
        ("exif-data", meta.exif, pyvips.enums.ForeignKeep.EXIF),
        ("xmp-data", meta.xmp, pyvips.enums.ForeignKeep.XMP),
    ):
        if value:
            image.set_type(pyvips.GValue.blob_type, field, value)
            keep |= flag
    return image.pngsave_buffer(compression=1, keep=keep)


def _own_palette_frame(source: Source) -> Image.Image | None:
    """A still palette source's pixels in its own palette, upright. Written as a plain tool writes it
    (zlib level 6, the palette's order kept), it is often smaller than what oxipng makes of the
    decoded colours (a small GIF: 1 324 against 1 361 bytes), though not always, so both are made."""
    with Image.open(io.BytesIO(source.data)) as im:
        if im.mode != "P":
            return None
        im.load()
        return orient(im, source.orientation)


register(PngCodec())
