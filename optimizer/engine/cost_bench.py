"""Benchmark of the cost model (``cost.py``): its estimates beside the engine's measured CPU-seconds.

``python -m optimizer.engine.cost_bench --corpus wider`` makes, on each image, the default target,
one other (see ``OTHER_TARGETS``) and, on an image over RESIZED_FROM megapixels, the default target
resized to fit RESIZE, and prints per row the megapixels, the estimated and the measured
CPU-seconds and their ratio; then how many rows are within 2x, with the worst ratio, over all rows,
per class of image (the source format and what the picture is) and per size band.

The check makes each spec as a worker does, under its default memory budget, and sets it beside
``cost.estimate``: a conversion the budget leaves out is costed as the decode it still takes.

``--fit`` (on the public corpus) makes every target of ``FIT_TARGETS`` alone on each image, with no
memory budget, and the default target resized as the check does, and prints the coefficients that
minimise the relative error, as ``cost.COSTS`` holds them, the cost per source megapixel of the
resize, the median bytes per megapixel of each source format, and the same table for the fitted
targets: paste them into ``cost.py`` to refit the model.

``--fit-scales`` (on the wider corpus) makes what the check makes and prints ``cost.SCALES`` (see
``fit_scales``) per kind, texture and side of the knee, and per kind and side over every texture;
then the check's table with them. Paste them into ``cost.py`` after any change to the engine's
searches.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import EngineError, Format, Limits, Mode, Resize, ResizeMode, Spec, Target, corpus, cost, memory, optimize
from .bench import EXTENSIONS, UNBOUNDED, _cpu_seconds
from .resize import target_size

FIT_TARGETS = tuple(Target(mode, fmt) for mode in Mode for fmt in (None, Format.WEBP, Format.AVIF))
# A v1 job makes one target: each image is checked with the default one (lossy in its own format)
# and, in turn, one of the others, so that every kind is checked without making all of them.
DEFAULT_TARGET = Target(Mode.LOSSY)
OTHER_TARGETS = tuple(target for target in FIT_TARGETS if target != DEFAULT_TARGET)
# A common resize (a 1280-pixel "max size"), checked on every image large enough for it to matter.
RESIZE = Resize(ResizeMode.FIT, 1280, 1280)
RESIZED_FROM = 2.0
TOLERANCE = 2.0  # how far an estimate may be from the measurement, either way
CLOCK_TICK = 0.01  # the CPU clock's step: a variant made in less reads as 0, and counts as this
# The worker's default limits, under which the check makes each spec.
WORKER = Limits()
# A scale is fitted on a group of at least this many rows, among these factors (1/5 to 5, 64 steps).
MIN_GROUP = 3
SCALE_STEPS = tuple(float(factor) for factor in np.exp(np.linspace(-1.6, 1.6, 65)))
SIZE_BANDS = ((0.25, "<= 0.25 MP"), (1.0, "0.25-1 MP"), (cost.KNEE_MEGAPIXELS, "1-4.5 MP"), (float("inf"), "> 4.5 MP"))


@dataclass(frozen=True)
class Sample:
    name: str
    data: bytes
    shape: cost.Shape
    picture: str  # what the picture is (photo, graphic, icon, ...), from the corpus listing; "" if unlisted

    @property
    def megapixels(self) -> float:
        return self.shape.megapixels * self.shape.frames


@dataclass(frozen=True)
class Row:
    sample: Sample
    label: str
    estimated: float
    measured: float

    @property
    def ratio(self) -> float:
        return self.estimated / self.measured


def _pictures() -> dict[str, str]:
    """Each listed file's picture class: its first tag that is not about the encoding."""
    return {
        entry.name: next((tag for tag in entry.tags if tag not in corpus.ENCODING_TAGS), "")
        for entry in corpus.listing()
    }


