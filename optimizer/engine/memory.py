"""A worker's memory per item, estimated from the header and the targets before any pixel is decoded.

An item adds to the worker what it holds throughout (the decoded frames, a resized copy) and the
larger of its costliest variant's encoder and that variant's verification (the decoded candidate,
and the sample's tiles up to ``Limits.verify_pixels``): the variants run one after another, an
encoder is done before its output is decoded, and what each step frees is given back
(``heap.release``). Encoders are costed per sample (pixel x band) of what they encode. The figures
were fitted to the peak RSS growth of whole jobs in a fresh process (24 MP colour and 50 MP grey
JPEGs, a 16.7 MP RGBA PNG, a 3-page fax TIFF; README, "Memory per item") so that each estimate lies
above what was measured. Encoders alone, for scale: mozjpeg took
241 MB on 50 MP grey (with or without progressive scans), libwebp 597 MB on 16.7 MP RGBA noise,
libavif 433 MB on the same at speeds 6 and 8 alike; an animated AVIF took 715-800 MB for three 4 MP
frames at speed 6 (libaom keeps a lookahead of whole frames) and 124-132 MB at speed 7.

Where the whole item fits with room to spare, the verifier keeps the reference's terms across the
item's variants (``Plan.keep_terms``): every verification after the first then pays only for the
candidate's side, for ``KEPT_TERMS_BYTES_PER_PIXEL`` more per pixel verified and background.

Above the budget a format's 4:4:4 ladders are left out of its search (a JPEG coded 4:4:4 holds
twice the coefficients of 4:2:0 to encode and to decode), then a choice is checked on the verifier's
tiles only rather than once more on every pixel, then an animation's AVIF is tried at the lean
speed; a conversion (WebP or AVIF of another format) that still does not fit is left out with its
reason, and an item whose own format does not fit is refused as too large before it is decoded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .decode import decoded_bytes, frame_count, kept_bands, open_image, streams_as_stored
from .errors import ImageTooLarge
from .resize import target_size
from .spec import Format, Limits, Mode, Spec, Target

MB = 1 << 20
# Libraries' allocations, the encoded outputs a job keeps, the metric's probe references and what the
# steps before the first encode leave in the heap: a 1.2 MP photo's lossy job grew 56 MiB, and the
# growth of larger photos' jobs less their pixels' share points at about 100 MiB.
FIXED_BYTES = 100 * MB
# The verification of the chosen encode: the decoded candidate and its sample's tiles, on every pixel
# of the first frame up to Limits.verify_pixels (on a sample of that size above it)...
METRIC_BYTES_PER_PIXEL = 20
# ...and, above it, the check of the choice on every pixel, scored band by band: the decoded candidate
# with its decoder's buffers. A JPEG per sample it codes (a progressive JPEG's coefficients are held
# while it decodes): the lossy and glossy jobs of a 24 MP 4:2:0 photo grew 305-316 MiB (379 coded
# 4:4:4), of a 20.4 MP one 284-287...
WHOLE_CHECK_JPEG_BYTES_PER_SAMPLE = 4.4
# ...another format's per pixel (Pillow's WebP decoder holds its canvas and the raw frame beside the pixels)
WHOLE_CHECK_BYTES_PER_PIXEL = 16
# ...and the verifier's terms kept for the whole item: XYB, mean and variance at every scale, 48 bytes
# a pixel, and the workspace of a comparison against them (a 2 MP photo's lossy set grew 106 MB more
# with them, 51.3 a pixel)
KEPT_TERMS_BYTES_PER_PIXEL = 52
# An encoder's peak growth per sample (pixel x band) it encodes, with its search: fitted, rounded up.
# mozjpeg took 150 MB for a 24 MP 4:2:0 photo (1.5 samples a pixel) read from its file, 186 MB for an
# 18 MP one from a copy (3 bytes a pixel of it: its jobs grew 281-299 MiB), 241 MB on 50 MP grey from
# a copy; a 10 MP photo's WebP job grew 247 MB, its AVIF job 332 MB, a 16.7 MP RGBA PNG's 590 MB.
ENCODER_BYTES_PER_SAMPLE = {Format.JPEG: 4.4, Format.PNG: 6.5, Format.GIF: 6.5, Format.WEBP: 4.5, Format.AVIF: 7.0}
# An animated AVIF's encoder, per sample of one frame, at speeds up to 6 and from ANIMATION_LEAN_SPEED.
ANIMATED_AVIF_BYTES_PER_SAMPLE = 70.0
ANIMATION_LEAN_SPEED = 7
ANIMATED_AVIF_LEAN_BYTES_PER_SAMPLE = 11.0
CONVERSIONS = (Format.WEBP, Format.AVIF)
# Pillow's format names of the formats an item may keep as its own
_NATIVE = {name: fmt for fmt in Format for name in (fmt.name, "MPO" if fmt is Format.JPEG else fmt.name)}


@dataclass(frozen=True)
class Plan:
    """What an item may make within the budget: the AVIF speed to encode at, the formats whose choice
    is checked on the verifier's tiles only (not once more on every pixel), the targets left out,
    each with its reason, and whether the verifier keeps the reference's terms for the whole item."""

    avif_speed: int
    tiles_only: frozenset[Format] = frozenset()
    without_444: frozenset[Format] = frozenset()  # searched without their 4:4:4 ladders
    left_out: dict[Target, str] = field(default_factory=dict)
    keep_terms: bool = False


