"""Sniff, bound and decode the source: limits are checked on the header, before any pixel is decoded."""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from PIL import Image, ImageCms, ImageMode

from .errors import CorruptImage, DecompressionBomb, ImageTooLarge, TruncatedImage, UnsupportedFormat
from .spec import Format, Limits

# Pillow format names we accept; everything else is refused before a plugin parses it.
ALLOWED = ("JPEG", "PNG", "GIF", "WEBP", "AVIF", "BMP", "TIFF")

# Signatures of the allowed formats: bytes that look like one of these but fail to parse are corrupt,
# anything else is simply not a format we take.
_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")

_NATIVE = {"JPEG": Format.JPEG, "PNG": Format.PNG, "GIF": Format.GIF, "WEBP": Format.WEBP, "AVIF": Format.AVIF}


class Frames:
    """What a decoded source and a picture to encode share: frames, the first standing for all."""

    frames: tuple[Image.Image, ...]

    @property
    def image(self) -> Image.Image:
        return self.frames[0]

    @property
    def animated(self) -> bool:
        return len(self.frames) > 1

    @property
    def has_alpha(self) -> bool:
        return self.image.mode == "RGBA"


@dataclass(frozen=True)
class Source(Frames):
    """The decoded source: oriented 8-bit frames (mode L, RGB or RGBA) plus what must travel with them."""

    data: bytes
    pil_format: str  # as sniffed: one of ALLOWED
    frames: tuple[Image.Image, ...]
    durations: tuple[int, ...] = ()
    loop: int | None = None
    icc: bytes | None = None
    exif: Image.Exif = field(default_factory=Image.Exif)
    xmp: bytes | None = None
    orientation: int = 1
    high_bit_depth: bool = False  # 16-bit samples that Pillow narrows to 8 bits
    cmyk: bool = False  # the source was CMYK (pixels here are RGB)
    progressive: bool = False  # a progressive JPEG: decoding it holds all its coefficients

    @property
    def format(self) -> Format | None:
        """The source's own format as an output format; None for BMP/TIFF (converted)."""
        return _NATIVE.get(self.pil_format)


def _looks_like_allowed(data: bytes) -> bool:
    if data.startswith(_MAGIC):
        return True
    return (data[:4] == b"RIFF" and data[8:12] == b"WEBP") or data[4:8] == b"ftyp"


# What Pillow's plugins raise, besides OSError, on hostile bytes: SyntaxError (bad chunk order),
# TypeError (a TIFF page without dimensions), struct.error, wrong-typed EXIF values, ...
_PARSE_ERRORS = (SyntaxError, ValueError, TypeError, KeyError, IndexError, EOFError, struct.error, ArithmeticError)


