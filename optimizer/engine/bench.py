"""Benchmark: ``python -m optimizer.engine.bench DIR`` runs every mode and format over a folder.

Per image class (photo from JPEG, photo from PNG, graphic, alpha) it prints median/min savings,
median/min SSIMULACRA2 (re-scored on the whole image, not the engine's sample), floor misses,
the pixel-identity check for lossless variants, and CPU-seconds per megapixel; then the same for a
naive Pillow-defaults baseline, and the CPU time of the default ShortPixel set (lossy in the
original format + lossless + WebP + AVIF) per image. A variant that is not smaller than its source
counts as 0 % savings: the service serves the original.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyvips
from PIL import Image

from . import EngineError, Format, Mode, Spec, Target, optimize
from .codecs import flatten
from .decode import Source, decode
from .metric import Reference
from .pipeline import is_photo

EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".bmp", ".tif", ".tiff"}
KINDS = (
    ("lossy", Mode.LOSSY, None),
    ("glossy", Mode.GLOSSY, None),
    ("lossless", Mode.LOSSLESS, None),
    ("png lossless", Mode.LOSSLESS, Format.PNG),  # PNG/GIF to PNG, as the anchors define PNG lossless
    ("webp lossy", Mode.LOSSY, Format.WEBP),
    ("webp glossy", Mode.GLOSSY, Format.WEBP),
    ("webp lossless", Mode.LOSSLESS, Format.WEBP),
    ("avif lossy", Mode.LOSSY, Format.AVIF),
    ("avif glossy", Mode.GLOSSY, Format.AVIF),
)
DEFAULT_SET = (Target(Mode.LOSSY), Target(Mode.LOSSLESS), Target(Mode.LOSSY, Format.WEBP),
               Target(Mode.LOSSY, Format.AVIF))
FLOORS = {Mode.LOSSY: 70.0, Mode.GLOSSY: 85.0}


@dataclass
class Row:
    savings: float
    score: float | None
    miss: bool
    identical: bool | None
    cpu_per_mp: float


def classify(source: Source) -> str:
    if source.has_alpha:
        return "alpha"
    if source.pil_format == "JPEG":
        return "photo from JPEG"
    return "photo from PNG" if is_photo(source) else "graphic"


def _full_depth(data: bytes) -> np.ndarray:
    """Decoded samples at full bit depth (Pillow narrows 16-bit RGB), for the identity check."""
    return pyvips.Image.new_from_buffer(data, "").numpy()


def _same(a: Image.Image, b: Image.Image) -> bool:
    """Equal pixels, comparing grey or opaque images in a mode both can be expressed in."""
    mode = "RGBA" if "A" in a.mode + b.mode else "RGB"
    return np.array_equal(np.asarray(a.convert(mode)), np.asarray(b.convert(mode)))


def identical(source: Source, data: bytes) -> bool:
    out = decode(data)
    if len(out.frames) != len(source.frames):
        return False
    same = all(_same(a, b) for a, b in zip(out.frames, source.frames, strict=True))
    if same and source.high_bit_depth and data[:4] == b"\x89PNG":
        return np.array_equal(_full_depth(data), _full_depth(source.data))
    return same


def rescore(source: Source, data: bytes, references: dict[bool, Reference]) -> float:
    im = Image.open(io.BytesIO(data))
    im.load()
    flat = im.mode not in ("RGBA", "LA", "PA", "P") and source.has_alpha
    if flat not in references:
        image = flatten(source.image) if flat else source.image
        references[flat] = Reference(image, max_pixels=10**12)
    return references[flat].score(im)


def _baseline(source: Source) -> dict[str, tuple[bytes, Mode]]:
    """Pillow defaults a naive service would use."""
    im = source.image
    out = {}

    def save(fmt: str, image: Image.Image, **kw: object) -> bytes:
        buf = io.BytesIO()
        image.save(buf, fmt, **kw)
        return buf.getvalue()

    if source.pil_format == "JPEG":
        out["lossy"] = (save("JPEG", im, quality=75, optimize=True), Mode.LOSSY)
    else:
        out["lossless"] = (save("PNG", im, optimize=True), Mode.LOSSLESS)
    out["webp lossy"] = (save("WEBP", im.convert("RGBA" if source.has_alpha else "RGB"), quality=80), Mode.LOSSY)
    out["avif lossy"] = (save("AVIF", im.convert("RGBA" if source.has_alpha else "RGB"), max_threads=1), Mode.LOSSY)
    return out


def _row(source: Source, data: bytes | None, mode: Mode, cpu: float, refs: dict[bool, Reference]) -> Row:
    mp = source.image.width * source.image.height / 1e6
    size = len(source.data)
    if data is None:
        return Row(0.0, None, False, None, cpu / mp)
    savings = max(0.0, 100.0 * (1 - len(data) / size))
    if mode is Mode.LOSSLESS:
        return Row(savings, None, False, identical(source, data), cpu / mp)
    score = rescore(source, data, refs)
    return Row(savings, score, score < FLOORS[mode] - 0.05, None, cpu / mp)


def run(folder: Path, max_megapixels: float | None = None, out=sys.stdout) -> None:
    engine: dict[tuple[str, str], list[Row]] = defaultdict(list)
    baseline: dict[tuple[str, str], list[Row]] = defaultdict(list)
    default_set: list[tuple[str, str, float, float]] = []
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in EXTENSIONS)
    for path in files:
        data = path.read_bytes()
        try:
            source = decode(data)
        except EngineError as exc:
            print(f"skip {path.name}: {exc.code}", file=out)
            continue
        cls = classify(source)
        mp = source.image.width * source.image.height / 1e6
        if max_megapixels is not None and mp > max_megapixels:
            print(f"skip {path.name}: {mp:.1f} MP, over --max-megapixels", file=out)
            continue
        refs: dict[bool, Reference] = {}
        for name, mode, fmt in KINDS:
            if fmt is Format.PNG and source.pil_format == "JPEG":
                continue  # a photo's JPEG is always smaller than its PNG
            start = time.process_time()
            variant = optimize(data, Spec(targets=(Target(mode, fmt),))).variants[0]
            cpu = time.process_time() - start
            served = variant.data if variant.smaller else None
            row = _row(source, served, mode, cpu, refs)
            if variant.data is not None and not variant.smaller:
                row.identical = None if mode is not Mode.LOSSLESS else identical(source, variant.data)
            if row.miss or row.identical is False:
                print(f"  {path.name} {name}: engine {variant.setting} {variant.score} -> full score {row.score}, "
                      f"identical {row.identical}", file=out)
            for key in _keys(cls, source, name):
                engine[key].append(row)
        for name, (encoded, mode) in _baseline(source).items():
            row = _row(source, encoded if len(encoded) < len(data) else None, mode, 0.0, refs)
            for key in _keys(cls, source, name):
                baseline[key].append(row)
        start = time.process_time()
        optimize(data, Spec(targets=DEFAULT_SET))
        cpu = time.process_time() - start
        default_set.append((path.name, cls, mp, cpu))
        print(f"{path.name}: {cls}, {mp:.2f} MP, default set {cpu:.2f} CPU-s", file=out, flush=True)
    _table("reducer engine", engine, out)
    _table("baseline: Pillow defaults (JPEG q75 optimize, PNG optimize, WebP q80, AVIF default)", baseline, out)
    _cpu_table(default_set, out)


def _keys(cls: str, source: Source, name: str) -> list[tuple[str, str]]:
    """The image's class row, plus an all-PNG/GIF row for the lossless goals, which are stated per format."""
    keys = [(cls, name)]
    if source.pil_format != "JPEG" and "lossless" in name:
        keys.append(("all PNG/GIF", name))
    return keys


