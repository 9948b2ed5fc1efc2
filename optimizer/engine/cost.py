"""What an image costs the engine, in CPU-seconds, before it runs: a model per megapixel.

Each kind of variant (mode and output format) costs a fixed part, a part per megapixel up to the
size the engine verifies on every pixel (``Limits.verify_pixels``, 4.5 MP) and a part per megapixel
above it: smaller where the search's probes and the verification score a fixed sample of tiles, so
that only the decode, the full-size encodes and one check of the choice on every pixel (about 0.1
CPU-s per megapixel) still grow with the pixels. All three depend on the source's format: a JPEG
photo searches differently from a PNG graphic. An animation counts the pixels of all its frames. A
resized image costs its decode and resampling per source megapixel, and its variants at the
output's size.

Images of one class differ in ways a cost per megapixel cannot see: a PNG with alpha or a palette
searches its palettes differently from an opaque one, and the engine's searches change. So each
kind's cost is scaled by a factor per kind, texture (``Texture``, from the header) and side of the
knee (``SCALES``): the factor that put most of the group's rows within 2x of
what they took on the corpus it was fitted on. A group with too few rows there falls back to the same
group over every texture, and that to 1.

The kinds' coefficients are fitted on the public corpus by ``python -m optimizer.engine.cost_bench
--fit --corpus public`` (each target made alone, so a figure includes the decode and the metric's
references), the scales on the wider corpus by ``--fit-scales --corpus wider`` (the check's rows, made
under the worker's memory budget), each printed as this module holds it, and both checked by
``python -m optimizer.engine.cost_bench --corpus public|wider``. A spec of several targets is the sum
of its targets' costs: they share one decode, so the sum errs on the high side.

A source whose header has not been read (a URL not fetched yet) is costed from its byte size with
the format's typical bytes per megapixel.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image

from . import memory
from .codecs.png import KMEANS_MAX_COLOURS
from .errors import EngineError
from .resize import target_size
from .spec import Format, Limits, Mode, Resize, ResizeMode, Spec, Target

# The source formats with coefficients of their own; any other (WebP, AVIF, BMP, TIFF) is costed as
# a PNG: its variants run the same searches on decoded pixels. A WebP or AVIF source's own format is
# still its own (the engine's default_format), and is costed as that conversion of a PNG.
_MAGIC = ((b"\xff\xd8\xff", Format.JPEG), (b"\x89PNG\r\n\x1a\n", Format.PNG), (b"GIF8", Format.GIF))
COSTED_SOURCES = (Format.JPEG, Format.PNG, Format.GIF)
_AVIF_BRANDS = (b"ftypavif", b"ftypavis")
# Above this many megapixels the engine verifies on tiles: the metric's part stops growing.
KNEE_MEGAPIXELS = Limits().verify_pixels / 1e6
# The largest picture whose colours are counted when it arrives: decoded, it takes at most 48 MB.
COUNTED_PIXELS = 12_000_000
_ORIENTATION_TAG = 0x0112
_QUARTER_TURNS = (5, 6, 7, 8)  # EXIF orientations that swap width and height


@dataclass(frozen=True)
class Cost:
    """CPU-seconds of one variant: ``fixed``, plus ``per_megapixel`` up to KNEE_MEGAPIXELS and
    ``per_megapixel_above`` beyond."""

    fixed: float
    per_megapixel: float
    per_megapixel_above: float

    def seconds(self, megapixels: float) -> float:
        below = min(megapixels, KNEE_MEGAPIXELS)
        return self.fixed + self.per_megapixel * below + self.per_megapixel_above * (megapixels - below)


class Texture(StrEnum):
    """What the header's pixel mode says of the picture, as far as the searches' costs differ."""

    COLOUR = "colour"  # opaque, with more colours than a k-means palette is tried on (or not counted)
    GRAPHIC = "graphic"  # opaque colour with few enough colours for the PNG search's k-means ladders
    GREY = "grey"
    ALPHA = "alpha"  # any transparency, palette or not
    PALETTE = "palette"


def texture(mode: str, transparency: bool) -> Texture:
    """The texture of a picture in Pillow's ``mode``, with a transparent colour or not."""
    if transparency or mode in ("RGBA", "RGBa", "LA", "La", "PA"):
        return Texture.ALPHA
    if mode == "P":
        return Texture.PALETTE
    if mode in ("1", "L", "I", "I;16", "I;16B", "I;16L", "F"):
        return Texture.GREY
    return Texture.COLOUR