def _images(folder: Path, max_megapixels: float | None, out) -> Iterator[Sample]:
    """The folder's images whose header tells their size and that are within the size asked for."""
    pictures = _pictures()
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in EXTENSIONS):
        data = path.read_bytes()
        shape = cost.shape(data)
        if shape is None:
            print(f"skip {path.name}: no readable header", file=out)
        elif max_megapixels is not None and shape.megapixels > max_megapixels:
            print(f"skip {path.name}: {shape.megapixels:.1f} MP, over --max-megapixels", file=out)
        else:
            yield Sample(path.name, data, shape, pictures.get(path.name, ""))


class Measurements:
    """The CPU-seconds the engine takes on a spec under ``limits`` (its JPEG transcode child included),
    kept in a JSON-lines file when one is given, so a refit or a recheck reuses what was measured (a
    record holds one kind of limits: the fit's unbounded ones or the check's)."""

    def __init__(self, record: Path | None, limits: Limits = WORKER) -> None:
        self.record = record
        self.limits = limits
        self.known: dict[str, float | None] = {}
        if record is not None and record.exists():
            for line in record.read_text().splitlines():
                entry = json.loads(line)
                self.known[entry["key"]] = entry["seconds"]

    def seconds(self, sample: Sample, label: str, spec: Spec) -> float | None:
        """None when the engine refuses the image."""
        key = f"{sample.name} {label}"
        if key not in self.known:
            self.known[key] = self._measure(sample.data, spec, self.limits)
            if self.record is not None:
                with self.record.open("a") as handle:
                    handle.write(json.dumps({"key": key, "seconds": self.known[key]}) + "\n")
        seconds = self.known[key]
        return None if seconds is None else max(CLOCK_TICK, seconds)

    @staticmethod
    def _measure(data: bytes, spec: Spec, limits: Limits) -> float | None:
        started = _cpu_seconds()
        try:
            optimize(data, spec, limits)
        except EngineError:
            return None
        return _cpu_seconds() - started


def _label(target: Target, resize: Resize | None = None) -> str:
    label = f"{target.mode.value}-{target.format.value if target.format else 'own'}"
    return label if resize is None else f"{label} {resize.mode.value}-{resize.width}x{resize.height}"


def _within(ratio: float) -> bool:
    return 1 / TOLERANCE <= ratio <= TOLERANCE


def _table(rows: list[Row], out) -> None:
    print(f"\n{'image / spec':<68} {'MP':>6} {'est. s':>7} {'meas. s':>7} {'ratio':>6}", file=out)
    for row in rows:
        flag = "" if _within(row.ratio) else "  outside 2x"
        name = f"{row.sample.name} {row.label}"
        print(
            f"{name:<68} {row.sample.megapixels:6.2f} {row.estimated:7.2f} {row.measured:7.2f} {row.ratio:6.2f}{flag}",
            file=out,
        )
    _summary(f"\n{len(rows)} rows", rows, out)
    # v1 answers whole seconds, at least 1: a 0.05 s job answered "1" is as close as the answer can be
    answered = [Row(row.sample, row.label, max(1.0, row.estimated), max(1.0, row.measured)) for row in rows]
    _summary("as answered (both at least 1 s)", answered, out)
    print("\nper class (source format, picture):", file=out)
    for name, members in sorted(_groups(rows, _class).items()):
        _summary(f"  {name}: {len(members)} rows", members, out)
    print("per size band (megapixels, all frames):", file=out)
    bands = _groups(rows, _band)
    for _, band in SIZE_BANDS:
        if band in bands:
            _summary(f"  {band}: {len(bands[band])} rows", bands[band], out)


def _class(row: Row) -> str:
    return " ".join(part for part in (row.sample.shape.format.value, row.sample.picture) if part)


def _band(row: Row) -> str:
    return next(name for limit, name in SIZE_BANDS if row.sample.megapixels <= limit)


def _groups(rows: list[Row], key) -> dict[str, list[Row]]:
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return groups


