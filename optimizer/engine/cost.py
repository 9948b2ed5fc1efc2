"""What an image costs the engine, in CPU-seconds, before it runs: a per-megapixel model.

Each kind of variant (mode and output format) costs about a fixed part plus a part per megapixel,
and both depend on the source's format: a JPEG photo searches differently from a PNG graphic. The
coefficients were fitted on the public corpus by ``python -m optimizer.engine.cost_bench --fit``
(each target made alone, so a figure includes the decode and the metric's references) and checked
on the wider corpus by ``python -m optimizer.engine.cost_bench --corpus wider``. A spec of several
targets is the sum of its targets' costs: they share one decode, so the sum errs on the high side.

Before the source's header has been read, its pixel count is guessed from its byte size with the
format's typical bytes per megapixel.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from .spec import Format, Mode, Target

# The formats with coefficients of their own; any other source (WebP, AVIF, BMP, TIFF) is costed
# as a PNG: its variants run the same searches on decoded pixels.
_MAGIC = ((b"\xff\xd8\xff", Format.JPEG), (b"\x89PNG\r\n\x1a\n", Format.PNG), (b"GIF8", Format.GIF))
COSTED_SOURCES = (Format.JPEG, Format.PNG, Format.GIF)


@dataclass(frozen=True)
class Cost:
    """CPU-seconds of one variant: ``fixed + per_megapixel * megapixels``."""

    fixed: float
    per_megapixel: float

    def seconds(self, megapixels: float) -> float:
        return self.fixed + self.per_megapixel * megapixels


# (source format, mode, output format) -> cost, fitted on the public corpus (see the module doc).
COSTS: dict[tuple[Format, Mode, Format], Cost] = {
    (Format.GIF, Mode.GLOSSY, Format.AVIF): Cost(fixed=0.14, per_megapixel=11.098),
    (Format.GIF, Mode.GLOSSY, Format.GIF): Cost(fixed=0.054, per_megapixel=2.285),
    (Format.GIF, Mode.GLOSSY, Format.WEBP): Cost(fixed=0.001, per_megapixel=3.427),
    (Format.GIF, Mode.LOSSLESS, Format.AVIF): Cost(fixed=0.01, per_megapixel=0.0),
    (Format.GIF, Mode.LOSSLESS, Format.GIF): Cost(fixed=0.007, per_megapixel=0.979),
    (Format.GIF, Mode.LOSSLESS, Format.WEBP): Cost(fixed=0.01, per_megapixel=0.163),
    (Format.GIF, Mode.LOSSY, Format.AVIF): Cost(fixed=0.16, per_megapixel=11.098),
    (Format.GIF, Mode.LOSSY, Format.GIF): Cost(fixed=0.017, per_megapixel=1.142),
    (Format.GIF, Mode.LOSSY, Format.WEBP): Cost(fixed=0.0, per_megapixel=4.053),
    (Format.JPEG, Mode.GLOSSY, Format.AVIF): Cost(fixed=1.1, per_megapixel=3.352),
    (Format.JPEG, Mode.GLOSSY, Format.JPEG): Cost(fixed=0.268, per_megapixel=0.837),
    (Format.JPEG, Mode.GLOSSY, Format.WEBP): Cost(fixed=0.236, per_megapixel=0.383),
    (Format.JPEG, Mode.LOSSLESS, Format.AVIF): Cost(fixed=0.009, per_megapixel=0.006),
    (Format.JPEG, Mode.LOSSLESS, Format.JPEG): Cost(fixed=0.023, per_megapixel=0.043),
    (Format.JPEG, Mode.LOSSLESS, Format.WEBP): Cost(fixed=0.167, per_megapixel=1.599),
    (Format.JPEG, Mode.LOSSY, Format.AVIF): Cost(fixed=1.301, per_megapixel=0.144),
    (Format.JPEG, Mode.LOSSY, Format.JPEG): Cost(fixed=0.065, per_megapixel=0.508),
    (Format.JPEG, Mode.LOSSY, Format.WEBP): Cost(fixed=0.057, per_megapixel=0.483),
    (Format.PNG, Mode.GLOSSY, Format.AVIF): Cost(fixed=0.091, per_megapixel=7.257),
    (Format.PNG, Mode.GLOSSY, Format.PNG): Cost(fixed=0.06, per_megapixel=1.654),
    (Format.PNG, Mode.GLOSSY, Format.WEBP): Cost(fixed=0.06, per_megapixel=0.795),
    (Format.PNG, Mode.LOSSLESS, Format.AVIF): Cost(fixed=0.009, per_megapixel=0.005),
    (Format.PNG, Mode.LOSSLESS, Format.PNG): Cost(fixed=0.002, per_megapixel=0.554),
    (Format.PNG, Mode.LOSSLESS, Format.WEBP): Cost(fixed=0.007, per_megapixel=0.033),
    (Format.PNG, Mode.LOSSY, Format.AVIF): Cost(fixed=0.245, per_megapixel=1.465),
    (Format.PNG, Mode.LOSSY, Format.PNG): Cost(fixed=0.004, per_megapixel=3.036),
    (Format.PNG, Mode.LOSSY, Format.WEBP): Cost(fixed=0.092, per_megapixel=0.414),
}

# The median bytes per megapixel of each source format on the public corpus: a pixel count for a
# source whose header has not been read yet.
BYTES_PER_MEGAPIXEL = {Format.JPEG: 282_824, Format.PNG: 625_544, Format.GIF: 867_009}


def source_format(head: bytes) -> Format:
    """The format costed for a source whose first bytes are ``head``."""
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return fmt
    return Format.PNG


def megapixels(head: bytes) -> float | None:
    """The pixel count, in megapixels, the header at the start of a source tells; None when the bytes
    given do not reach it (a JPEG's dimensions can follow large metadata) or are not an image."""
    try:
        with Image.open(io.BytesIO(head)) as image:
            width, height = image.size
    except Exception:  # anything Pillow cannot open is simply not known yet
        return None
    return width * height / 1e6


def megapixels_from_size(fmt: Format, size: int) -> float:
    """A pixel count for a source of ``size`` bytes whose header has not been read."""
    return size / BYTES_PER_MEGAPIXEL.get(fmt, BYTES_PER_MEGAPIXEL[Format.PNG])


def output_format(source: Format, target: Target) -> Format:
    """The format a target makes: its own, or the source's (the engine's default_format, where
    non-costed sources are costed as PNG)."""
    return target.format or source


def variant_cost(source: Format, target: Target) -> Cost:
    """The cost of one target on a source of this format. A conversion the fit did not make (a PNG
    as JPEG, a JPEG as PNG) is costed as the same mode in the source's own format."""
    costed = source if source in COSTED_SOURCES else Format.PNG
    own = COSTS[(costed, target.mode, costed)]
    return COSTS.get((costed, target.mode, output_format(costed, target)), own)


def cpu_seconds(source: Format, targets: tuple[Target, ...], megapixels: float) -> float:
    """The engine's expected CPU-seconds for ``targets`` on a source of this format and size."""
    return sum(variant_cost(source, target).seconds(megapixels) for target in targets)
