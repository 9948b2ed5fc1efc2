"""``optimize``: decode once, prepare the picture once, then one variant per target."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace

import numpy as np

from . import memory, resize
from .codecs import CODECS, Lossless, Picture, Setting, flatten
from .decode import Source, decode
from .errors import InvalidSpec
from .heap import release
from .metadata import meta_for
from .metric import Reference
from .quality import Calibration, Choice, Search
from .result import Result, Variant, Work
from .spec import Format, Limits, Mode, Spec, Target

PHOTO_FLAT_FRACTION = 0.45
PALETTE_FORMATS = (Format.PNG, Format.GIF)  # lossy means fewer colours, not a transform codec
LOSSLESS_SOURCES = ("PNG", "GIF", "BMP", "TIFF")
# A lossy encode over this fraction of a losslessly coded source: the format's lossless encoding may be
# smaller (WebP lossless is 0.4-1.0x a PNG; on a flat graphic lossy WebP at the floor can be 2x it);
# photos and thumbnails from PNG stay far below (lossy WebP 0.05-0.2x), so they never pay for it.
LOSSLESS_MAY_WIN = 0.5

# How much further WebP's sample tiles read above every pixel than mozjpeg's on the same photo at the
# lossy floor (median +0.4 over 12 photos of 1-3 MP; libwebp adapts its segments to what it is given):
# aimed by mozjpeg's offsets alone, its first verified encode fell short by a few hundredths on some
# photos and paid a second full encode and verification (28 full encodes over 13 photos, 22 with it).
# At the glossy floor WebP's tiles read no higher than mozjpeg's (0.2-0.7 points), and the same excess
# there cost a descent more often than it saved one.
WEBP_TILE_EXCESS = 0.25

# Where each search starts: the class's known-good setting (anchors' best fixed settings).
_START = {
    (Format.JPEG, Mode.LOSSY): 70,
    (Format.JPEG, Mode.GLOSSY): 88,
    (Format.WEBP, Mode.LOSSY): 75,
    (Format.WEBP, Mode.GLOSSY): 95,
    (Format.AVIF, Mode.LOSSY): 50,
    (Format.AVIF, Mode.GLOSSY): 80,
    # palette formats: the ladder's top for glossy, near it for lossy (colours or libimagequant quality)
    (Format.PNG, Mode.LOSSY): 80,
    (Format.PNG, Mode.GLOSSY): 256,
    (Format.GIF, Mode.LOSSY): 80,
    (Format.GIF, Mode.GLOSSY): 256,
}


def _validate(spec: Spec) -> None:
    if not spec.targets:
        raise InvalidSpec("at least one target is needed")
    if spec.quality is not None and not 1 <= spec.quality <= 100:
        raise InvalidSpec("quality must be between 1 and 100")
    if spec.target_size is not None and spec.target_size < 1:
        raise InvalidSpec("target_size must be a positive number of bytes")
    if not 0 <= spec.avif_speed <= 10:
        raise InvalidSpec("avif_speed must be between 0 and 10")


def is_photo(source: Source) -> bool:
    """Opaque and still, with few flat runs: a photograph (or photo-like texture) rather than a graphic.

    Graphics and screenshots repeat a pixel in its right-hand neighbour most of the time; photos, even
    dithered palette ones, rarely do (corpus: photos 3-63 %, graphics 49-88 %). Measured on a few
    hundred full-resolution rows, so it costs next to nothing.
    """
    if source.has_alpha or source.animated:
        return False
    pixels = np.asarray(source.image)
    rows = pixels[:: max(1, pixels.shape[0] // 256)]
    same = rows[:, 1:] == rows[:, :-1]
    if same.ndim == 3:
        same = same.all(axis=2)
    return same.size == 0 or float(same.mean()) < PHOTO_FLAT_FRACTION


def screen_tools_may_pay(source: Source) -> bool:
    """Whether an encoder's tools for screen content (AV1's palette) may find anything: not on a
    photo-like image in more than 256 colours. A photo-like image in a few colours (a dithered one)
    keeps them: AVIF without its palette tool made a 3-colour dither 2.6x larger."""
    return not is_photo(source) or source.image.getcolors(256) is not None


def default_format(source: Source) -> Format:
    """The source's own format; BMP and TIFF become JPEG when photo-like, PNG otherwise (as ShortPixel does)."""
    if source.format is not None:
        return source.format
    return Format.JPEG if is_photo(source) else Format.PNG


