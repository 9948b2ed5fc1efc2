"""What the caller asks the engine for: frozen, hashable, free of any wire vocabulary."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Mode(StrEnum):
    LOSSY = "lossy"
    GLOSSY = "glossy"
    LOSSLESS = "lossless"


class Format(StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    GIF = "gif"
    WEBP = "webp"
    AVIF = "avif"


class ResizeMode(StrEnum):
    COVER = "cover"  # ShortPixel "outer": fill the box, the smaller side matches it
    CONTAIN = "contain"  # ShortPixel "inner": fit inside the box
    SMART_CROP = "smart_crop"  # fill the box exactly, cropping around the busiest region
    FIT = "fit"  # max width/height: shrink to fit inside, never enlarge


class Metadata(StrEnum):
    STRIP = "strip"
    KEEP = "keep"
    COPYRIGHT = "copyright"


@dataclass(frozen=True)
class Target:
    """One wanted output. ``format=None`` means the source's own format."""

    mode: Mode
    format: Format | None = None


@dataclass(frozen=True)
class Resize:
    mode: ResizeMode
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Spec:
    targets: tuple[Target, ...]
    resize: Resize | None = None
    metadata: Metadata = Metadata.STRIP
    cmyk_to_rgb: bool = True
    # Transparency filled with this RGB colour before any format is encoded, so the output is opaque.
    # None: kept where the format holds it (JPEG, which cannot, is flattened onto white).
    background: tuple[int, int, int] | None = None
    quality: int | None = None  # None: the perceptual floor search; 1..100: that encoder setting
    target_size: int | None = None  # bytes; the best setting whose output fits
    lossy_floor: float = 70.0
    glossy_floor: float = 85.0
    avif_speed: int = 6  # 0 (slowest, smallest) .. 10; 8 trades a few % of size for ~3x less CPU


@dataclass(frozen=True)
class Limits:
    max_pixels: int = 50_000_000  # summed over frames
    max_frames: int = 500
    max_bytes: int = 50 * 1024 * 1024
    # The decoded frames, estimated from the header before decoding (decode.decoded_bytes): 72 MiB is
    # a 25-megapixel colour photo (20-24 MP camera originals are common). What a job adds besides is
    # bounded by memory_budget.
    max_decode_bytes: int = 72 * 1024 * 1024
    metric_pixels: int = 524_288  # search probes score a sample of tiles of about this many pixels (two 512² tiles)
    verify_pixels: int = 4_500_000  # the chosen encode is scored on every pixel up to this, on tiles above
    # Most memory one item may add to a worker, estimated before decoding (memory.plan): a worker holds
    # 140-180 MB before its first item, so 320 MiB keeps it under 512 MB.
    memory_budget: int = 320 * 1024 * 1024