@dataclass(frozen=True)
class Shape:
    """What a source's header tells the model: its format, its upright size, its frames and texture."""

    format: Format
    width: int
    height: int
    frames: int = 1
    texture: Texture = Texture.COLOUR

    @property
    def megapixels(self) -> float:
        """The pixels of one frame, in millions."""
        return self.width * self.height / 1e6


# (source format, mode, output format) -> cost, fitted on the public corpus (see the module doc).
COSTS: dict[tuple[Format, Mode, Format], Cost] = {
    (Format.GIF, Mode.GLOSSY, Format.AVIF): Cost(0.087, 9.418, 9.418),
    (Format.GIF, Mode.GLOSSY, Format.GIF): Cost(0.025, 3.202, 3.202),
    (Format.GIF, Mode.GLOSSY, Format.WEBP): Cost(0.0, 2.177, 2.177),
    (Format.GIF, Mode.LOSSLESS, Format.AVIF): Cost(0.01, 0.0, 0.0),
    (Format.GIF, Mode.LOSSLESS, Format.GIF): Cost(0.0, 0.927, 0.927),
    (Format.GIF, Mode.LOSSLESS, Format.WEBP): Cost(0.008, 0.188, 0.188),
    (Format.GIF, Mode.LOSSY, Format.AVIF): Cost(0.121, 9.983, 9.983),
    (Format.GIF, Mode.LOSSY, Format.GIF): Cost(0.0, 1.033, 1.033),
    (Format.GIF, Mode.LOSSY, Format.WEBP): Cost(0.0, 1.041, 1.041),
    (Format.JPEG, Mode.GLOSSY, Format.AVIF): Cost(0.92, 2.535, 1.773),
    (Format.JPEG, Mode.GLOSSY, Format.JPEG): Cost(0.349, 0.539, 0.308),
    (Format.JPEG, Mode.GLOSSY, Format.WEBP): Cost(0.224, 0.33, 0.541),
    (Format.JPEG, Mode.LOSSLESS, Format.AVIF): Cost(0.011, 0.001, 0.011),
    (Format.JPEG, Mode.LOSSLESS, Format.JPEG): Cost(0.024, 0.038, 0.091),
    (Format.JPEG, Mode.LOSSLESS, Format.WEBP): Cost(0.456, 0.64, 3.059),
    (Format.JPEG, Mode.LOSSY, Format.AVIF): Cost(0.709, 0.583, 0.485),
    (Format.JPEG, Mode.LOSSY, Format.JPEG): Cost(0.111, 0.353, 0.398),
    (Format.JPEG, Mode.LOSSY, Format.WEBP): Cost(0.061, 0.46, 0.422),
    (Format.PNG, Mode.GLOSSY, Format.AVIF): Cost(0.078, 5.973, 5.973),
    (Format.PNG, Mode.GLOSSY, Format.PNG): Cost(0.075, 1.5, 1.5),
    (Format.PNG, Mode.GLOSSY, Format.WEBP): Cost(0.047, 0.845, 0.845),
    (Format.PNG, Mode.LOSSLESS, Format.AVIF): Cost(0.008, 0.006, 0.006),
    (Format.PNG, Mode.LOSSLESS, Format.PNG): Cost(0.003, 0.494, 0.494),
    (Format.PNG, Mode.LOSSLESS, Format.WEBP): Cost(0.006, 0.135, 0.135),
    (Format.PNG, Mode.LOSSY, Format.AVIF): Cost(0.263, 1.2, 1.2),
    (Format.PNG, Mode.LOSSY, Format.PNG): Cost(0.011, 2.63, 2.63),
    (Format.PNG, Mode.LOSSY, Format.WEBP): Cost(0.106, 0.418, 0.418),
}

