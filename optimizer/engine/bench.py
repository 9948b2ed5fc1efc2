"""Benchmark: ``python -m optimizer.engine.bench DIR`` (or ``--corpus public|wider``) runs every mode
and format over a folder of images.

Per image class (photo from JPEG, photo from PNG, graphic, alpha) it prints median/min savings,
median/min SSIMULACRA2 (re-scored on the whole image, not the engine's sample), floor misses by the
engine's metric and by the PyPI ``ssimulacra2`` package (and how far the two differ per kind of
variant: see ``package_score``),
the pixel-identity check for lossless variants, and CPU-seconds per megapixel; then the same for a
naive Pillow-defaults baseline, and the CPU time of the full ShortPixel set (lossy in the original
format + lossless + WebP + AVIF) per image, as lossy=1 and as lossy=2 (glossy) ask for it. A variant
that is not smaller than its source counts as 0 % savings: the service serves the original.

The CPU section (alone with ``--cpu-only``) gives both sets' CPU-seconds per image, the median for
JPEG photos of 1-3 MP and the lossy=2 / lossy=1 ratio, CPU-seconds per megapixel per class, and per
class and variant the median savings and the distribution of the calls the engine made: probes (a
cheap encode and a metric call on the search's sample), full encodes, and verifications (a metric
call on every pixel).

The thumbnails section makes each image's WordPress sizes (150x150 crop, 300, 768 and 1024 boxes, as
WordPress makes them) and runs the lossy set a site asks for on each (the original format, WebP and
AVIF): how often WebP and AVIF reach the lossy floor with a lossy setting (not the lossless fallback),
how often they are smaller than reducer's lossy variant in the size's own format (or the size itself,
when that is not smaller), and floor misses of every lossy variant, re-scored on the whole image.

The lossless section sets each image's lossless variant (PNG for a GIF) beside the plain tools:
``oxipng -o 2 --strip safe`` for PNG and GIF (a GIF as Pillow writes it to PNG) and
``jpegtran -copy none -optimize -progressive`` (mozjpeg) for JPEG, given back the colour profile and
the orientation a viewer needs, which ``-copy none`` loses. It lists every image where the engine is
larger and prints the median savings, that count and the CPU-seconds per source format.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import mozjpeg_lossless_optimization as mlo
import numpy as np
import oxipng
import pyvips
from PIL import Image
from ssimulacra2 import compute_ssimulacra2
from ssimulacra2 import ssimulacra2 as package

from . import EngineError, Format, Limits, Mode, Spec, Target, Variant, corpus, metric, optimize, wordpress
from .codecs import flatten
from .decode import Source, decode
from .metadata import is_srgb
from .metric import BACKGROUNDS, Reference
from .pipeline import is_photo

# The engine's work on every image, whatever memory a service's worker allows an item
UNBOUNDED = Limits(memory_budget=1 << 62)

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
# The full ShortPixel set (lossy or glossy in the original format, lossless, WebP, AVIF) by the
# request's lossy option, as the ShortPixel face asks the engine for it
SHORTPIXEL_SETS = {
    f"lossy={lossy}": (Target(mode), Target(Mode.LOSSLESS), Target(mode, Format.WEBP), Target(mode, Format.AVIF))
    for lossy, mode in ((1, Mode.LOSSY), (2, Mode.GLOSSY))
}
# the goal's "2 MP photo": small images pay a fixed search cost, large ones scale with their pixels
GOAL_MEGAPIXELS = (1.0, 3.0)
GOAL_CLASS = "photo from JPEG"
FLOORS = {Mode.LOSSY: 70.0, Mode.GLOSSY: 85.0}
THUMBNAIL_SIZES = {"thumbnail": "150x150", "medium": "300", "medium_large": "768", "large": "1024"}
THUMBNAIL_SET = (Target(Mode.LOSSY), Target(Mode.LOSSY, Format.WEBP), Target(Mode.LOSSY, Format.AVIF))
# The package works in float64 on whole images, about 0.6 GB per megapixel at its peak; larger images
# are given to its functions band by band (see package_score_in_bands), in about 1.6 GB at 24 MP
PACKAGE_WHOLE_MEGAPIXELS = 2.0
PACKAGE_BAND_PIXELS = 500_000
MISS_TOLERANCE = 0.5  # how far under its floor a variant may read by the package before it counts as a real miss


@dataclass
class Thumbnail:
    """One WordPress size: per converted format (webp, avif), whether it reached the floor with a lossy
    setting and whether it is smaller than the lossy original; its bytes over the lossy original's."""

    size: str
    reached: dict[str, bool]
    smaller: dict[str, bool]
    ratio: dict[str, float]
    misses: int
    cpu: float