@contextmanager
def _pillow_errors(data: bytes) -> Iterator[None]:
    """Whatever Pillow raises while it parses or decodes ``data``, as an engine error.

    Every Pillow call that reads the file runs inside this, and nothing else maps Pillow's errors.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DecompressionBomb(str(exc)) from exc
    except Image.UnidentifiedImageError as exc:
        if _looks_like_allowed(data):
            raise CorruptImage("the image header cannot be parsed") from exc
        raise UnsupportedFormat("not an image in an accepted format") from exc
    except OSError as exc:
        if "truncated" in str(exc) or "broken data stream" in str(exc):
            raise TruncatedImage(f"the image data ends early: {exc}") from exc
        raise CorruptImage(f"the image cannot be decoded: {exc}") from exc
    except (*_PARSE_ERRORS, MemoryError) as exc:
        raise CorruptImage(f"the image cannot be decoded: {exc}") from exc


def frame_count(im: Image.Image) -> int:
    """The frames that will be decoded."""
    # An MPO is a JPEG followed by more pictures (the other eye, a preview): its first is the image.
    return 1 if im.format == "MPO" else getattr(im, "n_frames", 1)


def kept_bands(im: Image.Image) -> int:
    """Bands a pixel of the opened image keeps after ``_normalise``: 1 (L), 3 (RGB) or 4 (RGBA until
    the alpha is known to be opaque)."""
    if im.mode in ("P", "PA", "LA", "La", "RGBA", "RGBa") or "transparency" in im.info:
        return 4
    return 1 if len(ImageMode.getmode(im.mode).bands) == 1 else 3


def _bytes_per_pixel(im: Image.Image) -> int:
    """Bytes a pixel takes as decoded or as kept after ``_normalise``, whichever is more."""
    descriptor = ImageMode.getmode(im.mode)
    return max(len(descriptor.bands) * int(descriptor.typestr[-1]), kept_bands(im))


def decoded_bytes(im: Image.Image) -> int:
    """Memory the decoded frames will take, from the header alone: width x height x frames x bytes per pixel."""
    width, height = im.size
    return width * height * frame_count(im) * _bytes_per_pixel(im)


def open_image(data: bytes, limits: Limits) -> Image.Image:
    """Open the header only, against the allowlist, and enforce the byte, pixel, frame and memory limits."""
    if len(data) > limits.max_bytes:
        raise ImageTooLarge(f"{len(data)} bytes exceeds the limit of {limits.max_bytes}")
    with _pillow_errors(data):
        im = Image.open(io.BytesIO(data), formats=ALLOWED)
        frames = frame_count(im)  # a TIFF reads every page's header here
        need = decoded_bytes(im)
    width, height = im.size
    if width < 1 or height < 1:
        raise CorruptImage("the image has no pixels")
    if width * height > limits.max_pixels:
        raise ImageTooLarge(f"{width}x{height} exceeds the limit of {limits.max_pixels} pixels")
    if frames > limits.max_frames:
        raise ImageTooLarge(f"{frames} frames exceeds the limit of {limits.max_frames}")
    if frames * width * height > limits.max_pixels:
        raise ImageTooLarge(f"{frames} frames of {width}x{height} exceed the limit of {limits.max_pixels} pixels")
    if need > limits.max_decode_bytes:
        raise ImageTooLarge(
            f"{frames} frames of {width}x{height} {im.mode} would take {need} bytes decoded, "
            f"over the limit of {limits.max_decode_bytes}"
        )
    return im


def _is_high_bit_depth(data: bytes, im: Image.Image) -> bool:
    if im.format == "PNG":
        return data[24] == 16  # IHDR bit depth: Pillow narrows 16-bit RGB(A) to 8 bits
    return im.mode.startswith("I;16") or im.mode in ("I", "F")


def _cmyk_to_rgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """CMYK to sRGB through the embedded profile when there is one; Pillow's formula otherwise."""
    if icc:
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(im, src, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError):
            pass
    return im.convert("RGB")


def _normalise(frame: Image.Image, icc: bytes | None) -> Image.Image:
    """Bring any decoded mode to L, RGB or RGBA, dropping an alpha channel that is fully opaque."""
    mode = frame.mode
    if mode == "CMYK":
        return _cmyk_to_rgb(frame, icc)
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        frame = frame.point(lambda v: v / 257).convert("L") if mode != "F" else frame.convert("L")
        return frame
    if mode == "1":
        return frame.convert("L")
    if mode in ("P", "PA", "LA", "La", "RGBa", "RGBA") or "transparency" in frame.info:
        rgba = frame.convert("RGBA")
        if rgba.getchannel("A").getextrema()[0] == 255:
            return rgba.convert("L" if mode in ("LA", "La") else "RGB")
        return rgba
    if mode in ("L", "RGB"):
        return frame
    return frame.convert("RGB")


_ORIENTATION_TAG = 0x0112
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def orient(im: Image.Image, orientation: int) -> Image.Image:
    """Bake an EXIF orientation into the pixels."""
    method = _TRANSPOSE.get(orientation)
    return im.transpose(method) if method is not None else im


