"""Benchmark of the cost model (``cost.py``): its estimates beside the engine's measured CPU-seconds.

``python -m optimizer.engine.cost_bench --corpus wider`` makes, on each image, the default target
and one other (see ``OTHER_TARGETS``) and prints, per image and target, the megapixels, the
estimated and the measured CPU-seconds and their ratio, then how many are within 2x and the worst.

``--fit`` (on the public corpus) makes every target of ``FIT_TARGETS`` alone on each image and prints
the coefficients that minimise the relative error, as ``cost.COSTS`` holds them, the median bytes
per megapixel of each source format, and the same table for the fitted targets.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from . import EngineError, Format, Mode, Spec, Target, corpus, cost, optimize
from .bench import EXTENSIONS, _cpu_seconds

FIT_TARGETS = tuple(Target(mode, fmt) for mode in Mode for fmt in (None, Format.WEBP, Format.AVIF))
# A v1 job makes one target: each image is checked with the default one (lossy in its own format)
# and, in turn, one of the others, so that every kind is checked without making all of them.
DEFAULT_TARGET = Target(Mode.LOSSY)
OTHER_TARGETS = tuple(target for target in FIT_TARGETS if target != DEFAULT_TARGET)
TOLERANCE = 2.0  # how far an estimate may be from the measurement, either way
CLOCK_TICK = 0.01  # the CPU clock's step: a variant made in less reads as 0, and counts as this


def _images(folder: Path, max_megapixels: float | None, out) -> Iterator[tuple[str, bytes, float]]:
    """The folder's images whose header tells their size and that are within the size asked for."""
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in EXTENSIONS):
        data = path.read_bytes()
        megapixels = cost.megapixels(data)
        if megapixels is None:
            print(f"skip {path.name}: no readable header", file=out)
        elif max_megapixels is not None and megapixels > max_megapixels:
            print(f"skip {path.name}: {megapixels:.1f} MP, over --max-megapixels", file=out)
        else:
            yield path.name, data, megapixels


class Measurements:
    """The CPU-seconds the engine takes on a spec (its JPEG transcode child included), kept in a
    JSON-lines file when one is given, so a refit or a recheck reuses what was measured."""

    def __init__(self, record: Path | None) -> None:
        self.record = record
        self.known: dict[str, float | None] = {}
        if record is not None and record.exists():
            for line in record.read_text().splitlines():
                entry = json.loads(line)
                self.known[entry["key"]] = entry["seconds"]

    def seconds(self, name: str, data: bytes, label: str, targets: tuple[Target, ...]) -> float | None:
        """None when the engine refuses the image."""
        key = f"{name} {label}"
        if key not in self.known:
            self.known[key] = self._measure(data, targets)
            if self.record is not None:
                with self.record.open("a") as handle:
                    handle.write(json.dumps({"key": key, "seconds": self.known[key]}) + "\n")
        seconds = self.known[key]
        return None if seconds is None else max(CLOCK_TICK, seconds)

    @staticmethod
    def _measure(data: bytes, targets: tuple[Target, ...]) -> float | None:
        started = _cpu_seconds()
        try:
            optimize(data, Spec(targets=targets))
        except EngineError:
            return None
        return _cpu_seconds() - started


def _label(target: Target) -> str:
    return f"{target.mode.value}-{target.format.value if target.format else 'own'}"


def _table(rows: list[tuple[str, float, float, float]], out) -> None:
    print(f"\n{'image / spec':<62} {'MP':>6} {'est. s':>7} {'meas. s':>7} {'ratio':>6}", file=out)
    ratios = []
    for name, megapixels, estimated, measured in rows:
        ratio = estimated / measured
        ratios.append(ratio)
        flag = "" if 1 / TOLERANCE <= ratio <= TOLERANCE else "  outside 2x"
        print(f"{name:<62} {megapixels:6.2f} {estimated:7.2f} {measured:7.2f} {ratio:6.2f}{flag}", file=out)
    _summary(f"\n{len(ratios)} rows", ratios, out)
    # v1 answers whole seconds, at least 1: a 0.05 s job answered "1" is as close as the answer can be
    answered = [max(1.0, estimated) / max(1.0, measured) for _, _, estimated, measured in rows]
    _summary("as answered (both at least 1 s)", answered, out)