@dataclass(frozen=True)
class _Shape:
    """The picture the encoders will see, as the header tells it."""

    pixels: int  # of one frame, after any resize
    frames: int
    bands: int  # 1 (grey), 3 (colour) or 4 (with alpha)
    held: int  # bytes held for the whole job: the decoded frames, and a resized or filled copy
    source_bytes: int  # the encoded source
    coded: bool  # a JPEG mozjpeg reads row by row from its file (decode.streams_as_stored)

    def jpeg_samples(self, with_444: bool) -> float:
        """Samples a pixel a JPEG codes: grey 1, colour 1.5 at 4:2:0 and 3 at 4:4:4."""
        return 1.0 if self.bands == 1 else 3.0 if with_444 else 1.5

    def encoder_bytes(self, fmt: Format, mode: Mode, avif_speed: int, with_444: bool = True) -> float:
        """The encoder's peak growth for ``fmt``: lossy targets may end on the lossless encoding, and
        its cost is the same order, so one figure covers both."""
        if fmt is Format.JPEG and mode is Mode.LOSSLESS:
            return 2 * self.source_bytes  # the coefficients are transcoded in a child process
        if fmt is Format.AVIF and mode is Mode.LOSSLESS:
            return 0  # never encoded
        if fmt is Format.JPEG:
            samples = self.jpeg_samples(with_444)  # lossy too may widen to the glossy ladders
            copy = 0 if self.coded else self.pixels * min(self.bands, 3)  # the pixels handed to mozjpeg
            return copy + ENCODER_BYTES_PER_SAMPLE[fmt] * self.pixels * samples
        bands = (4 if self.bands == 4 else 3) if fmt in CONVERSIONS else self.bands
        # WebP and AVIF encode grey frames as RGB: a converted copy of them all
        copy = self.pixels * self.frames * bands if self.bands == 1 and fmt in CONVERSIONS else 0
        if fmt is Format.AVIF and self.frames > 1:
            lean = avif_speed >= ANIMATION_LEAN_SPEED
            per_sample = ANIMATED_AVIF_LEAN_BYTES_PER_SAMPLE if lean else ANIMATED_AVIF_BYTES_PER_SAMPLE
            return copy + per_sample * self.pixels * bands
        return copy + ENCODER_BYTES_PER_SAMPLE[fmt] * self.pixels * self.frames * bands

    def metric_bytes(self, fmt: Format, mode: Mode, whole: bool, with_444: bool, limits: Limits) -> float:
        """The verification's peak; ``whole``: a choice made on the verifier's tiles is checked on
        every pixel too."""
        if mode is Mode.LOSSLESS:
            return 0
        sampled = METRIC_BYTES_PER_PIXEL * min(self.pixels, limits.verify_pixels)
        if not whole or self.pixels <= limits.verify_pixels:
            return sampled
        if fmt is Format.JPEG:
            return max(sampled, WHOLE_CHECK_JPEG_BYTES_PER_SAMPLE * self.jpeg_samples(with_444) * self.pixels)
        return max(sampled, WHOLE_CHECK_BYTES_PER_PIXEL * self.pixels)

    def kept_terms_bytes(self, formats: set[Format], limits: Limits) -> int:
        """The verifiers' terms kept for the whole item: on each background its pixels are scored on
        (two with alpha), and a flattened copy for JPEG where the image has alpha."""
        backgrounds = 2 if self.bands == 4 else 1
        if self.bands == 4 and Format.JPEG in formats:
            backgrounds += 1
        return KEPT_TERMS_BYTES_PER_PIXEL * min(self.pixels, limits.verify_pixels) * backgrounds

    def cost(
        self, fmt: Format, mode: Mode, avif_speed: int, limits: Limits, whole: bool = True, with_444: bool = True
    ) -> int:
        """Bytes the item adds to the worker while it makes this variant: an encoder is done before
        its output is decoded and verified, so the two peaks do not add."""
        metric = self.metric_bytes(fmt, mode, whole, with_444, limits)
        encoder = self.encoder_bytes(fmt, mode, avif_speed, with_444)
        return math.ceil(FIXED_BYTES + self.held + max(metric, encoder))


