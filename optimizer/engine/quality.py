"""Per-image setting search: the smallest file that meets a perceptual floor, or that fits a byte budget.

A probe is a full encode (encoders are cheap next to the metric, which samples large images) of
the first frame, scored against the reference. Where a codec offers a faster probe setting (AVIF at
a higher speed, which scores no better than the final speed at the same quality), probes use it
and the chosen setting is encoded once more and verified, stepping up the ladder if it falls short.
Probes are cached per job, so the lossy and glossy searches of one format share the points they
both visit.
"""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image

from .codecs import Codec, Picture, Setting
from .errors import TargetUnreachable
from .metric import SAMPLE_MARGIN, Reference

MAX_VERIFY_STEPS = 3
DEFAULT_SLOPE = 2.5  # score points per ladder step, typical at 70..85, until two probes measure it
SKIP_MARGIN = 1.0  # skip probing the step below when it is predicted to miss by more than this
DESCEND_MARGIN = 2.0  # a verified full encode this far above the floor tries the step below


def _slope(scores: dict[int, float]) -> float:
    """Score gained per ladder step, from the probes so far (neighbouring pairs), clamped to sane values."""
    points = sorted(scores.items())
    slopes = [(b[1] - a[1]) / (b[0] - a[0]) for a, b in itertools.pairwise(points)]
    return min(max(sum(slopes) / len(slopes), 0.3), 15.0) if slopes else DEFAULT_SLOPE


def decode_first(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


@dataclass(frozen=True)
class Choice:
    setting: Setting
    data: bytes
    score: float


@dataclass
class Search:
    """One codec on one picture against one reference: probe cache plus the searches built on it."""

    codec: Codec
    picture: Picture
    reference: Reference
    _probes: dict[Setting, tuple[int, float]] = field(default_factory=dict)
    _full: dict[Setting, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._still = Picture((self.picture.image,), self.picture.meta)

    def full(self, setting: Setting) -> bytes:
        if setting not in self._full:
            self._full[setting] = self.codec.encode(self.picture, setting)
        return self._full[setting]

    def _scored(self, data: bytes) -> float:
        return self.reference.score(decode_first(data))

    def probe(self, setting: Setting) -> tuple[int, float]:
        """(bytes, score) of the probe encode at ``setting``."""
        if setting not in self._probes:
            fast = setting.for_probe()
            if fast == setting and not self.picture.animated:
                data = self.full(setting)
            else:
                data = self.codec.encode(self._still, fast)
            self._probes[setting] = (len(data), self._scored(data))
        return self._probes[setting]

    def _verified(self, ladder: tuple[Setting, ...], index: int, floor: float) -> Choice | None:
        """Encode in full from ``index`` upwards until the encode meets the floor.

        A full encode that beats its probe by a wide margin (AVIF at its final speed after probes at
        a faster one) is followed down the ladder while it still meets the floor.
        """
        for i in range(index, min(len(ladder), index + MAX_VERIFY_STEPS)):
            choice = self._full_choice(ladder[i])
            if choice.score >= floor:
                while i > 0 and choice.score - floor > DESCEND_MARGIN and self._probed_apart(ladder[i]):
                    lower = self._full_choice(ladder[i - 1])
                    if lower.score < floor:
                        break
                    choice, i = lower, i - 1
                return choice
        return None

    def _probed_apart(self, setting: Setting) -> bool:
        return setting.for_probe() != setting or self.picture.animated

    def _full_choice(self, setting: Setting) -> Choice:
        data = self.full(setting)
        score = self._scored(data) if self._probed_apart(setting) else self.probe(setting)[1]
        return Choice(setting, data, score)

    def lowest_passing(self, ladder: tuple[Setting, ...], floor: float, start: int) -> int | None:
        """The first ladder index whose probe meets ``floor``: a bracketing search from ``start`` that
        interpolates the score curve (monotonic in the setting), usually in three probes."""
        fail, ok = -1, len(ladder)  # highest index known to fail, lowest known to pass
        scores: dict[int, float] = {}
        i = min(max(start, 0), len(ladder) - 1)
        while ok - fail > 1:
            scores[i] = self.probe(ladder[i])[1]
            if scores[i] >= floor:
                ok = i
            else:
                fail = i
            if ok - fail <= 1:
                break
            slope = _slope(scores)
            if fail >= 0 and ok < len(ladder):
                guess = fail + math.ceil((floor - scores[fail]) / max(slope, 1e-6))
                if guess >= ok and ok - 1 > fail and scores[ok] - slope < floor - SKIP_MARGIN:
                    break  # the step below is predicted to miss clearly: do not spend a probe on it
                i = min(max(guess, fail + 1), ok - 1)
            elif ok == len(ladder):
                i = min(len(ladder) - 1, fail + max(1, math.ceil((floor - scores[fail]) / slope)))
            else:
                i = max(0, ok - max(1, math.floor((scores[ok] - floor) / slope)))
        return ok if ok < len(ladder) else None

    def meet_floor(self, ladders: tuple[tuple[Setting, ...], ...], floor: float,
                   start: Callable[[tuple[Setting, ...]], int]) -> Choice | None:
        """The smallest verified encode over all ladders, or None when none reaches the floor."""
        if self.reference.sampled:
            floor += SAMPLE_MARGIN
        best: Choice | None = None
        for ladder in ladders:
            index = self.lowest_passing(ladder, floor, start(ladder))
            if index is None:
                continue
            choice = self._verified(ladder, index, floor)
            if choice is not None and (best is None or len(choice.data) < len(best.data)):
                best = choice
            if best is not None and index < len(ladder) * 3 // 4:
                break  # an alternative ladder (4:4:4) only helps when this one needed its top settings
        return best

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
        data = self.full(setting)
        return Choice(setting, data, self._scored(data))