def _summary(title: str, rows: list[Row], out) -> None:
    ratios = [row.ratio for row in rows]
    outside = sum(not _within(ratio) for ratio in ratios)
    worst = max(ratios, key=lambda ratio: max(ratio, 1 / ratio))
    print(
        f"{title}: {len(ratios) - outside} within {TOLERANCE:g}x, {outside} outside; "
        f"worst ratio {worst:.2f}; median ratio {statistics.median(ratios):.2f}",
        file=out,
    )


def _checked_specs(index: int, sample: Sample) -> list[tuple[str, Target, Resize | None]]:
    """What one image of the check makes, each alone: the default target, one other, and the default
    target resized when the image is large enough."""
    specs: list[tuple[str, Target, Resize | None]] = [
        (_label(target), target, None) for target in (DEFAULT_TARGET, OTHER_TARGETS[index % len(OTHER_TARGETS)])
    ]
    if sample.shape.megapixels > RESIZED_FROM:
        specs.append((_label(DEFAULT_TARGET, RESIZE), DEFAULT_TARGET, RESIZE))
    return specs


Measured = tuple[Sample, str, Spec, float]  # a spec the check made: the image, its label, the spec, CPU-s


def _checked_rows(folder: Path, max_megapixels: float | None, measurements: Measurements, out) -> Iterator[Measured]:
    """Each spec the check makes, with what it took."""
    for index, sample in enumerate(_images(folder, max_megapixels, out)):
        for label, target, resize in _checked_specs(index, sample):
            spec = Spec(targets=(target,), resize=resize)
            seconds = measurements.seconds(sample, label, spec)
            if seconds is not None:
                print(f"{sample.name} {label}: {sample.megapixels:.2f} MP, {seconds:.2f} s", file=out)
                yield sample, label, spec, seconds


def _estimate_rows(measured: list[Measured], scales: dict[cost.Group, float] | None = None) -> list[Row]:
    return [
        Row(sample, label, max(CLOCK_TICK, cost.estimate(sample.data, spec, WORKER, scales) or 0.0), seconds)
        for sample, label, spec, seconds in measured
    ]


def check(folder: Path, max_megapixels: float | None, measurements: Measurements, out=sys.stdout) -> None:
    _table(_estimate_rows(list(_checked_rows(folder, max_megapixels, measurements, out))), out)


def _made(sample: Sample, spec: Spec) -> bool:
    """Whether the memory budget lets the engine make every target of ``spec`` on this image."""
    try:
        return not memory.plan(sample.data, spec, WORKER).left_out
    except EngineError:
        return False


def fit_scales(measured: list[Measured], out=sys.stdout) -> dict[cost.Group, float]:
    """``cost.SCALES`` from the check's rows: per group of at least MIN_GROUP rows, the factor on the
    variants' cost (not on any resampling) that puts most of the group's rows within TOLERANCE of what
    they took, the one nearest 1 among equals. Rows whose target the memory budget leaves out (or
    whose item it refuses, as it may after a change to the budget's estimates) say nothing of a
    variant's cost and are not used. A factor is chosen by that count rather than by an average
    because the spread within a group is wide: an average is pulled by a few outliers that no factor
    brings within 2x."""
    pairs: dict[cost.Group, list[tuple[float, float, float]]] = defaultdict(list)
    for sample, _, spec, seconds in measured:
        if not _made(sample, spec):
            continue
        (target,) = spec.targets
        resampled = cost.cpu_seconds(sample.shape, (), spec.resize, {})
        unscaled = cost.cpu_seconds(sample.shape, spec.targets, spec.resize, {}) - resampled
        for group in cost.groups(sample.shape, target, cost.made_megapixels(sample.shape, spec.resize)):
            pairs[group].append((resampled, unscaled, seconds))

    def rows_within(factor: float, rows: list[tuple[float, float, float]]) -> int:
        return sum(
            _within(max(CLOCK_TICK, resampled + factor * unscaled) / seconds) for resampled, unscaled, seconds in rows
        )

    scales = {
        group: round(float(max(SCALE_STEPS, key=lambda factor: (rows_within(factor, rows), -abs(np.log(factor))))), 2)
        for group, rows in pairs.items()
        if len(rows) >= MIN_GROUP
    }
    print("\nSCALES: dict[Group, float] = {", file=out)
    for (source, mode, made, texture, above), factor in sorted(scales.items(), key=lambda item: str(item[0])):
        named = "None" if texture is None else f"Texture.{texture.name}"
        print(
            f"    (Format.{source.name}, Mode.{mode.name}, Format.{made.name}, {named}, {above}): {factor},", file=out
        )
    print("}", file=out)
    return scales


