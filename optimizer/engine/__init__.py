"""reducer's image engine: a pure library (no Django). ``optimize(bytes, Spec) -> Result``."""

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