# A kind with a texture (None: every texture) and a side of the knee (True: above).
Group = tuple[Format, Mode, Format, Texture | None, bool]
# Measured over costed per group on the wider corpus (see the module doc); a group missing is 1.
SCALES: dict[Group, float] = {
    (Format.GIF, Mode.LOSSY, Format.GIF, Texture.PALETTE, False): 0.74,
    (Format.GIF, Mode.LOSSY, Format.GIF, None, False): 0.74,
    (Format.JPEG, Mode.GLOSSY, Format.AVIF, None, False): 1.0,
    (Format.JPEG, Mode.GLOSSY, Format.JPEG, Texture.COLOUR, True): 1.0,
    (Format.JPEG, Mode.GLOSSY, Format.JPEG, None, True): 1.0,
    (Format.JPEG, Mode.GLOSSY, Format.WEBP, None, False): 1.05,
    (Format.JPEG, Mode.LOSSLESS, Format.AVIF, Texture.COLOUR, False): 3.0,
    (Format.JPEG, Mode.LOSSLESS, Format.AVIF, None, False): 3.0,
    (Format.JPEG, Mode.LOSSY, Format.JPEG, Texture.COLOUR, False): 1.0,
    (Format.JPEG, Mode.LOSSY, Format.JPEG, Texture.COLOUR, True): 1.0,
    (Format.JPEG, Mode.LOSSY, Format.JPEG, None, False): 1.0,
    (Format.JPEG, Mode.LOSSY, Format.JPEG, None, True): 1.0,
    (Format.JPEG, Mode.LOSSY, Format.WEBP, Texture.COLOUR, False): 1.49,
    (Format.JPEG, Mode.LOSSY, Format.WEBP, None, False): 1.49,
    (Format.PNG, Mode.GLOSSY, Format.AVIF, None, False): 1.0,
    (Format.PNG, Mode.GLOSSY, Format.PNG, Texture.ALPHA, False): 1.0,
    (Format.PNG, Mode.GLOSSY, Format.PNG, None, False): 1.0,
    (Format.PNG, Mode.GLOSSY, Format.WEBP, None, False): 1.35,
    (Format.PNG, Mode.LOSSLESS, Format.AVIF, Texture.ALPHA, False): 1.0,
    (Format.PNG, Mode.LOSSLESS, Format.AVIF, None, False): 1.0,
    (Format.PNG, Mode.LOSSLESS, Format.PNG, None, False): 0.82,
    (Format.PNG, Mode.LOSSLESS, Format.WEBP, Texture.ALPHA, False): 0.82,
    (Format.PNG, Mode.LOSSLESS, Format.WEBP, None, False): 0.82,
    (Format.PNG, Mode.LOSSY, Format.AVIF, Texture.ALPHA, False): 1.0,
    (Format.PNG, Mode.LOSSY, Format.AVIF, None, False): 1.0,
    (Format.PNG, Mode.LOSSY, Format.PNG, Texture.ALPHA, False): 0.86,
    (Format.PNG, Mode.LOSSY, Format.PNG, Texture.COLOUR, False): 0.67,
    (Format.PNG, Mode.LOSSY, Format.PNG, Texture.GRAPHIC, False): 1.0,
    (Format.PNG, Mode.LOSSY, Format.PNG, Texture.GREY, False): 1.0,
    (Format.PNG, Mode.LOSSY, Format.PNG, None, False): 0.82,
    (Format.PNG, Mode.LOSSY, Format.WEBP, Texture.ALPHA, False): 1.05,
    (Format.PNG, Mode.LOSSY, Format.WEBP, None, False): 1.65,
}

# CPU-seconds per source megapixel (all frames) of the decode alone: what an item costs when the memory
# budget leaves out every target it asked for (8 such conversions of 9-20 MP JPEG photos took 0.007-0.027
# s per megapixel, 0.012 the median).
DECODE_PER_MEGAPIXEL = 0.012
# CPU-seconds per source megapixel (all frames) of decoding and resampling a source that is resized.
RESIZE_PER_MEGAPIXEL = 0.08
# The median bytes per megapixel of each source format on the public corpus: a pixel count for a
# source whose header has not been read yet.
BYTES_PER_MEGAPIXEL = {Format.JPEG: 206_896, Format.PNG: 532_196, Format.GIF: 518_814}


def source_format(head: bytes) -> Format:
    """The source format, as the model knows it, of a source whose first bytes are ``head``: JPEG,
    PNG, GIF, WebP or AVIF, and PNG for anything else."""
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return Format.WEBP
    if head[4:12] in _AVIF_BRANDS:
        return Format.AVIF
    return Format.PNG


def _few_colours(image: Image.Image) -> bool:
    """Whether an opaque colour image's first frame has few enough colours for the PNG search's k-means
    ladders, which take 2-4 CPU-s a megapixel against about 1 for libimagequant's on photo-like ones."""
    return image.convert("RGB").getcolors(KMEANS_MAX_COLOURS) is not None


