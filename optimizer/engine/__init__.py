"""reducer's image engine: a pure library (no Django). ``optimize(data, spec, limits) -> Result``.

- Input is sniffed from the bytes against an allowlist (JPEG, PNG, GIF, WebP, AVIF, BMP, TIFF);
  byte, pixel (summed over frames) and frame limits are checked on the header, before decoding;
  Pillow's decompression-bomb warning is an error. The memory each target will take is estimated
  from the header too (``memory.plan``, ``Limits.memory_budget``): a WebP or AVIF conversion over
  the budget is returned with ``data=None`` and the reason, an image whose own format does not fit
  is refused as image_too_large. Every failure is an ``EngineError`` with a
  stable ``code``: unsupported_format, corrupt_image, truncated_image (a corrupt_image),
  image_too_large, decompression_bomb (an image_too_large), target_unreachable, invalid_spec.
- EXIF orientation is applied first; resize (cover, contain, smart crop, fit) comes next.
- ``lossy`` and ``glossy`` are floors on SSIMULACRA2 (``Spec.lossy_floor``/``glossy_floor``),
  met per image by a bounded search; ``lossless`` decodes to the source's pixels (JPEG by
  coefficient transcoding, PNG by oxipng on the file, so 16-bit survives; WebP lossless with exact
  alpha). Lossless AVIF, lossless JPEG from non-JPEG pixels and WebP from 16-bit sources are
  returned with ``data=None`` and a note rather than faked.
- A target with ``format=None`` keeps the source's format; BMP and TIFF become JPEG when
  photo-like and opaque, PNG otherwise (``pipeline.default_format``).
- Colour: the source's ICC profile goes into every output format that can carry one; GIF output
  is converted to sRGB instead; an sRGB profile is dropped when stripping metadata. CMYK sources
  are converted to sRGB through their embedded profile (Pillow's formula without one) for every
  re-encoded variant; lossless JPEG keeps the CMYK coefficients.
- Every variant reports format, size, dimensions, the encoder setting and the score it measured;
  ``smaller`` is False when it is not strictly smaller than the source.
"""

from . import cores  # noqa: F401  (single-threaded native libraries, before any codec runs)
from .errors import (
    CorruptImage,
    DecompressionBomb,
    EngineError,
    ImageTooLarge,
    InvalidSpec,
    TargetUnreachable,
    TruncatedImage,
    UnsupportedFormat,
)
from .pipeline import optimize
from .result import Result, Variant
from .spec import Format, Limits, Metadata, Mode, Resize, ResizeMode, Spec, Target

__all__ = [
    "CorruptImage",
    "DecompressionBomb",
    "EngineError",
    "Format",
    "ImageTooLarge",
    "InvalidSpec",
    "Limits",
    "Metadata",
    "Mode",
    "Resize",
    "ResizeMode",
    "Result",
    "Spec",
    "Target",
    "TargetUnreachable",
    "TruncatedImage",
    "UnsupportedFormat",
    "Variant",
    "optimize",
]