def _summary(title: str, ratios: list[float], out) -> None:
    outside = sum(not 1 / TOLERANCE <= ratio <= TOLERANCE for ratio in ratios)
    worst = max(ratios, key=lambda ratio: max(ratio, 1 / ratio))
    print(
        f"{title}: {len(ratios) - outside} within {TOLERANCE:g}x, {outside} outside; "
        f"worst ratio {worst:.2f}; median ratio {statistics.median(ratios):.2f}",
        file=out,
    )


def check(folder: Path, max_megapixels: float | None, measurements: Measurements, out=sys.stdout) -> None:
    measured = []
    for index, (name, data, megapixels) in enumerate(_images(folder, max_megapixels, out)):
        fmt = cost.source_format(data)
        for target in (DEFAULT_TARGET, OTHER_TARGETS[index % len(OTHER_TARGETS)]):
            seconds = measurements.seconds(name, data, _label(target), (target,))
            if seconds is not None:
                measured.append((f"{name} {_label(target)}", fmt, target, megapixels, seconds))
                print(f"{name} {_label(target)}: {megapixels:.2f} MP, {seconds:.2f} s", file=out)
    rows = [
        (name, megapixels, cost.cpu_seconds(fmt, (target,), megapixels), seconds)
        for name, fmt, target, megapixels, seconds in measured
    ]
    _table(rows, out)


def _fit(samples: list[tuple[float, float]]) -> cost.Cost:
    """fixed + per_megapixel * MP minimising the squared relative error, both parts non-negative."""
    megapixels = np.array([mp for mp, _ in samples])
    seconds = np.array([s for _, s in samples])
    design = np.stack([1 / seconds, megapixels / seconds], axis=1)
    (fixed, per_megapixel), *_ = np.linalg.lstsq(design, np.ones(len(samples)), rcond=None)
    if fixed < 0 or per_megapixel < 0:  # keep the part that explains more, refitted alone
        column = 1 if per_megapixel > 0 else 0
        (alone,), *_ = np.linalg.lstsq(design[:, [column]], np.ones(len(samples)), rcond=None)
        fixed, per_megapixel = (0.0, alone) if column else (alone, 0.0)
    return cost.Cost(round(float(fixed), 3), round(float(per_megapixel), 3))


def fit(folder: Path, max_megapixels: float | None, measurements: Measurements, out=sys.stdout) -> None:
    samples: dict[tuple[Format, Mode, Format], list[tuple[float, float]]] = defaultdict(list)
    bytes_per_megapixel: dict[Format, list[float]] = defaultdict(list)
    measured: list[tuple[str, Format, Target, float, float]] = []
    for name, data, megapixels in _images(folder, max_megapixels, out):
        fmt = cost.source_format(data)
        bytes_per_megapixel[fmt].append(len(data) / megapixels)
        for target in FIT_TARGETS:
            seconds = measurements.seconds(name, data, _label(target), (target,))
            if seconds is None:
                continue
            samples[(fmt, target.mode, cost.output_format(fmt, target))].append((megapixels, seconds))
            measured.append((name, fmt, target, megapixels, seconds))
            print(f"{name} {_label(target)}: {megapixels:.2f} MP, {seconds:.2f} s", file=out)
    fitted = {key: _fit(points) for key, points in sorted(samples.items())}
    print("\nCOSTS = {", file=out)
    for (source, mode, made), fitted_cost in fitted.items():
        print(f"    (Format.{source.name}, Mode.{mode.name}, Format.{made.name}): {fitted_cost!r},", file=out)
    print("}", file=out)
    medians = ", ".join(
        f"Format.{fmt.name}: {int(statistics.median(values))}" for fmt, values in bytes_per_megapixel.items()
    )
    print(f"BYTES_PER_MEGAPIXEL = {{{medians}}}", file=out)
    _table(
        [
            (
                f"{name} {_label(target)}",
                megapixels,
                fitted[(fmt, target.mode, cost.output_format(fmt, target))].seconds(megapixels),
                seconds,
            )
            for name, fmt, target, megapixels, seconds in measured
        ],
        out,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=sorted(corpus.LOCATIONS), default="wider")
    parser.add_argument("--max-megapixels", type=float, help="skip larger images")
    parser.add_argument("--fit", action="store_true", help="fit the coefficients instead of checking them")
    parser.add_argument("--record", type=Path, help="a JSON-lines file of measurements to reuse and add to")
    args = parser.parse_args(argv)
    (fit if args.fit else check)(corpus.folder(args.corpus), args.max_megapixels, Measurements(args.record))


if __name__ == "__main__":
    main()