def refit_scales(folder: Path, max_megapixels: float | None, measurements: Measurements, out=sys.stdout) -> None:
    measured = list(_checked_rows(folder, max_megapixels, measurements, out))
    _table(_estimate_rows(measured, fit_scales(measured, out)), out)


Points = list[tuple[float, float]]  # (megapixels, CPU-seconds) of one kind of variant


def _relative_fit(columns: list[np.ndarray], seconds: np.ndarray) -> list[float]:
    """Non-negative weights of ``columns`` whose sum matches ``seconds`` with the least squared
    relative error: a part that would come out negative is dropped and the others refitted."""
    kept = list(range(len(columns)))
    while True:
        design = np.stack([columns[i] / seconds for i in kept], axis=1)
        weights, *_ = np.linalg.lstsq(design, np.ones(len(seconds)), rcond=None)
        if (weights >= 0).all():
            fitted = dict(zip(kept, weights.tolist(), strict=True))
            return [fitted.get(i, 0.0) for i in range(len(columns))]
        kept.pop(int(np.argmin(weights)))


def _fit_below(points: Points) -> tuple[float, float]:
    """fixed and per_megapixel from the images up to the knee (all of them when none is)."""
    below = [(mp, s) for mp, s in points if mp <= cost.KNEE_MEGAPIXELS] or points
    megapixels = np.array([mp for mp, _ in below])
    fixed, per_megapixel = _relative_fit([np.ones(len(below)), megapixels], np.array([s for _, s in below]))
    return fixed, per_megapixel


def _fit_above(points: Points, fixed: float, per_megapixel: float) -> float | None:
    """per_megapixel_above from the images over the knee: what they took beyond the cost at the
    knee; None when there is none."""
    above = [(mp, s) for mp, s in points if mp > cost.KNEE_MEGAPIXELS]
    if not above:
        return None
    at_knee = fixed + per_megapixel * cost.KNEE_MEGAPIXELS
    beyond = np.array([max(s - at_knee, CLOCK_TICK) for _, s in above])
    (weight,) = _relative_fit([np.array([mp - cost.KNEE_MEGAPIXELS for mp, _ in above])], beyond)
    return weight


def fit_costs(samples: dict[tuple[Format, Mode, Format], Points]) -> dict[tuple[Format, Mode, Format], cost.Cost]:
    """Each kind's cost. A kind without images over the knee stays linear beyond it: nothing shows
    that it costs less there (a PNG's palette search and compression grow with every pixel)."""
    fitted = {}
    for key in sorted(samples):
        fixed, per_megapixel = _fit_below(samples[key])
        above = _fit_above(samples[key], fixed, per_megapixel)
        fitted[key] = cost.Cost(
            round(fixed, 3), round(per_megapixel, 3), round(per_megapixel if above is None else above, 3)
        )
    return fitted


