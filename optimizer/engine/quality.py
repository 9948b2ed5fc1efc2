"""Per-image setting search: the smallest file that meets a perceptual floor, or that fits a byte budget.

Probes are cheap and bounded: when the metric samples tiles of a large image, a probe encodes each
tile on its own (on the corpus this scores within about 0.5 point of the same tiles cut from a full
encode), so a probe costs the same on 2 MP and on 50 MP; an animation is probed on its first frame.
Where a codec offers a faster probe speed (AVIF), the search runs at that speed and then, on graphics,
searches below at the final speed; around a verified setting (its offset, the steps up or down) it runs at
the probe speed again, the offset taking in the speed's difference with the tiles'. The chosen
setting is encoded in full once and verified on every pixel (on a larger sample above
``Limits.verify_pixels``), stepping up the ladder if it falls short, and stepping down when it
clears the floor by a point or more: the sample's offset from the verifier, measured at that
setting, locates the floor on every pixel better than any prior margin. Where a format has several
ladders (JPEG's encoders and subsamplings, AVIF's 4:4:4 and 4:2:0), the one whose sample encodes
smallest is verified first, and each other is aimed with the offset that verification measured, and
verified only if its sample a step below that still encodes smaller. A choice verified on that
larger sample is scored on every pixel once more before it is kept: tiles can read two points above
the whole image, more than the sample's margin, and miss its edges. Probes are cached per job and
every search starts from the bracket the cached points already give, so the re-searches after a
verification and the lossy and glossy searches of one format pay only for points not yet visited.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image

from .codecs import Codec, Picture, Setting, decode_first
from .errors import TargetUnreachable
from .heap import release
from .metric import SAMPLE_MARGIN, Reference
from .result import Work

CALIBRATION_SLACK = 0.25  # added to the measured probe-to-verifier offset
DESCENT_MIN_ROOM = 1.0  # score points above the floor that are worth another verified encode
DESCENT_SLACK = 0.1  # added to the offset measured a few steps away when stepping down
# How far under the floor the step below a verified setting with room may read by its probe, less the
# offset, and still be verified, where the probes run at a faster speed than the encodes: AVIF's speed-8
# probes can read the steps apart by more than its speed-6 encodes do (a 4 MP photo: 2.25 points a step
# at speed 8, 1.5 at speed 6), so the step below reads under the floor (69.7) where its encode holds
# (70.45). Probes at the encodes' own speed (JPEG, WebP) are left to the offset alone: verifying their
# step below as well gained 0.5-1.6 points on a few photos for a full encode on most.
DESCENT_REACH = 0.5
MAX_DESCENTS = 2  # verified encodes spent stepping down
MAX_VERIFY_STEPS = 3  # full encodes per ladder when verification keeps falling short
# How much larger another ladder's sample may encode at its aimed setting than the verified ladder's and
# still be encoded in full: full over sample bytes differed by up to 2 % between AVIF's 4:4:4 and 4:2:0
# ladders on most 1-3 MP photos (8 % on one, where 4:4:4 lost by 14 %), and a ladder that was 1.3 %
# larger there won by 10 % after its descent.
LADDER_CLOSE = 0.02
DEFAULT_SLOPE = 1.5  # score points per ladder step, typical at 70..85, until two probes measure it


def _slope(scores: dict[int, float], at: int) -> float:
    """Score gained per ladder step near index ``at``: the secant to its nearest probed neighbour."""
    others = [i for i in scores if i != at]
    if not others:
        return DEFAULT_SLOPE
    near = min(others, key=lambda i: abs(i - at))
    return min(max((scores[at] - scores[near]) / (at - near), 0.3), 15.0)


def _interpolated(scores: dict[int, float], floor: float, fail: int, ok: int) -> int:
    """The next index to probe inside the bracket (fail, ok): a step from the bracket end nearest the
    floor along the local secant (the curve bends, so the far end's slope misleads: regula falsi
    crawls on curves like AVIF's on gradients). A step that would leave the bracket means the local
    slope is wrong (a flat stretch below a steep one): interpolate across the bracket instead, or
    halve it, rather than crawl along its edge one index at a time."""
    if ok in scores and (fail not in scores or scores[ok] - floor <= floor - scores[fail]):
        i = ok - max(1, math.floor((scores[ok] - floor) / _slope(scores, ok)))
    else:
        i = fail + max(1, math.ceil((floor - scores[fail]) / _slope(scores, fail)))
    if not fail < i < ok:
        if fail in scores and ok in scores:
            i = fail + round((floor - scores[fail]) / (scores[ok] - scores[fail]) * (ok - fail))
        else:
            i = (fail + ok) // 2
    return min(max(i, fail + 1), ok - 1)


@dataclass(frozen=True)
class Choice:
    setting: Setting
    data: bytes
    score: float


@dataclass
class Calibration:
    """How far probe scores on the tile sample read above the verifier on this image, learnt per job and
    shared by the formats' searches (see the job's calibrations), so later searches aim right the first time."""

    offsets: list[float] = field(default_factory=list)

    def margin(self) -> float:
        if not self.offsets:
            return SAMPLE_MARGIN
        return min(max(max(self.offsets[-3:]) + CALIBRATION_SLACK, -1.0), 5.0)


@dataclass
class Search:
    """One codec on one picture against one reference: probe cache plus the searches built on it."""

    codec: Codec
    picture: Picture
    reference: Reference  # scores probes: a small sample of tiles on large images
    verifier: Reference  # scores the chosen encode: every pixel up to a larger bound
    calibration: Calibration = field(default_factory=Calibration)
    work: Work = field(default_factory=Work)  # counts the calls below that are not answered from a cache
    whole: Reference | None = None  # every pixel, when the verifier samples tiles: the last word
    # Whether the search probes a step below at the final speed before its first full encode (see
    # _refined): on photos that probe failed every time (speed 6 reads about as speed 8 there), and the
    # verification's offset, measured at the probe speed, steps down where there is room anyway.
    refines_at_final_speed: bool = True
    _probes: dict[Setting, float] = field(default_factory=dict)
    _sample_bytes: dict[Setting, int] = field(default_factory=dict)  # a probe's encoded tiles, summed
    _full: dict[Setting, bytes] = field(default_factory=dict)
    _scores: dict[Setting, float] = field(default_factory=dict)  # verified, by setting
    _previews: dict[Setting, Image.Image] = field(default_factory=dict)  # whole-picture, for encode_preview

    def __post_init__(self) -> None:
        # A probe is exact (its bytes are the final bytes) for a small still image.
        self._exact = not self.reference.sampled and not self.picture.animated
        self._tiles = [self.picture.tile(box) for box in self.reference.boxes]

    def full(self, setting: Setting) -> bytes:
        if setting not in self._full:
            self.work.encodes += 1
            preview = self._previews.pop(setting, None)
            if preview is not None:  # a palette already built for scoring: only the compression is left
                self._full[setting] = self.codec.encode_preview(self.picture, preview)
            else:
                self._full[setting] = self.codec.encode(self.picture, setting)
            release()  # what the encoder freed: mozjpeg's left 50 MB of a 24 MP photo's heap resident
        return self._full[setting]

    def probe(self, setting: Setting) -> float:
        """The score of ``setting`` measured on cheap encodes of the sample tiles."""
        if setting not in self._probes:
            self.work.probes += 1
            if self._exact:
                score = self.reference.score(self._preview(self.picture, setting))
            else:
                score = self.reference.score_tiles([self._preview(tile, setting) for tile in self._tiles])
            self._probes[setting] = score
        return self._probes[setting]

    def _preview(self, picture: Picture, setting: Setting) -> Image.Image:
        preview = getattr(self.codec, "preview", None)
        if preview is not None:
            image = preview(picture, setting)
            if picture is self.picture and not picture.animated and hasattr(self.codec, "encode_preview"):
                self._previews[setting] = image
            return image
        if picture is self.picture:
            return decode_first(self.full(setting))  # the final bytes, if this setting wins
        data = getattr(self.codec, "encode_sample", self.codec.encode)(picture, setting)
        self._sample_bytes[setting] = self._sample_bytes.get(setting, 0) + len(data)
        return decode_first(data)

    def _verified_score(self, setting: Setting) -> float:
        """The score of ``setting`` on every pixel (on the verifier's larger sample above its bound).
        On a still picture a codec's preview decodes exactly as its full encode, so a palette codec is
        scored without its costly compression, and only a setting that is kept gets encoded."""
        if self._exact and self.verifier is self.reference:
            return self.probe(setting)
        if setting not in self._scores:
            self._scores[setting] = self._scored(self.verifier, setting)
        return self._scores[setting]

    def _scored(self, reference: Reference, setting: Setting) -> float:
        self.work.verifications += 1
        if hasattr(self.codec, "preview") and not self.picture.animated:
            return reference.score(self._preview(self.picture, setting))
        return reference.score(decode_first(self.full(setting)))

    @property
    def _stand_ins_fast(self) -> bool:
        """Whether a verification's offset is measured from the probes at the codec's probe speed (and the
        search around a verified setting runs at that speed): when the probes sample tiles, their offset
        from every pixel is a per-image measurement anyway, and it takes in the speed's difference as
        well as the tiles'. A tile probe at AVIF's final speed 6 costs about three at speed 8 (0.3-0.8
        CPU-s on the two tiles of a 2 MP photo), and one was paid for each verified setting."""
        return self.reference is not self.verifier

    def _stand_in(self, setting: Setting) -> Setting:
        """The probe that, less the offset a verification measures, stands for ``setting`` on every pixel."""
        return setting.for_probe() if self._stand_ins_fast else setting

    def _whole_checked(self, ladder: tuple[Setting, ...], index: int, floor: float) -> Choice | None:
        """The verifier's tiles can read above every pixel by more than SAMPLE_MARGIN (a 6 MP photo's
        WebP: 71.4 on them, 69.3 on every pixel, its border strips never sampled), so a choice made on
        them is scored on every pixel once. While it falls short, the search goes up the ladder to where
        the probes, less their offset from every pixel measured here, reach the floor."""
        while index < len(ladder):
            score = self._scored(self.whole, ladder[index])
            if score >= floor:
                return Choice(ladder[index], self.full(ladder[index]), score)
            raised = floor + self.probe(self._stand_in(ladder[index])) - score + CALIBRATION_SLACK
            found = self.lowest_passing(ladder, raised, index + 1, fast=self._stand_ins_fast, known_fail=index)
            index = index + 1 if found is None else found
        return None

    def _refined(self, ladder: tuple[Setting, ...], index: int, floor: float) -> int:
        """After a search at the faster probe speed, go on at the final speed below it: the final speed
        scores higher at equal quality, usually by about a step (AVIF speed 6 over 8: 1-3 points, a step
        is 2-3) but by ten points or more on some smooth graphics. One probe a step down settles the
        usual case; where it holds, the search continues down, so the verified encode starts near the
        floor instead of leaving the descent (full encodes) far to go."""
        if ladder[index].for_probe() == ladder[index] or index == 0:
            return index
        if self._stand_ins_fast and not self.refines_at_final_speed:
            return index
        if self.probe(ladder[index - 1]) < floor:
            return index
        found = self.lowest_passing(ladder, floor, index - 2, fast=False, known_pass=index - 1)
        return index - 1 if found is None else found

    def _verified(self, ladder: tuple[Setting, ...], index: int, probe_floor: float, floor: float) -> Choice | None:
        """Encode ``index`` in full and verify it; when it falls short, raise the probe floor by how far
        the probes read above the verifier here, search again above ``index``, and verify that. Stand-ins
        at another speed than the probes that found ``index`` read on another scale: their floor starts
        from the offset measured here alone."""
        if self._stand_ins_fast and ladder[index].for_probe() != ladder[index]:
            probe_floor = -math.inf
        for _ in range(MAX_VERIFY_STEPS):
            score = self._verified_score(ladder[index])
            offset = self.probe(self._stand_in(ladder[index])) - score
            if self.reference is not self.verifier:
                self.calibration.offsets.append(offset)
            if score >= floor:
                return self._descended(ladder, index, self.at(ladder[index]), floor)
            probe_floor = max(probe_floor, floor + offset + CALIBRATION_SLACK)
            found = self.lowest_passing(ladder, probe_floor, index + 1, fast=self._stand_ins_fast, known_fail=index)
            if found is None:
                return None
            index = found
        return None

    def _descended(self, ladder: tuple[Setting, ...], index: int, choice: Choice, floor: float) -> Choice:
        """A verified pass from sampled probes may have room to spare. The probe-to-verifier offset
        measured at the nearest verified setting says where the floor really lies on every pixel: step
        there and verify, at most ``MAX_DESCENTS`` times, keeping the smallest encode that holds. Where
        it places the floor at the verified setting itself and the probes run at another speed, the step
        below is still verified if its probe, less the offset, reads within ``DESCENT_REACH`` under it."""
        if self.reference is self.verifier or choice.score - floor < DESCENT_MIN_ROOM:
            return choice
        fail, ok, best = -1, index, choice
        offset = self.probe(self._stand_in(ladder[ok])) - best.score
        for _ in range(MAX_DESCENTS):
            lower = self.lowest_passing(
                ladder,
                floor + offset + DESCENT_SLACK,
                ok - 1,
                fast=self._stand_ins_fast,
                known_pass=ok,
                known_fail=fail,
            )
            if lower is None or lower >= ok:
                lower = ok - 1
                if lower <= fail or best.score - floor < DESCENT_MIN_ROOM:
                    break
                stand_in = self._stand_in(ladder[lower])  # itself where probes run at the encodes' speed
                if stand_in == ladder[lower] or self.probe(stand_in) - offset < floor - DESCENT_REACH:
                    break
            score = self._verified_score(ladder[lower])
            offset = self.probe(self._stand_in(ladder[lower])) - score
            if score >= floor:
                ok, best = lower, self.at(ladder[lower])
            else:
                fail = lower
        return best

    def lowest_passing(
        self,
        ladder: tuple[Setting, ...],
        floor: float,
        start: int,
        fast: bool = True,
        known_pass: int | None = None,
        known_fail: int = -1,
    ) -> int | None:
        """The first ladder index whose probe meets ``floor``: a bracketing search from ``start`` that
        interpolates the score curve (monotonic in the setting), usually in three probes. ``fast``
        probes at the codec's probe speed; ``known_pass`` and ``known_fail`` bound the search, and so
        do the points earlier searches on this ladder already probed (they cost nothing)."""

        def setting(index: int) -> Setting:
            return ladder[index].for_probe() if fast else ladder[index]

        scores = {i: self._probes[setting(i)] for i in range(len(ladder)) if setting(i) in self._probes}
        # highest index known to fail, lowest known to pass above it
        ok = len(ladder) if known_pass is None else known_pass
        fail = max([known_fail, *(i for i, score in scores.items() if score < floor and i < ok)])
        ok = min([ok, *(i for i, score in scores.items() if score >= floor and i > fail)])
        i = start if fail not in scores and ok not in scores else _interpolated(scores, floor, fail, ok)
        i = min(max(i, fail + 1), ok - 1)
        while ok - fail > 1:
            if i not in scores:
                scores[i] = self.probe(setting(i))
            if scores[i] >= floor:
                ok = i
            else:
                fail = i
            if ok - fail > 1:
                i = _interpolated(scores, floor, fail, ok)
        return ok if ok < len(ladder) else None

    def meet_floor(
        self, ladders: tuple[tuple[Setting, ...], ...], floor: float, start: Callable[[tuple[Setting, ...]], int]
    ) -> Choice | None:
        """The smallest verified encode over all ladders, or None when none reaches the floor."""
        verify_floor = floor + SAMPLE_MARGIN if self.verifier.sampled else floor
        probe_floor = verify_floor + self.calibration.margin() if self.reference.sampled else verify_floor
        found = []
        for ladder in ladders:
            index = self.lowest_passing(ladder, probe_floor, start(ladder))
            if index is not None:
                found.append((ladder, index))
        found.sort(key=lambda candidate: self._sample_size(candidate[0][candidate[1]]))  # likeliest winner first
        best: Choice | None = None
        best_ladder: tuple[Setting, ...] = ()
        for ladder, index in found:
            if best is not None and self._stand_in(best.setting) in self._sample_bytes:
                aimed = self._aimed(ladder, index, best, verify_floor)
                if aimed is None:
                    continue
                index, probe_floor = aimed
            else:
                index = self._refined(ladder, index, probe_floor)
            choice = self._verified(ladder, index, probe_floor, verify_floor)
            if choice is not None and (best is None or len(choice.data) < len(best.data)):
                best, best_ladder = choice, ladder
        if best is None or self.whole is None:
            return best
        return self._whole_checked(best_ladder, best_ladder.index(best.setting), floor)

    def _sample_size(self, setting: Setting) -> int:
        """The sample tiles' bytes at ``setting`` as probed (at its probe speed if only that was), or 0
        when the probes were whole-picture encodes."""
        return self._sample_bytes.get(setting) or self._sample_bytes.get(setting.for_probe(), 0)

    def _aimed(self, ladder: tuple[Setting, ...], index: int, best: Choice, floor: float) -> tuple[int, float] | None:
        """Where on ``ladder`` to verify, and at what probe floor, after another ladder's ``best`` was
        verified from sample probes; None when ``ladder`` cannot beat it. The offset ``best`` measured
        between its probes and the verifier aims this ladder's probes at the floor as every pixel reads
        it (tiles misread the ladders of one codec by about the same), and where the sample's bytes a
        step below that are no smaller than ``best``'s, the ladder is left: sizes of the same tiles keep
        their order in full encodes (full over tiles is one ratio within a few % across ladders). That
        saves a full encode and its descents. So does a sample more than ``LADDER_CLOSE`` larger at the
        aimed setting itself: the ladders' full encodes then keep the sample's order. Probes at the speed
        the offset was measured at."""
        kept = self._sample_bytes[self._stand_in(best.setting)]
        probe_floor = floor + self.probe(self._stand_in(best.setting)) - best.score + DESCENT_SLACK
        aimed = self.lowest_passing(ladder, probe_floor, index, fast=self._stand_ins_fast)
        if aimed is None or self._sample_bytes.get(self._stand_in(ladder[aimed]), 0) > kept * (1 + LADDER_CLOSE):
            return None
        below = self._stand_in(ladder[aimed - 1]) if aimed else None
        if below is not None and self._sample_bytes.get(below, 0) >= kept:
            return None
        return aimed, probe_floor

    def fit_size(self, ladder: tuple[Setting, ...], budget: int) -> Choice:
        """The highest setting whose full encode fits ``budget`` bytes (size grows with the setting)."""
        lo, hi, found = 0, len(ladder) - 1, None
        while lo <= hi:
            mid = (lo + hi) // 2
            if len(self.full(ladder[mid])) <= budget:
                found, lo = mid, mid + 1
            else:
                hi = mid - 1
        if found is None:
            smallest = len(self.full(ladder[0]))
            raise TargetUnreachable(f"the smallest encoding is {smallest} bytes, over the budget of {budget}")
        return self.at(ladder[found])

    def at(self, setting: Setting) -> Choice:
        """``setting`` encoded in full, with its score on every pixel."""
        return Choice(setting, self.full(setting), self._verified_score(setting))
