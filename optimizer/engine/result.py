"""What the engine hands back: every variant with what it measured."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from .spec import Format, Target


@dataclass
class Work:
    """The calls a job (or one of its variants) made, where its CPU goes: each probe is a cheap encode
    (the sample tiles, or a palette preview) and a metric call on the sample; each verification a
    metric call on every pixel (or the verifier's larger sample); encodes are full-size encodes,
    lossy or lossless."""

    probes: int = 0
    encodes: int = 0
    verifications: int = 0

    def since(self, earlier: Work) -> Work:
        """What was done after ``earlier`` (a copy of this tally taken then)."""
        return Work(**{f.name: getattr(self, f.name) - getattr(earlier, f.name) for f in fields(self)})

    @property
    def metric_calls(self) -> int:
        return self.probes + self.verifications


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
    # CPU seconds of the process (encoder threads and forked children included) spent making this
    # variant; the decode, the resize and the references are shared by all variants and counted in none.
    cpu_seconds: float = 0.0
    work: Work = field(default_factory=Work)  # the calls made for this variant, counted as cpu_seconds is

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
