"""What the engine hands back: every variant with what it measured."""

from __future__ import annotations

from dataclasses import dataclass

from .spec import Format, Target


@dataclass(frozen=True)
class Variant:
    target: Target
    format: Format
    data: bytes | None  # None when the variant is not worth serving (see ``note``)
    width: int
    height: int
    setting: str  # the encoder setting chosen, e.g. "q=72 4:2:0"
    score: float | None  # SSIMULACRA2 against the (resized) source; None for lossless
    smaller: bool  # strictly smaller than the source file
    note: str = ""
    # CPU seconds of the process (encoder threads included) spent making this variant; the decode,
    # the resize and the references are shared by all variants and counted in none.
    cpu_seconds: float = 0.0

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else 0


@dataclass(frozen=True)
class Result:
    source_format: Format
    source_size: int
    width: int
    height: int
    frames: int
    variants: tuple[Variant, ...]