def resize_cost(resized: list[tuple[Sample, float]], fitted: dict[tuple[Format, Mode, Format], cost.Cost]) -> float:
    """CPU-seconds per source megapixel of a resize to RESIZE: what the default target took on the
    resized images beyond its fitted cost at their output size."""
    if not resized:
        return cost.RESIZE_PER_MEGAPIXEL
    beyond, megapixels = [], []
    for sample, seconds in resized:
        default = fitted[cost.kind(sample.shape.format, DEFAULT_TARGET)]
        width, height = target_size((sample.shape.width, sample.shape.height), RESIZE)
        made = default.seconds(width * height * sample.shape.frames / 1e6)
        beyond.append(max(seconds - made, CLOCK_TICK))
        megapixels.append(sample.megapixels)
    (weight,) = _relative_fit([np.array(megapixels)], np.array(beyond))
    return round(weight, 3)


def fit(folder: Path, max_megapixels: float | None, measurements: Measurements, out=sys.stdout) -> None:
    samples: dict[tuple[Format, Mode, Format], Points] = defaultdict(list)
    bytes_per_megapixel: dict[Format, list[float]] = defaultdict(list)
    measured: list[tuple[Sample, Target, float]] = []
    images = list(_images(folder, max_megapixels, out))
    for sample in images:
        fmt = sample.shape.format
        bytes_per_megapixel[fmt].append(len(sample.data) / sample.megapixels)
        for target in FIT_TARGETS:
            seconds = measurements.seconds(sample, _label(target), Spec(targets=(target,)))
            if seconds is None:
                continue
            samples[cost.kind(fmt, target)].append((sample.megapixels, seconds))
            measured.append((sample, target, seconds))
            print(f"{sample.name} {_label(target)}: {sample.megapixels:.2f} MP, {seconds:.2f} s", file=out)
    fitted = fit_costs(samples)
    resized = []
    for sample in images:
        if sample.shape.megapixels > RESIZED_FROM:
            label = _label(DEFAULT_TARGET, RESIZE)
            seconds = measurements.seconds(sample, label, Spec(targets=(DEFAULT_TARGET,), resize=RESIZE))
            if seconds is not None:
                resized.append((sample, seconds))
                print(f"{sample.name} {label}: {sample.megapixels:.2f} MP, {seconds:.2f} s", file=out)
    print("\nCOSTS: dict[tuple[Format, Mode, Format], Cost] = {", file=out)
    for (source, mode, made), fitted_cost in fitted.items():
        parts = f"{fitted_cost.fixed}, {fitted_cost.per_megapixel}, {fitted_cost.per_megapixel_above}"
        print(f"    (Format.{source.name}, Mode.{mode.name}, Format.{made.name}): Cost({parts}),", file=out)
    print("}", file=out)
    print(f"RESIZE_PER_MEGAPIXEL = {resize_cost(resized, fitted)}", file=out)
    medians = ", ".join(
        f"Format.{fmt.name}: {int(statistics.median(values)):_}" for fmt, values in bytes_per_megapixel.items()
    )
    print(f"BYTES_PER_MEGAPIXEL = {{{medians}}}", file=out)
    rows = []
    for sample, target, seconds in measured:
        fitted_cost = fitted[cost.kind(sample.shape.format, target)]
        rows.append(Row(sample, _label(target), fitted_cost.seconds(sample.megapixels), seconds))
    _table(rows, out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=sorted(corpus.LOCATIONS), default="wider")
    parser.add_argument("--max-megapixels", type=float, help="skip larger images")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--fit", action="store_true", help="fit the kinds' coefficients instead of checking them")
    what.add_argument("--fit-scales", action="store_true", help="fit the scales per group instead of checking them")
    parser.add_argument("--record", type=Path, help="a JSON-lines file of measurements to reuse and add to")
    args = parser.parse_args(argv)
    folder = corpus.folder(args.corpus)
    if args.fit:
        fit(folder, args.max_megapixels, Measurements(args.record, UNBOUNDED))
    else:
        (refit_scales if args.fit_scales else check)(folder, args.max_megapixels, Measurements(args.record))


if __name__ == "__main__":
    main()
