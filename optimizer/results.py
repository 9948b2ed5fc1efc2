"""Which stored file answers what a request asked for, decided once for every face and for credits.

- The optimized image is the smallest of the request's own-format targets (its mode and, for lossy
  and glossy, the lossless counterpart: a lossy slot is never worse than the lossless one) that is
  strictly smaller than the source. When none is, the client keeps its original.
- A WebP or AVIF conversion that was asked for is a real file of that format even when it is not
  smaller than the source or the optimized image: clients apply their own margin (the WordPress
  plugin records a file over 5 % bigger as "bigger" and stops asking; the SDK saves what it asked
  for). Only a format that cannot hold the image at all has no file.
- An image whose optimized result saves less than ``REDUCER_MIN_CHARGED_SAVINGS`` percent is free.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from django.conf import settings

from optimizer.engine import Format, Mode, Spec, Target

CONVERSIONS = (Format.WEBP, Format.AVIF)


class Stored(Protocol):
    """What a stored variant row tells (``optimizer.models.Variant``)."""

    name: str
    storage_name: str
    size: int
    smaller: bool


def target_name(target: Target) -> str:
    """The variant name a target's output is stored under, e.g. ``lossy-original``, ``glossy-avif``."""
    return f"{target.mode.value}-{target.format.value if target.format else 'original'}"


def is_conversion(target: Target) -> bool:
    return target.format in CONVERSIONS


def by_name(variants: Iterable[Stored]) -> dict[str, Stored]:
    return {variant.name: variant for variant in variants}


def optimized(spec: Spec, variants: Mapping[str, Stored]) -> Stored | None:
    """The file served as the optimized image, or None: the original stays (not smaller, or only
    conversions were asked for)."""
    found = [variants.get(target_name(target)) for target in spec.targets if not is_conversion(target)]
    servable = [variant for variant in found if variant and variant.storage_name and variant.smaller]
    return min(servable, key=lambda variant: variant.size, default=None)


def lossless(spec: Spec, variants: Mapping[str, Stored]) -> Stored | None:
    """The lossless own-format file, when it was made and is smaller than the source."""
    for target in spec.targets:
        if not is_conversion(target) and target.mode is Mode.LOSSLESS:
            variant = variants.get(target_name(target))
            return variant if variant and variant.storage_name and variant.smaller else None
    return None


def conversion(spec: Spec, variants: Mapping[str, Stored], fmt: Format) -> Stored | None:
    """The file answering the request's conversion to ``fmt`` (asked for: see ``asked``), or None
    when the format cannot hold this image."""
    for target in spec.targets:
        if target.format is fmt:
            variant = variants.get(target_name(target))
            return variant if variant and variant.storage_name else None
    return None


def asked(spec: Spec, fmt: Format) -> bool:
    return any(target.format is fmt for target in spec.targets)


def has_main(spec: Spec) -> bool:
    """Whether the request asked for the image itself, not only for conversions of it."""
    return not all(is_conversion(target) for target in spec.targets)


def main_size(spec: Spec, variants: Mapping[str, Stored], original_size: int) -> int:
    """Bytes of what the client ends up with for the request's main answer: the optimized image, or
    for a request of conversions only, the first conversion; the original when there is nothing better."""
    if not has_main(spec):
        first = conversion(spec, variants, spec.targets[0].format)
        return first.size if first else original_size
    found = optimized(spec, variants)
    return found.size if found else original_size


def chargeable(spec: Spec, variants: Iterable[Stored], original_size: int) -> bool:
    """Whether the work earns its credit: the main answer saves at least the configured share."""
    if not original_size:
        return False
    saved = 1 - main_size(spec, by_name(variants), original_size) / original_size
    return saved * 100 >= settings.REDUCER_MIN_CHARGED_SAVINGS


def covers(spec: Spec, wanted: Spec) -> bool:
    """An item made for ``spec`` answers a request for ``wanted`` (same options, targets a subset):
    a re-send asking only for a conversion already made is answered from the work done."""
    return set(wanted.targets) <= set(spec.targets)