@dataclass
class SetRun:
    """One image through one ShortPixel set: its CPU-seconds and its variants (each with its calls)."""

    name: str
    cls: str
    megapixels: float
    set_name: str
    cpu: float
    variants: tuple[Variant, ...]
    source_bytes: int

    def savings(self, variant: Variant) -> float:
        """As served: 0 % when the variant is not smaller than the source."""
        return 100.0 * (1 - variant.size / self.source_bytes) if variant.smaller else 0.0


@dataclass
class Row:
    savings: float
    score: float | None
    miss: bool
    identical: bool | None
    cpu_per_mp: float
    package: float | None = None  # the PyPI package's score (see package_score)
    floor: float | None = None

    @property
    def package_miss(self) -> bool:
        return self.package is not None and self.package < self.floor - 0.05

    @property
    def package_miss_beyond_tolerance(self) -> bool:
        return self.package is not None and self.package < self.floor - MISS_TOLERANCE


def variant_kinds(source: Source, data: bytes) -> tuple[str, ...]:
    """What about a lossy variant and its source the metric must read right: palette output, alpha,
    greyscale, 16-bit, CMYK and animated sources; "plain" for none of them."""
    with Image.open(io.BytesIO(data)) as out:
        palette = out.mode == "P"
    kinds = (
        ("palette", palette),
        ("alpha", source.has_alpha),
        ("grey", source.image.mode == "L"),
        ("16-bit", source.high_bit_depth),
        ("cmyk", source.cmyk),
        ("animated", source.animated),
    )
    return tuple(kind for kind, applies in kinds if applies) or ("plain",)


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


def _carries_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "P")


def rescore(source: Source, data: bytes, references: dict[bool, Reference]) -> float:
    im = Image.open(io.BytesIO(data))
    im.load()
    flat = not _carries_alpha(im) and source.has_alpha
    if flat not in references:
        image = flatten(source.image) if flat else source.image
        references[flat] = Reference(image, max_pixels=10**12)
    return references[flat].score(im)


def _composited(im: Image.Image, background: float) -> Image.Image:
    return Image.fromarray(metric.composited(np.asarray(im.convert("RGBA")), background), "RGB")


def package_score(source: Source, data: bytes) -> float | None:
    """The PyPI ``ssimulacra2`` package's score of ``data`` against the source, both given to it as files.

    The package misreads two kinds of input, so those reach it as the reference reads them: it drops
    alpha (it converts to RGB before it looks for an alpha channel, so it compares colours under
    transparent pixels), and Pillow clips 16-bit greyscale to white when the package converts it to
    RGB. For those the source and the variant are blended on the reference's two greys (0.1 and 0.9,
    the worse score counts), a variant without alpha is compared with the source flattened as the
    engine flattens it, and 16-bit grey is narrowed to 8 bits first. Above PACKAGE_WHOLE_MEGAPIXELS
    the package's functions score the image band by band.
    """
    width, height = source.image.size
    whole = width * height <= PACKAGE_WHOLE_MEGAPIXELS * 1e6
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        def score(original: Image.Image | bytes, variant: Image.Image | bytes) -> float:
            for name, image in (("original", original), ("variant", variant)):
                if isinstance(image, bytes):
                    (folder / name).write_bytes(image)
                else:
                    image.save(folder / name, "PNG")
            if whole:
                return compute_ssimulacra2(str(folder / "original"), str(folder / "variant"))
            return package_score_in_bands(folder / "original", folder / "variant")

        if not source.has_alpha:
            misread = source.orientation != 1 or (source.high_bit_depth and source.image.mode == "L")
            return score(source.image if misread else source.data, data)
        with Image.open(io.BytesIO(data)) as variant:
            variant.load()
            if not _carries_alpha(variant):
                return score(flatten(source.image), data)
            return min(score(_composited(source.image, bg), _composited(variant, bg)) for bg in BACKGROUNDS)