def _closest(ladder: tuple[Setting, ...], quality: int) -> int:
    return min(range(len(ladder)), key=lambda i: abs(ladder[i].quality - quality))


@dataclass
class _Job:
    source: Source
    spec: Spec
    limits: Limits
    picture: Picture
    altered: bool
    plan: memory.Plan  # what the memory budget allows
    _references: dict[tuple[bool, int], Reference] = field(default_factory=dict)
    _searches: dict[Format, Search] = field(default_factory=dict)
    _lossless: dict[Format, Lossless] = field(default_factory=dict)
    # Tiles misjudge palette banding and transform-codec artefacts by unrelated amounts (a smooth
    # wallpaper: +30 points for a palette, +1 for WebP), so each kind learns its own offset. WebP starts
    # from what the formats before it learnt but keeps its own offsets to itself: on a photo where the
    # sample read 1.2 points above every pixel for mozjpeg and AVIF, it read 2.7-4.4 above for WebP, and
    # an AVIF search aimed by WebP's offsets paid a full encode to step back down. AVIF keeps its own
    # too: its offsets are measured from probes at a faster speed than its encodes, so they take in
    # that speed's difference as well.
    _calibrations: dict[bool, Calibration] = field(default_factory=dict)
    work: Work = field(default_factory=Work)  # every search's calls and the lossless encodes

    def reference(self, flattened: bool, max_pixels: int, keep_terms: bool = False) -> Reference:
        key = (flattened, max_pixels)
        if key not in self._references:
            image = flatten(self.picture.image) if flattened else self.picture.image
            self._references[key] = Reference(image, max_pixels, keep_terms)
        return self._references[key]

    def search(self, fmt: Format, mode: Mode) -> Search:
        """The format's search, made for the first target that needs it (``mode``: its mode)."""
        if fmt not in self._searches:
            flattened = fmt is Format.JPEG and self.picture.has_alpha
            probes = self.reference(flattened, self.limits.metric_pixels)
            # an image small enough to be probed whole is verified by its probes
            verifier = (
                probes
                if not probes.sampled
                else self.reference(
                    flattened, max(self.limits.verify_pixels, self.limits.metric_pixels), self.plan.keep_terms
                )
            )
            checked = verifier.sampled and fmt not in self.plan.tiles_only
            whole = self.reference(flattened, self.limits.max_pixels) if checked else None
            calibration = self._calibrations.setdefault(fmt in PALETTE_FORMATS, Calibration())
            if fmt is Format.WEBP:
                excess = WEBP_TILE_EXCESS if mode is Mode.LOSSY else 0.0
                calibration = Calibration([offset + excess for offset in calibration.offsets])
            elif fmt is Format.AVIF:
                calibration = Calibration(list(calibration.offsets))
            self._searches[fmt] = Search(
                CODECS[fmt],
                self.picture,
                probes,
                verifier,
                calibration,
                self.work,
                whole=whole,
                refines_at_final_speed=not is_photo(self.source),
            )
        return self._searches[fmt]

    def grid(self, fmt: Format, mode: Mode) -> tuple[tuple[Setting, ...], ...]:
        """The codec's ladders for ``mode``, without the 4:4:4 ones where the memory budget says so."""
        ladders = CODECS[fmt].grid(mode, self.picture, self.spec)
        if fmt not in self.plan.without_444:
            return ladders
        return tuple(ladder for ladder in ladders if ladder[0].chroma != "4:4:4")

    def lossless(self, fmt: Format) -> Lossless:
        """The format's lossless encoding, made once: a lossy search that falls back to it and the
        lossless target share it (oxipng on a 2 MP photo costs a second or more)."""
        if fmt not in self._lossless:
            self.work.encodes += 1
            self._lossless[fmt] = CODECS[fmt].lossless(self.picture, self.source, self.altered)
        return self._lossless[fmt]

    def _variant(
        self, target: Target, fmt: Format, data: bytes | None, setting: str, score: float | None, note: str = ""
    ) -> Variant:
        width, height = self.picture.image.size
        smaller = data is not None and len(data) < len(self.source.data)
        if data is not None and not smaller:
            note = note or "not smaller than the source: serve the original"
        return Variant(target, fmt, data, width, height, setting, score, smaller, note)

    def variant(self, target: Target) -> Variant:
        fmt = target.format or default_format(self.source)
        if target in self.plan.left_out:
            return self._variant(target, fmt, None, "", None, self.plan.left_out[target])
        try:
            return self._encoded(target, fmt)
        except (OSError, ValueError, RuntimeError) as exc:
            # The format's own limits (WebP: 16383 pixels a side) make a variant impossible, not the job.
            return self._variant(target, fmt, None, "", None, f"{fmt.value} encoder refused this image: {exc}")
        finally:
            release()  # what the variant's searches and encoders freed

    def _encoded(self, target: Target, fmt: Format) -> Variant:
        if target.mode is Mode.LOSSLESS:
            encoded = self.lossless(fmt)
            if encoded.data is None and self.altered and fmt is not Format.AVIF:
                return self._best_effort(target, fmt, encoded.note)
            return self._variant(target, fmt, encoded.data, encoded.setting, None, encoded.note)
        search = self.search(fmt, target.mode)
        ladders = self.grid(fmt, target.mode)
        choice: Choice | None
        if self.spec.quality is not None:
            near = ladders[0][_closest(ladders[0], self.spec.quality)]
            # The number given is the encoder's quality; a colour-count ladder takes its nearest step.
            choice = search.at(near if near.label == "colours" else replace(near, quality=self.spec.quality))
        elif self.spec.target_size is not None:
            choice = search.fit_size(ladders[0], self.spec.target_size)
        else:
            floor = self.spec.glossy_floor if target.mode is Mode.GLOSSY else self.spec.lossy_floor
            start = _START[(fmt, target.mode)]
            choice = search.meet_floor(ladders, floor, lambda ladder: _closest(ladder, start))
            return self._fallback(target, fmt, floor) if choice is None else self._floor_met(target, fmt, choice)
        return self._variant(target, fmt, choice.data, str(choice.setting), round(choice.score, 2))

    def _floor_met(self, target: Target, fmt: Format, choice: Choice) -> Variant:
        """The lowest setting that meets the floor, or a transform codec's lossless encoding where that is
        smaller, looked for only where it may be: a lossless source not much larger than the lossy encode
        (a palette format's lossless target is the source's own compression, a job of its own)."""
        if (
            fmt not in PALETTE_FORMATS
            and not self.altered
            and self.source.pil_format in LOSSLESS_SOURCES
            and len(choice.data) >= LOSSLESS_MAY_WIN * len(self.source.data)
        ):
            encoded = self.lossless(fmt)
            if encoded.data is not None and len(encoded.data) < len(choice.data):
                return self._variant(
                    target,
                    fmt,
                    encoded.data,
                    encoded.setting,
                    100.0,
                    "lossless is smaller than the lowest setting that reaches the floor",
                )
        return self._variant(target, fmt, choice.data, str(choice.setting), round(choice.score, 2))

    def _wider(self, fmt: Format, mode: Mode) -> list[tuple[tuple[tuple[Setting, ...], ...], int]]:
        """What to search, in order, when the mode's ladders miss the floor, each with where its search
        starts: for lossy, the glossy ladders (4:4:4 chroma, higher qualities); then the codec's rescue
        ladders, too costly to search first."""
        codec = CODECS[fmt]
        tiers = []
        if mode is Mode.LOSSY:
            tiers.append((self.grid(fmt, Mode.GLOSSY), _START[(fmt, Mode.GLOSSY)]))
        rescue = getattr(codec, "rescue", None)
        if rescue is not None:
            tiers.append((rescue(self.picture), _START[(fmt, mode)]))
        return tiers

    def _fallback(self, target: Target, fmt: Format, floor: float) -> Variant:
        """The mode's settings miss the floor: wider ones may reach it, else the lossless encoding does,
        if the format has one."""
        for ladders, start in self._wider(fmt, target.mode):
            search = self.search(fmt, target.mode)
            choice = search.meet_floor(ladders, floor, lambda ladder, at=start: _closest(ladder, at))
            if choice is not None:
                return self._floor_met(target, fmt, choice)
        encoded = self.lossless(fmt)
        note = f"no lossy setting reaches {floor:g}"
        if encoded.data is not None:
            return self._variant(target, fmt, encoded.data, encoded.setting, 100.0, f"{note}: lossless")
        of_pixels = getattr(CODECS[fmt], "lossless_of_pixels", None)
        if of_pixels is not None and self.source.high_bit_depth:
            # A 16-bit PNG's WebP: the 8-bit pixels every setting was scored against, kept exactly,
            # read 100 on the floor's own measure (a 0.16 MP fractal: 43 KB of a 230 KB source, where
            # "no file" sent the clients nothing for a format they asked for).
            encoded = of_pixels(self.picture)
            pixels_note = f"{note}: lossless of the 8-bit pixels it is measured on"
            return self._variant(target, fmt, encoded.data, encoded.setting, 100.0, pixels_note)
        if self.altered:
            return self._best_effort(target, fmt, f"{note}; {encoded.note}")
        return self._variant(target, fmt, None, "", None, f"{note}; {encoded.note}")

    def _best_effort(self, target: Target, fmt: Format, note: str) -> Variant:
        """An altered (resized or filled) image has no original to fall back on: its highest-scoring
        setting is served."""
        search = self.search(fmt, target.mode)
        ladders = [ladder for tier, _ in self._wider(fmt, Mode.LOSSY) for ladder in tier]
        best = max((search.at(ladder[-1]) for ladder in ladders), key=lambda choice: choice.score)
        return self._variant(target, fmt, best.data, str(best.setting), round(best.score, 2), f"{note}: best setting")