def _shape(data: bytes, spec: Spec, limits: Limits) -> tuple[_Shape, Format | None]:
    im = open_image(data, limits)
    frames, bands = frame_count(im), kept_bands(im)
    size = target_size(im.size, spec.resize) if spec.resize is not None else im.size
    pixels = size[0] * size[1]
    held = decoded_bytes(im)
    if spec.resize is not None or (spec.background is not None and bands == 4):
        held += pixels * frames * bands
    native = _NATIVE.get(im.format or "")
    coded = spec.resize is None and streams_as_stored(im)
    return _Shape(pixels, frames, bands, held, len(data), coded), native


def _formats(target: Target, native: Format | None) -> tuple[Format, ...]:
    # A TIFF or BMP's own format is JPEG or PNG depending on its pixels: the costlier is assumed.
    return (target.format,) if target.format else ((native,) if native else (Format.JPEG, Format.PNG))


def estimates(data: bytes, spec: Spec, limits: Limits) -> dict[Target, int]:
    """Bytes each of ``spec``'s targets is estimated to add to a worker, from the header alone."""
    shape, native = _shape(data, spec, limits)
    return {
        target: max(shape.cost(fmt, target.mode, spec.avif_speed, limits) for fmt in _formats(target, native))
        for target in spec.targets
    }


def _megabytes(size: float) -> str:
    return f"{size / MB:.0f} MB"


def plan(data: bytes, spec: Spec, limits: Limits) -> Plan:
    """Check ``spec``'s targets against ``limits.memory_budget`` from the header alone.

    A target that does not fit is searched without its format's 4:4:4 ladders; one that still does
    not fit with its choice checked on every pixel is checked on the verifier's tiles only (as
    images above ``Limits.verify_pixels`` were before that check); an animation's AVIF is then tried
    at the lean speed. A conversion that still does not fit is left out; any other target refuses
    the item with ``ImageTooLarge``."""
    shape, native = _shape(data, spec, limits)
    budget = limits.memory_budget
    avif_speed = spec.avif_speed
    tiles_only: set[Format] = set()
    without_444: set[Format] = set()
    left_out: dict[Target, str] = {}
    for target in spec.targets:
        formats = _formats(target, native)
        ways = [(avif_speed, True, True), (avif_speed, True, False), (avif_speed, False, False)]
        if formats[0] is Format.AVIF and shape.frames > 1 and avif_speed < ANIMATION_LEAN_SPEED:
            ways += [(ANIMATION_LEAN_SPEED, True, False), (ANIMATION_LEAN_SPEED, False, False)]
        for speed, whole, with_444 in ways:
            need = max(shape.cost(fmt, target.mode, speed, limits, whole, with_444) for fmt in formats)
            if need <= budget:
                avif_speed = speed
                if not whole:
                    tiles_only.update(formats)
                if not with_444:
                    without_444.update(formats)
                break
        else:
            over = f"would take about {_megabytes(need)}, over the memory budget of {_megabytes(budget)}"
            if formats[0] in CONVERSIONS and formats[0] is not native:
                left_out[target] = f"{formats[0].name} not made: at this size it {over}"
            else:
                raise ImageTooLarge(f"{shape.frames} frame(s) of {shape.pixels} pixels: optimizing {over}")
    made = [(target, fmt) for target in spec.targets if target not in left_out for fmt in _formats(target, native)]
    kept = shape.kept_terms_bytes({fmt for _, fmt in made}, limits)
    keep_terms = all(
        shape.cost(fmt, target.mode, avif_speed, limits, fmt not in tiles_only, fmt not in without_444) + kept <= budget
        for target, fmt in made
    )
    return Plan(avif_speed, frozenset(tiles_only), frozenset(without_444), left_out, keep_terms)