def shape(data: bytes) -> Shape | None:
    """The shape a source's header tells (the width and height as the engine orients them); None
    when the bytes are not an image Pillow can open. Reads no pixels but those of an opaque colour
    image that is not a JPEG, up to COUNTED_PIXELS, to tell a graphic from a photo by its colours
    (about 0.02 CPU-s a megapixel, a hundredth of what the engine takes on it)."""
    fmt = source_format(data)
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if image.getexif().get(_ORIENTATION_TAG) in _QUARTER_TURNS:
                width, height = height, width
            frames = 1 if image.format == "MPO" else getattr(image, "n_frames", 1)
            picture = texture(image.mode, "transparency" in image.info)
            counted = picture is Texture.COLOUR and fmt is not Format.JPEG and width * height <= COUNTED_PIXELS
            if counted and _few_colours(image):
                picture = Texture.GRAPHIC
    except Exception:  # anything Pillow cannot read is costed from its byte size
        return None
    return Shape(fmt, width, height, frames, picture)


def shape_from_size(fmt: Format, size: int) -> Shape:
    """A square guess for a source of ``size`` bytes whose header has not been read."""
    megapixels = size / BYTES_PER_MEGAPIXEL.get(fmt, BYTES_PER_MEGAPIXEL[Format.PNG])
    side = max(1, round(math.sqrt(megapixels * 1e6)))
    return Shape(fmt, side, side)


def kind(source: Format, target: Target) -> tuple[Format, Mode, Format]:
    """The key of ``COSTS`` for a target on a source of this format: the source as costed, the mode,
    and the format made (the target's own, or the source's)."""
    costed = source if source in COSTED_SOURCES else Format.PNG
    return costed, target.mode, target.format or source


def variant_cost(source: Format, target: Target) -> Cost:
    """The cost of one target on a source of this format. A conversion the fit did not make (a PNG
    as JPEG, a JPEG as PNG) is costed as the same mode in the costed source's own format."""
    costed, mode, made = kind(source, target)
    return COSTS.get((costed, mode, made), COSTS[(costed, mode, costed)])


def groups(source: Shape, target: Target, megapixels: float) -> tuple[Group, Group]:
    """The scale groups of a target on this source at this size (all frames): its texture's, then every
    texture's."""
    costed, mode, made = kind(source.format, target)
    above = megapixels > KNEE_MEGAPIXELS
    return (costed, mode, made, source.texture, above), (costed, mode, made, None, above)


def scale(source: Shape, target: Target, megapixels: float, scales: dict[Group, float]) -> float:
    """The factor ``scales`` gives a target's cost on this source: its texture's group, or every texture's."""
    own, every = groups(source, target, megapixels)
    return scales.get(own, scales.get(every, 1.0))


def made_megapixels(source: Shape, resize: Resize | None) -> float:
    """The megapixels (all frames) the variants of this source are made at, resized if asked."""
    if resize is None:
        return source.megapixels * source.frames
    width, height = target_size((source.width, source.height), resize)
    if resize.mode is ResizeMode.SMART_CROP:  # cut to the box after scaling
        width, height = min(width, resize.width or width), min(height, resize.height or height)
    return width * height / 1e6 * source.frames


def cpu_seconds(
    source: Shape, targets: tuple[Target, ...], resize: Resize | None = None, scales: dict[Group, float] | None = None
) -> float:
    """The engine's expected CPU-seconds for ``targets`` on this source, resized first if asked, with
    each target's cost scaled by ``scales`` (``SCALES`` unless given)."""
    scales = SCALES if scales is None else scales
    pixels = made_megapixels(source, resize)
    resampled = 0.0
    if pixels != source.megapixels * source.frames:
        resampled = RESIZE_PER_MEGAPIXEL * source.megapixels * source.frames
    costs = (
        variant_cost(source.format, target).seconds(pixels) * scale(source, target, pixels, scales)
        for target in targets
    )
    return resampled + sum(costs)


def estimate(data: bytes, spec: Spec, limits: Limits, scales: dict[Group, float] | None = None) -> float | None:
    """The engine's expected CPU-seconds for ``spec`` on the source ``data`` under ``limits``, from its
    header alone: only the targets the memory budget lets it make are costed (``memory.plan``), and an
    item it refuses costs nothing; ``scales`` as for ``cpu_seconds``. None when the header is unreadable
    (the engine will say why)."""
    source = shape(data)
    if source is None:
        return None
    try:
        left_out = memory.plan(data, spec, limits).left_out
    except EngineError:  # refused from its header, before any pixel is decoded
        return 0.0
    made = tuple(target for target in spec.targets if target not in left_out)
    if not made:
        return DECODE_PER_MEGAPIXEL * source.megapixels * source.frames
    return cpu_seconds(source, made, spec.resize, scales)