def _fmt(values: list[float], fn) -> str:
    return f"{fn(values):.1f}" if values else "-"


def _table(title: str, rows: dict[tuple[str, str], list[Row]], out) -> None:
    print(f"\n### {title}\n", file=out)
    print("| class | variant | n | savings median % | min % | SSIMULACRA2 median | min | floor misses "
          "| lossless not identical | CPU s/MP median |", file=out)
    print("|---|---|---|---|---|---|---|---|---|---|", file=out)
    for (cls, name), items in sorted(rows.items()):
        savings = [r.savings for r in items]
        scores = [r.score for r in items if r.score is not None]
        checks = [r.identical for r in items if r.identical is not None]
        cpu = [r.cpu_per_mp for r in items if r.cpu_per_mp]
        print(f"| {cls} | {name} | {len(items)} | {_fmt(savings, statistics.median)} | {_fmt(savings, min)} "
              f"| {_fmt(scores, statistics.median)} | {_fmt(scores, min)} | {sum(r.miss for r in items)} "
              f"| {sum(not c for c in checks) if checks else '-'} | {_fmt(cpu, statistics.median)} |", file=out)


def _cpu_table(default_set: list[tuple[str, str, float, float]], out) -> None:
    print("\n### default ShortPixel set (lossy original format + lossless + WebP + AVIF), CPU-seconds\n", file=out)
    # the goal's "2 MP photo": small images pay a fixed search cost, large ones scale with their pixels
    near = [cpu for _, cls, mp, cpu in default_set if cls.startswith("photo") and 1.0 <= mp <= 3.0]
    if near:
        print(f"photos of 1-3 MP: {len(near)}, median {statistics.median(near):.2f} s, max {max(near):.2f} s",
              file=out)
    for cls in sorted({cls for _, cls, _, _ in default_set}):
        per_mp = [cpu / mp for _, c, mp, cpu in default_set if c == cls]
        print(f"{cls}: median {statistics.median(per_mp):.2f} CPU-s/MP, max {max(per_mp):.2f}", file=out)
    for name, cls, mp, cpu in default_set:
        print(f"- {name} ({cls}): {mp:.2f} MP, {cpu:.2f} s ({cpu / mp:.2f} s/MP)", file=out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m optimizer.engine.bench", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--max-megapixels", type=float, default=None,
                        help="skip larger images (the compression anchors cover the corpus up to 4.1 MP)")
    args = parser.parse_args(argv)
    run(args.folder, args.max_megapixels)


if __name__ == "__main__":
    main()