def _cpu_seconds() -> float:
    """CPU time of this process (to the nanosecond) and of the children it has waited for (to the
    clock tick): the JPEG lossless transcode runs in a forked child."""
    children = os.times()
    return time.process_time() + children.children_user + children.children_system


def _timed(job: _Job, target: Target) -> Variant:
    """``job.variant(target)`` with the CPU and the calls it took. An encoding or a probe shared by two
    targets (a lossless fallback, the lossy and glossy searches of one format) is counted in the first
    that made it."""
    started, done = _cpu_seconds(), replace(job.work)
    variant = job.variant(target)
    return replace(variant, cpu_seconds=_cpu_seconds() - started, work=job.work.since(done))


def optimize(data: bytes, spec: Spec, limits: Limits = Limits()) -> Result:
    """Every target of ``spec`` as a variant of the image in ``data``; raises an EngineError subclass."""
    _validate(spec)
    plan = memory.plan(data, spec, limits)
    spec = replace(spec, avif_speed=plan.avif_speed)
    source = decode(data, limits)
    release()  # the decoder's buffers: 24 MB of a 24 MP photo's heap stayed resident
    frames = resize.apply(source.frames, spec.resize)
    filled = spec.background is not None and source.has_alpha
    if filled:
        frames = tuple(flatten(frame, spec.background) for frame in frames)
    altered = filled or frames[0].size != source.image.size
    # Pixels decoded as they were stored (no orientation baked in, no CMYK converted), from a file
    # that decodes row by row (not progressive: see decode.streams_as_stored)
    as_stored = (
        source.pil_format == "JPEG" and source.orientation == 1 and not (source.cmyk or source.progressive or altered)
    )
    picture = Picture(
        frames,
        meta_for(source, spec.metadata),
        source.durations,
        source.loop,
        coded=data if as_stored else None,
        screen_tools=screen_tools_may_pay(source),
    )
    job = _Job(source, spec, limits, picture, altered, plan)
    variants = tuple(_timed(job, target) for target in spec.targets)
    width, height = source.image.size
    return Result(
        source_format=source.format or default_format(source),
        source_size=len(data),
        width=width,
        height=height,
        frames=len(source.frames),
        variants=variants,
    )