def _orientation(exif: Image.Exif) -> int:
    """The EXIF orientation, 1 (as stored) when the tag is missing or not one of the eight values.

    A bad tag (a rational, NaN, out of range, unreadable) is removed: the photo itself is fine.
    """
    try:
        value = exif.get(_ORIENTATION_TAG, 1)
    except _PARSE_ERRORS:
        value = None
    if type(value) is int and 1 <= value <= 8:
        return value
    if _ORIENTATION_TAG in exif:
        del exif[_ORIENTATION_TAG]
    return 1


def streams_as_stored(im: Image.Image) -> bool:
    """Whether an opened JPEG can be read row by row into the pixels decoding it gives: upright as
    stored (no EXIF orientation to bake in), not CMYK (converted), and not progressive (whose decoder
    holds every coefficient first, 2 bytes a sample: more than a copy of the pixels)."""
    if im.format not in ("JPEG", "MPO") or im.mode == "CMYK" or im.info.get("progressive"):
        return False
    with _pillow_errors(b""):
        return _orientation(im.getexif()) == 1


def _writable(exif: Image.Exif) -> Image.Exif:
    """The EXIF, if Pillow can write it, read that back and write it again, as the encoders do; else
    none. A tag of the wrong type (a DPI given as text) or a BigTIFF's directory makes the whole
    block unwritable, and it cannot travel with the pixels."""
    try:
        copy = Image.Exif()
        copy.load(exif.tobytes())
        copy.tobytes()
    except _PARSE_ERRORS:
        return Image.Exif()
    return exif


def _decode_frames(
    im: Image.Image, count: int, icc: bytes | None, orientation: int
) -> tuple[list[Image.Image], list[int]]:
    """Every frame decoded, normalised and upright, with its duration.

    All frames share the first one's size (an animation has one canvas): a TIFF whose later pages
    differ in size is its first page, and those pages are never decoded, so the memory estimate holds.
    """
    frames: list[Image.Image] = []
    durations: list[int] = []
    size = im.size
    for index in range(count):
        im.seek(index)
        if im.size != size:
            break
        im.load()
        durations.append(int(im.info.get("duration", 0) or 0))
        # A palette frame must be converted while it is current: seeking reuses the object. A still
        # image is its own frame: a copy held its pixels twice (a 24 MP photo peaked 72 MB higher).
        frame = im if count == 1 else im.copy()
        frames.append(orient(_normalise(frame, icc), orientation))
    return frames, durations


def decode(data: bytes, limits: Limits = Limits()) -> Source:
    """Decode every frame, orient it upright and normalise its mode; raise typed errors, never crash."""
    im = open_image(data, limits)
    with _pillow_errors(data):
        icc = im.info.get("icc_profile") or None
        cmyk = im.mode == "CMYK"
        high = _is_high_bit_depth(data, im)
        xmp = im.info.get("xmp")
        exif = im.getexif()  # a PNG's EXIF may follow its pixels: this decodes them
        orientation = _orientation(exif)
        exif = _writable(exif)
        frames, durations = _decode_frames(im, frame_count(im), icc, orientation)
    if isinstance(xmp, str):
        xmp = xmp.encode()
    # All frames share one mode so encoders can write them as a sequence.
    if len({f.mode for f in frames}) > 1:
        frames = [f.convert("RGBA") for f in frames]
    if cmyk:
        icc = None  # pixels are sRGB now
    return Source(
        data=data,
        pil_format="JPEG" if im.format == "MPO" else im.format or "",
        frames=tuple(frames),
        durations=tuple(durations) if len(frames) > 1 else (),
        loop=im.info.get("loop"),
        icc=icc,
        exif=exif,
        xmp=xmp,
        orientation=orientation,
        high_bit_depth=high,
        cmyk=cmyk,
        progressive=bool(im.info.get("progressive")),
    )