def package_score_in_bands(original: Path, variant: Path, band_pixels: int = PACKAGE_BAND_PIXELS) -> float:
    """The package's ``compute_ssimulacra2`` of two files, made of its own functions on bands of rows so
    its memory is bounded: per scale, each band is converted with as many rows more on each side as the
    package's blur reaches, so its own rows blur as in the whole image, and the per-pixel maps' sums
    over the bands add up to the whole image's means and 4-norms. Only the order of the
    additions differs from the package's own, so the two agree to about 1e-9 (the test checks it).
    """
    with Image.open(original) as a, Image.open(variant) as b:
        images = [np.asarray(a.convert("RGB")), np.asarray(b.convert("RGB"))]
    linear = [_in_bands(image, band_pixels, package.srgb_to_linear) for image in images]
    del images
    halo = round(3.2795 * 1.5 + 0.2546)  # the package's blur radius (blur_image, sigma 1.5)
    msssim = package.Msssim()
    for scale in range(package.kNumScales):
        height, width, _ = linear[0].shape
        if height < 8 or width < 8:
            break
        sums = np.zeros(6 + 12)
        rows = max(1, band_pixels // width)
        for top in range(0, height, rows):
            bottom = min(height, top + rows)
            start, stop = max(0, top - halo), min(height, bottom + halo)
            xyb = [package.make_positive_xyb(package.linear_rgb_to_xyb(lin[start:stop])) for lin in linear]
            inner = (slice(None), slice(top - start, bottom - start))  # the package's planes are width x height
            mu = [package.blur_image(x)[inner] for x in xyb]
            sigma = [package.blur_image(x * y)[inner] for x, y in ((xyb[0], xyb[0]), (xyb[1], xyb[1]), xyb)]
            one, two = (x[inner] for x in xyb)
            averages = np.concatenate([package.ssim_map(*mu, *sigma), package.edge_diff_map(one, mu[0], two, mu[1])])
            # even places hold means, odd ones 4-norms: both back to sums over the band's pixels
            pixels = (bottom - top) * width
            averages[1::2] **= 4
            sums += averages * pixels
        averages = sums / (height * width)
        averages[1::2] **= 0.25
        scale_data = package.MsssimScale()
        scale_data.avg_ssim, scale_data.avg_edgediff = averages[:6], averages[6:]
        msssim.scales.append(scale_data)
        if scale < package.kNumScales - 1:
            linear = [package.downsample(lin, 2, 2) for lin in linear]
    return msssim.score()


def _in_bands(image: np.ndarray, band_pixels: int, convert) -> np.ndarray:
    """A per-pixel conversion of an image made band by band, to bound its temporaries."""
    rows = max(1, band_pixels // image.shape[1])
    return np.concatenate([convert(image[top : top + rows]) for top in range(0, image.shape[0], rows)])


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


def _row(
    source: Source, data: bytes | None, mode: Mode, cpu: float, refs: dict[bool, Reference], by_package: bool = True
) -> Row:
    mp = source.image.width * source.image.height / 1e6
    size = len(source.data)
    if data is None:
        return Row(0.0, None, False, None, cpu / mp)
    savings = max(0.0, 100.0 * (1 - len(data) / size))
    if mode is Mode.LOSSLESS:
        return Row(savings, None, False, identical(source, data), cpu / mp)
    score = rescore(source, data, refs)
    floor = FLOORS[mode]
    package = package_score(source, data) if by_package else None
    return Row(savings, score, score < floor - 0.05, None, cpu / mp, package, floor)


def _decoded(path: Path, megapixels: tuple[float, float | None], out) -> tuple[bytes, Source] | None:
    data = path.read_bytes()
    try:
        source = decode(data)
    except EngineError as exc:
        print(f"skip {path.name}: {exc.code}", file=out)
        return None
    mp = source.image.width * source.image.height / 1e6
    least, most = megapixels
    if most is not None and mp > most:
        print(f"skip {path.name}: {mp:.1f} MP, over --max-megapixels", file=out)
        return None
    if mp <= least:
        print(f"skip {path.name}: {mp:.1f} MP, not over --min-megapixels", file=out)
        return None
    return data, source


def run(
    folder: Path,
    max_megapixels: float | None = None,
    out=sys.stdout,
    min_megapixels: float = 0.0,
    thumbnails_only: bool = False,
    lossless_only: bool = False,
    lossy_only: bool = False,
    cpu_only: bool = False,
) -> None:
    if cpu_only:
        _cpu_table(
            [
                run
                for path, decoded in _sources(folder, (min_megapixels, max_megapixels), out)
                for run in _set_runs(path.name, *decoded, out)
            ],
            out,
        )
        return
    if lossless_only:
        _lossless_table(
            [
                _lossless_check(path.name, *decoded)
                for path, decoded in _sources(folder, (min_megapixels, max_megapixels), out)
                if decoded[1].pil_format in TOOLS
            ],
            out,
        )
        return
    engine: dict[tuple[str, str], list[Row]] = defaultdict(list)
    baseline: dict[tuple[str, str], list[Row]] = defaultdict(list)
    set_runs: list[SetRun] = []
    agreement: list[tuple[tuple[str, ...], float, float]] = []
    thumbnails: list[Thumbnail] = []
    lossless: list[LosslessCheck] = []
    for path, (data, source) in _sources(folder, (min_megapixels, max_megapixels), out):
        if not thumbnails_only:
            _full_size(path.name, data, source, engine, baseline, set_runs, agreement, out, lossy_only)
        if lossy_only:
            continue
        if not thumbnails_only and source.pil_format in TOOLS:
            lossless.append(_lossless_check(path.name, data, source))
        for size, made in wordpress.sizes(data).items():
            if size in THUMBNAIL_SIZES:
                thumbnails.append(_thumbnail(f"{path.name} {size}", THUMBNAIL_SIZES[size], made, out))
    if not thumbnails_only:
        _table("reducer engine", engine, out)
        _agreement_table(agreement, out)
    if lossy_only:
        return
    if not thumbnails_only:
        _table("baseline: Pillow defaults (JPEG q75 optimize, PNG optimize, WebP q80, AVIF default)", baseline, out)
        _cpu_table(set_runs, out)
        _lossless_table(lossless, out)
    _thumbnail_table(thumbnails, out)


def _sources(folder: Path, megapixels: tuple[float, float | None], out) -> Iterator[tuple[Path, tuple[bytes, Source]]]:
    """The folder's images that decode and are within the size asked for (over the first bound, up to
    the second), in name order."""
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in EXTENSIONS):
        decoded = _decoded(path, megapixels, out)
        if decoded is not None:
            yield path, decoded


def _full_size(
    name: str,
    data: bytes,
    source: Source,
    engine: dict[tuple[str, str], list[Row]],
    baseline: dict[tuple[str, str], list[Row]],
    set_runs: list[SetRun],
    agreement: list[tuple[tuple[str, ...], float, float]],
    out,
    lossy_only: bool = False,
) -> None:
    """Every kind of variant of the image itself, the naive baseline, and the ShortPixel sets' CPU
    time; with ``lossy_only``, only the lossy and glossy variants."""
    cls = classify(source)
    mp = source.image.width * source.image.height / 1e6
    refs: dict[bool, Reference] = {}
    for kind, mode, fmt in KINDS:
        if fmt is Format.PNG and source.pil_format == "JPEG":
            continue  # a photo's JPEG is always smaller than its PNG
        if lossy_only and mode is Mode.LOSSLESS:
            continue
        start = time.process_time()
        variant = optimize(data, Spec(targets=(Target(mode, fmt),)), UNBOUNDED).variants[0]
        cpu = time.process_time() - start
        served = variant.data if variant.smaller else None
        row = _row(source, served, mode, cpu, refs)
        if variant.data is not None and not variant.smaller:
            row.identical = None if mode is not Mode.LOSSLESS else identical(source, variant.data)
        if row.miss or row.package_miss or row.identical is False:
            print(
                f"  {name} {kind}: engine {variant.setting} {variant.score} -> full score {row.score}, "
                f"package {row.package}, identical {row.identical}",
                file=out,
            )
        if row.score is not None and row.package is not None:
            agreement.append((variant_kinds(source, served), row.score, row.package))
            if lossy_only:  # each variant as it is measured, so a long run's progress can be read
                print(
                    f"  {name} {kind} ({', '.join(variant_kinds(source, served))}): engine {row.score:.2f}, "
                    f"package {row.package:.2f}, floor {row.floor:g}",
                    file=out,
                    flush=True,
                )
        for key in _keys(cls, source, kind):
            engine[key].append(row)
    if lossy_only:
        print(f"{name}: {cls}, {mp:.2f} MP", file=out, flush=True)
        return
    for kind, (encoded, mode) in _baseline(source).items():
        row = _row(source, encoded if len(encoded) < len(data) else None, mode, 0.0, refs, by_package=False)
        for key in _keys(cls, source, kind):
            baseline[key].append(row)
    set_runs += _set_runs(name, data, source, out)


def _set_runs(name: str, data: bytes, source: Source, out) -> list[SetRun]:
    """The image through each ShortPixel set, timed in CPU-seconds."""
    cls = classify(source)
    mp = source.image.width * source.image.height / 1e6
    runs = []
    for set_name, targets in SHORTPIXEL_SETS.items():
        start = _cpu_seconds()
        variants = optimize(data, Spec(targets=targets), UNBOUNDED).variants
        runs.append(SetRun(name, cls, mp, set_name, _cpu_seconds() - start, variants, len(data)))
    cpu = ", ".join(f"{run.set_name} {run.cpu:.2f}" for run in runs)
    print(f"{name}: {cls}, {mp:.2f} MP, ShortPixel set {cpu} CPU-s", file=out, flush=True)
    return runs


@dataclass
class LosslessCheck:
    """One image's lossless variant beside the plain tool for its format, both as served: the source
    itself when the output is not smaller."""

    name: str
    source_format: str
    source_size: int
    engine: int
    tool: int
    engine_cpu: float
    tool_cpu: float

    def savings(self, size: int) -> float:
        return 100.0 * (1 - size / self.source_size)


def _orientation_segment(orientation: int) -> int:
    """Bytes of the smallest APP1 segment that keeps a JPEG's orientation: what ``-copy none`` drops."""
    if orientation == 1:
        return 0
    exif = Image.Exif()
    exif[0x0112] = orientation
    return 2 + 2 + len(b"Exif\0\0") + len(exif.tobytes())


def _mozjpeg_lossless(data: bytes, source: Source) -> int:
    """``jpegtran -copy none -optimize -progressive``, with the profile copied where colour needs it (a
    profile that is not sRGB, or any a CMYK file has) and the orientation segment counted."""
    keep_profile = source.cmyk or not is_srgb(source.icc)
    coded = mlo.optimize(data, mlo.COPY_MARKERS.ICC if keep_profile else mlo.COPY_MARKERS.NONE)
    return len(coded) + _orientation_segment(source.orientation)


def _oxipng_safe(data: bytes, source: Source) -> int:
    """``oxipng -o 2 --strip safe``; a GIF is first written to PNG as Pillow does, palette and frames kept."""
    if source.pil_format == "GIF":
        with Image.open(io.BytesIO(data)) as im:
            buf = io.BytesIO()
            im.save(buf, "PNG", save_all=source.animated)
            data = buf.getvalue()
    return len(oxipng.optimize_from_memory(data, level=2, strip=oxipng.StripChunks.safe()))


TOOLS = {"JPEG": _mozjpeg_lossless, "PNG": _oxipng_safe, "GIF": _oxipng_safe}


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the JPEG transcode runs in one)."""
    return sum(os.times()[:4])


def _lossless_check(name: str, data: bytes, source: Source) -> LosslessCheck:
    fmt = Format.PNG if source.pil_format == "GIF" else None
    start = _cpu_seconds()
    variant = optimize(data, Spec(targets=(Target(Mode.LOSSLESS, fmt),)), UNBOUNDED).variants[0]
    engine_cpu = _cpu_seconds() - start
    start = _cpu_seconds()
    tool = TOOLS[source.pil_format](data, source)
    tool_cpu = _cpu_seconds() - start
    engine = variant.size if variant.data is not None and variant.smaller else len(data)
    return LosslessCheck(name, source.pil_format, len(data), engine, min(tool, len(data)), engine_cpu, tool_cpu)


def _lossless_table(checks: list[LosslessCheck], out) -> None:
    print(
        "\n### lossless beside the plain tools (oxipng -o 2 --strip safe; mozjpeg jpegtran -copy none "
        "-optimize -progressive, with the profile and orientation colour needs)\n",
        file=out,
    )
    for check in checks:
        if check.engine > check.tool:
            print(f"  {check.name}: engine {check.engine} bytes, larger than the tool's {check.tool}", file=out)
    print(
        "| source | n | engine savings median % | tool savings median % | engine larger | engine CPU s | tool CPU s |",
        file=out,
    )
    print("|---|---|---|---|---|---|---|", file=out)
    groups = [(fmt, [c for c in checks if c.source_format == fmt]) for fmt in TOOLS]
    for fmt, items in [*groups, ("all", checks)]:
        if not items:
            continue
        engine = statistics.median(c.savings(c.engine) for c in items)
        tool = statistics.median(c.savings(c.tool) for c in items)
        print(
            f"| {fmt} | {len(items)} | {engine:.1f} | {tool:.1f} | {sum(c.engine > c.tool for c in items)} "
            f"| {sum(c.engine_cpu for c in items):.2f} | {sum(c.tool_cpu for c in items):.2f} |",
            file=out,
        )


def _thumbnail(name: str, size: str, data: bytes, out) -> Thumbnail:
    """The lossy set on one WordPress size, every lossy variant re-scored on the whole image."""
    source = decode(data)
    start = time.process_time()
    variants = optimize(data, Spec(targets=THUMBNAIL_SET), UNBOUNDED).variants
    cpu = time.process_time() - start
    original = variants[0]
    lossy_original = original.size if original.smaller else len(data)
    refs: dict[bool, Reference] = {}
    reached, smaller, ratio, misses = {}, {}, {}, 0
    for variant in variants:
        # the engine's note for a lossless fallback; anything else with data is a lossy setting
        lossy = variant.data is not None and not variant.note.startswith("no lossy setting")
        score = rescore(source, variant.data, refs) if lossy else None
        miss = score is not None and score < FLOORS[Mode.LOSSY] - 0.05
        misses += miss
        if variant is not original:
            fmt = variant.format.value
            reached[fmt] = lossy
            smaller[fmt] = variant.data is not None and variant.size < lossy_original
            ratio[fmt] = variant.size / lossy_original if variant.data is not None else math.inf
        if miss or not lossy:
            print(
                f"  {name} {variant.format.value}: {variant.setting} {variant.score} -> full score {score}, "
                f"{variant.note or 'floor miss'}",
                file=out,
            )
    return Thumbnail(size, reached, smaller, ratio, misses, cpu)


def _thumbnail_table(thumbnails: list[Thumbnail], out) -> None:
    print("\n### thumbnails: WordPress sizes, lossy set (original format, WebP, AVIF)\n", file=out)
    print(
        "| size | n | WebP reaches floor % | WebP smaller than lossy original % | AVIF reaches floor % "
        "| AVIF smaller than lossy original % | WebP / original median | AVIF / original median "
        "| floor misses | CPU s median |",
        file=out,
    )
    print("|---|---|---|---|---|---|---|---|---|---|", file=out)
    groups = [(size, [t for t in thumbnails if t.size == size]) for size in THUMBNAIL_SIZES.values()]
    for size, items in [*groups, ("all", thumbnails)]:
        if not items:
            continue
        cells = []
        for fmt in ("webp", "avif"):
            cells += [
                f"{100 * sum(t.reached[fmt] for t in items) / len(items):.1f}",
                f"{100 * sum(t.smaller[fmt] for t in items) / len(items):.1f}",
            ]
        ratios = [f"{statistics.median(t.ratio[fmt] for t in items):.2f}" for fmt in ("webp", "avif")]
        print(
            f"| {size} | {len(items)} | {' | '.join(cells)} | {' | '.join(ratios)} "
            f"| {sum(t.misses for t in items)} | {statistics.median(t.cpu for t in items):.2f} |",
            file=out,
        )


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
    print(
        "| class | variant | n | savings median % | min % | SSIMULACRA2 median | min | floor misses "
        f"| by the package | by the package, over {MISS_TOLERANCE} | lossless not identical | CPU s/MP median |",
        file=out,
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|", file=out)
    for (cls, name), items in sorted(rows.items()):
        savings = [r.savings for r in items]
        scores = [r.score for r in items if r.score is not None]
        checks = [r.identical for r in items if r.identical is not None]
        cpu = [r.cpu_per_mp for r in items if r.cpu_per_mp]
        judged = [r for r in items if r.package is not None]
        by_package = (
            f"{sum(r.package_miss for r in judged)} | {sum(r.package_miss_beyond_tolerance for r in judged)}"
            if judged
            else "- | -"
        )
        print(
            f"| {cls} | {name} | {len(items)} | {_fmt(savings, statistics.median)} | {_fmt(savings, min)} "
            f"| {_fmt(scores, statistics.median)} | {_fmt(scores, min)} | {sum(r.miss for r in items)} "
            f"| {by_package} | {sum(not c for c in checks) if checks else '-'} | {_fmt(cpu, statistics.median)} |",
            file=out,
        )


def _agreement_table(agreement: list[tuple[tuple[str, ...], float, float]], out) -> None:
    print(
        "\n### metric agreement: engine - package per variant kind\n",
        file=out,
    )
    print("| kind | n | max abs difference | median difference | min | max |", file=out)
    print("|---|---|---|---|---|---|", file=out)
    kinds = sorted({kind for variant, _, _ in agreement for kind in variant})
    for kind in [*kinds, "all"]:
        differences = [engine - package for variant, engine, package in agreement if kind in (*variant, "all")]
        if differences:
            print(
                f"| {kind} | {len(differences)} | {max(map(abs, differences)):.2f} "
                f"| {statistics.median(differences):.2f} | {min(differences):.2f} | {max(differences):.2f} |",
                file=out,
            )


def _variant_name(target: Target) -> str:
    """A target as the engine table names its kind: ``lossy``, ``lossless``, ``webp glossy``, ..."""
    return f"{target.format.value} {target.mode.value}" if target.format else target.mode.value


def _spread(values: list[int]) -> str:
    return f"{statistics.median(values):g} ({min(values)}-{max(values)})"


def _cpu_table(runs: list[SetRun], out) -> None:
    print("\n### full ShortPixel set (original format + lossless + WebP + AVIF), CPU-seconds\n", file=out)
    low, high = GOAL_MEGAPIXELS
    goal = [run for run in runs if run.cls == GOAL_CLASS and low <= run.megapixels <= high]
    medians = {}
    for set_name in SHORTPIXEL_SETS:
        cpu = [run.cpu for run in goal if run.set_name == set_name]
        if cpu:
            medians[set_name] = statistics.median(cpu)
            print(
                f"{GOAL_CLASS}, {low:g}-{high:g} MP, {set_name}: {len(cpu)} images, median {medians[set_name]:.2f} s, "
                f"max {max(cpu):.2f} s",
                file=out,
            )
    if len(medians) == 2 and medians["lossy=1"] > 0:
        print(f"lossy=2 / lossy=1 (medians): {medians['lossy=2'] / medians['lossy=1']:.2f}", file=out)
    print("\n| class | set | n | CPU s/MP median | max |", file=out)
    print("|---|---|---|---|---|", file=out)
    for cls, set_name in sorted({(run.cls, run.set_name) for run in runs}):
        per_mp = [run.cpu / run.megapixels for run in runs if (run.cls, run.set_name) == (cls, set_name)]
        print(f"| {cls} | {set_name} | {len(per_mp)} | {statistics.median(per_mp):.2f} | {max(per_mp):.2f} |", file=out)
    print(
        "\nCalls per variant, median (min-max): probes (a cheap encode and a metric call on the sample), "
        "full encodes, verifications (a metric call on every pixel)\n",
        file=out,
    )
    print(
        "| class | set | variant | n | savings median % | CPU s median | probes | encodes | verifications "
        "| metric calls |",
        file=out,
    )
    print("|---|---|---|---|---|---|---|---|---|---|", file=out)
    calls: dict[tuple[str, str, str], list[tuple[Variant, float]]] = defaultdict(list)
    for run in runs:
        for variant in run.variants:
            calls[(run.cls, run.set_name, _variant_name(variant.target))].append((variant, run.savings(variant)))
    for (cls, set_name, name), made in sorted(calls.items()):
        variants = [variant for variant, _ in made]
        work = [variant.work for variant in variants]
        print(
            f"| {cls} | {set_name} | {name} | {len(variants)} | {statistics.median(saved for _, saved in made):.1f} "
            f"| {statistics.median(variant.cpu_seconds for variant in variants):.2f} "
            f"| {_spread([w.probes for w in work])} | {_spread([w.encodes for w in work])} "
            f"| {_spread([w.verifications for w in work])} | {_spread([w.metric_calls for w in work])} |",
            file=out,
        )
    print(file=out)
    for run in runs:
        variants = ", ".join(f"{_variant_name(v.target)} {v.cpu_seconds:.2f}" for v in run.variants)
        print(
            f"- {run.name} ({run.cls}): {run.megapixels:.2f} MP, {run.set_name} {run.cpu:.2f} s "
            f"({run.cpu / run.megapixels:.2f} s/MP; {variants})",
            file=out,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m optimizer.engine.bench", description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("folder", type=Path, nargs="?", help="a folder of images")
    where.add_argument(
        "--corpus",
        choices=sorted(corpus.LOCATIONS),
        help="a named corpus: the shared public one, or the wider one python -m "
        "optimizer.engine.corpus builds (REDUCER_CORPUS_DIR / REDUCER_WIDER_CORPUS_DIR move them)",
    )
    parser.add_argument(
        "--max-megapixels",
        type=float,
        default=None,
        help="skip larger images (the compression anchors cover the corpus up to 4.1 MP)",
    )
    parser.add_argument(
        "--min-megapixels",
        type=float,
        default=0.0,
        help="skip images of this size or smaller, so a corpus can be measured in size bands",
    )
    only = parser.add_mutually_exclusive_group()
    only.add_argument(
        "--thumbnails-only", action="store_true", help="only the thumbnails section (WordPress sizes of each image)"
    )
    only.add_argument(
        "--lossless-only",
        action="store_true",
        help="only the lossless section (each image's lossless variant beside the plain tools)",
    )
    only.add_argument(
        "--cpu-only",
        action="store_true",
        help="only the CPU section: each image through the full ShortPixel set (lossy=1 and lossy=2), "
        "CPU-seconds per image and per MP, and the calls made per variant",
    )
    only.add_argument(
        "--lossy-only",
        action="store_true",
        help="only the lossy and glossy variants of each image: floor misses by both metrics and their agreement",
    )
    args = parser.parse_args(argv)
    images = args.folder or corpus.folder(args.corpus)
    if not images.is_dir():
        parser.error(
            f"no folder {images}"
            + (": build it with python -m optimizer.engine.corpus" if args.corpus == "wider" else "")
        )
    run(
        images,
        args.max_megapixels,
        out=sys.stdout,
        min_megapixels=args.min_megapixels,
        thumbnails_only=args.thumbnails_only,
        lossless_only=args.lossless_only,
        lossy_only=args.lossy_only,
        cpu_only=args.cpu_only,
    )


if __name__ == "__main__":
    main()
