"""SSIMULACRA2 with bounded cost: float32, the probes' reference computed once, large images sampled.

The arithmetic follows the PyPI ``ssimulacra2`` package (its constants and pooling are reused), but
on arrays instead of files, in float32 (half the memory) and in bands of rows. A small reference
(the probes' sample) keeps its blurred planes, so each probe only pays for the distorted side; a
larger one (the verifier's) makes them again band by band, so memory stays bounded. Above
``max_pixels`` the score is taken on a fixed set of evenly spread 512-pixel tiles (aligned to 64,
the coarsest block grid among the codecs), scored one by one and pooled, so a 50 MP image costs the
same as a 1 MP one. Tiles read up to about 3 points away from the whole image on the corpus (smaller
tiles read higher still), so the search adds SAMPLE_MARGIN to the floor when it scores a sample, and
the chosen encode is verified on every pixel (or on a much larger sample, and then once on every
pixel). Alpha is composited on a dark and on a light background and the worse score is kept, as
the reference implementation does.

The score is the package's, to the arithmetic (``_blur`` has the one place where the package is not
what it means to be), with one exception: the package drops alpha (it converts every image to RGB
before it looks for an alpha channel), so it compares colours under transparent pixels that nobody
sees; the engine composites as the reference does (libjxl ``tools/ssimulacra2_main.cc``: an
original with alpha is blended on grey 0.1 and on grey 0.9 and the worse score is reported).

An image under 256 pixels a side lacks the coarsest scales, and the score then gives every later
term another term's weight (the reference indexes its weights by a running counter, and so does the
package), so thumbnails read far from what the same pixels read inside a large image. The engine
scores them as the reference does all the same: a floor it claims is one the reference confirms.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
from numpy._core._multiarray_umath import __cpu_features__
from PIL import Image
from ssimulacra2.ssimulacra2 import (
    Msssim,
    MsssimScale,
    kC2,
    kNumScales,
    kOpsinAbsorbanceBias,
    kOpsinAbsorbanceMatrix,
)

TILE = 512
BAND_PIXELS = 1 << 17  # pixels per comparison band: its few buffers stay in the CPU's cache
# A reference up to this many pixels (over its tiles and backgrounds) keeps its terms: 48 MB at most
PREPARED_PIXELS = 1 << 20
BACKGROUNDS = (0.1, 0.9)
SAMPLE_MARGIN = 1.0
_MATRIX = kOpsinAbsorbanceMatrix.reshape(3, 3).astype(np.float32)
_BIAS = kOpsinAbsorbanceBias.astype(np.float32)
_CBRT_BIAS = np.cbrt(_BIAS)
_C2 = np.float32(kC2)
# numpy's cube root is vectorised (SVML) only on AVX-512 CPUs, where it is 2-4x faster than OpenCV's
# exp/log power; elsewhere it is scalar libm, 6x slower. Both agree within 2e-7.
_VECTOR_CBRT = bool(__cpu_features__.get("AVX512_SKX"))


def _srgb_to_linear(v: np.ndarray) -> np.ndarray:
    return np.where(v <= 0.04045, v / np.float32(12.92), ((v + np.float32(0.055)) / np.float32(1.055)) ** 2.4)


_LINEAR_LUT = _srgb_to_linear(np.arange(256, dtype=np.float32) / np.float32(255)).astype(np.float32)


def _linear(pixels: np.ndarray, background: float) -> np.ndarray:
    """8-bit RGB, or RGBA composited on ``background``, to linear light, channel-first (3, H, W)
    float32. Made in bands of rows: an RGBA band's float temporaries take several times its planes."""
    height, width = pixels.shape[:2]
    out = np.empty((3, height, width), np.float32)
    step = max(BAND_PIXELS // width, 1)
    for top in range(0, height, step):
        _linear_rows(pixels[top : top + step], background, out[:, top : top + step])
    return out


def _linear_rows(pixels: np.ndarray, background: float, out: np.ndarray) -> None:
    """``_linear`` of a few rows, written into ``out`` (3, rows, W)."""
    if pixels.shape[2] == 3:
        # a table lookup: 8-bit input has only 256 values
        for plane, linear in zip(cv2.split(pixels), out, strict=True):
            cv2.LUT(plane, _LINEAR_LUT, dst=linear)
        return
    _linear_rows(composited(pixels, background), background, out)


def composited(rgba: np.ndarray, background: float) -> np.ndarray:
    """8-bit RGBA (H, W, 4) blended on a grey of ``background`` (0..1), in sRGB values rounded to 8
    bits: as a screen shows the blend, and as the package sees it (it reads files). The reference
    blends in float; on a smooth gradient that is semi-transparent throughout the two read up to
    3.4 points apart, rounding only where alpha is neither 0 nor 255."""
    pixels = rgba.astype(np.float32)
    alpha = pixels[..., 3:4] / 255.0
    blended = pixels[..., :3] * alpha + (1.0 - alpha) * (background * 255.0)
    return np.round(blended).astype(np.uint8)


def _xyb(linear: np.ndarray) -> np.ndarray:
    """Linear RGB (3, H, W) to the positive XYB planes the metric compares."""
    mixed = np.empty_like(linear)
    red, green, blue = linear
    # plane by plane in OpenCV: 3x cheaper than a BLAS product, and no BLAS thread pool. Linear light,
    # the matrix and the bias are all non-negative, so the package's clamp at 0 has nothing to do.
    for row, bias, plane in zip(_MATRIX, _BIAS, mixed, strict=True):
        cv2.addWeighted(red, float(row[0]), green, float(row[1]), float(bias), dst=plane)
        cv2.scaleAdd(blue, float(row[2]), plane, dst=plane)
    if _VECTOR_CBRT:
        np.cbrt(mixed, out=mixed)
    else:
        cv2.pow(mixed, 1 / 3, dst=mixed)
    mixed -= _CBRT_BIAS[:, None, None]
    opsin_x, opsin_y, opsin_b = mixed
    out = np.empty_like(mixed)
    # make_positive_xyb: x * 14 + 0.42, y + 0.01, (b - y) + 0.55
    np.subtract(opsin_x, opsin_y, out=out[0])
    out[0] *= np.float32(0.5 * 14.0)
    out[0] += np.float32(0.42)
    np.add(opsin_x, opsin_y, out=out[1])
    out[1] *= np.float32(0.5)
    np.subtract(opsin_b, out[1], out=out[2])
    out[2] += np.float32(0.55)
    out[1] += np.float32(0.01)
    return out


_RADIUS = round(3.2795 * 1.5 + 0.2546)
_KERNEL = cv2.getGaussianKernel(2 * _RADIUS + 1, 1.5).astype(np.float32)  # the package's scipy kernel
_ROW_KERNEL, _COLUMN_KERNEL = _KERNEL.reshape(1, -1), _KERNEL.reshape(-1, 1)


def _blur(planes: np.ndarray, out: np.ndarray | None = None, rows: np.ndarray | None = None) -> np.ndarray:
    """Gaussian blur per plane: zero beyond the left and right edges, reflected at the top and bottom,
    as the package computes it (OpenCV gives scipy's numbers about 5x faster). The package means to
    pad the top and bottom with zeros and reflect the sides, but its XYB planes are transposed (it
    converts ``linear.T``), so its padding lands on the sides; the reference (libjxl's recursive
    Gaussian) reads zero beyond all four edges. Only the blur's 5-pixel margin differs, but at the
    coarse scales that margin is much of the image: following the package's stated intent instead
    read up to 3.6 points below it on a screenshot. ``out`` and ``rows`` (one plane) are reusable
    buffers."""
    out = np.empty_like(planes) if out is None else out
    for plane, blurred in zip(planes, out, strict=True):
        # two 1-D filters: sepFilter2D would run four passes (two of them with a 1-tap kernel)
        rows = cv2.filter2D(plane, -1, _ROW_KERNEL, dst=rows, borderType=cv2.BORDER_CONSTANT)
        cv2.filter2D(rows, -1, _COLUMN_KERNEL, dst=blurred, borderType=cv2.BORDER_REFLECT)
    return out


def _downsample(img: np.ndarray) -> np.ndarray:
    """2x2 box average; an odd last row or column averages the pixels it has."""
    h, w = img.shape[1:]
    h2, w2 = h // 2, w // 2
    # OpenCV's area resize is exactly the 2x2 mean on the even part.
    even = np.stack([cv2.resize(p, (w2, h2), interpolation=cv2.INTER_AREA) for p in img[:, : 2 * h2, : 2 * w2]])
    if w % 2:
        column = (img[:, 0 : 2 * h2 : 2, -1] + img[:, 1 : 2 * h2 : 2, -1]) / 2
        even = np.concatenate([even, column[:, :, None]], axis=2)
    if h % 2:
        row = (img[:, -1, 0 : 2 * w2 : 2] + img[:, -1, 1 : 2 * w2 : 2]) / 2
        if w % 2:
            row = np.concatenate([row, img[:, -1:, -1]], axis=1)
        even = np.concatenate([even, row[:, None, :]], axis=1)
    return even


def _sums(error: np.ndarray, scratch: np.ndarray) -> tuple[list[float], list[float]]:
    """Per-plane sum and sum of 4th powers of a non-negative (3, H, W) error map (bands and tiles are
    pooled before the mean and the 4th root). OpenCV's norms accumulate in double, twice as fast as
    numpy's float32 reductions and exact where einsum drifts in the fifth digit."""
    squared = np.multiply(error, error, out=scratch)
    return ([cv2.norm(plane, cv2.NORM_L1) for plane in error], [cv2.norm(plane, cv2.NORM_L2SQR) for plane in squared])


@dataclass
class _Terms:
    """What every comparison reuses of the reference at one scale, over all its rows or over a band of
    them: its XYB planes (a band's from its first row less the blur radius, as the candidate's), and
    over the rows themselves the blurred means and the blurred variance. Its edges, 1 + |xyb - mu|,
    are made again in each band: three passes over it, where keeping them took a quarter of the
    memory."""

    xyb: np.ndarray
    mu: np.ndarray
    variance: np.ndarray

    def band(self, start: int, end: int, top: int, bottom: int) -> _Terms:
        """Rows ``top:bottom`` of terms made over every row; their XYB planes from ``start`` to ``end``."""
        rows = slice(top, bottom)
        return _Terms(self.xyb[:, start:end], self.mu[:, rows], self.variance[:, rows])


def _terms(
    xyb: np.ndarray,
    inner: slice,
    mu: np.ndarray,
    variance: np.ndarray,
    scratch: np.ndarray,
    plane: np.ndarray | None = None,
) -> _Terms:
    """The reference's terms over rows ``inner`` of ``xyb``, made in the buffers given (each shaped as
    ``xyb``; ``plane`` is one plane's)."""
    _blur(xyb, mu, plane)
    np.multiply(xyb, xyb, out=variance)
    _blur(variance, variance, plane)  # a plane is read into the row buffer before it is overwritten
    mu, variance = mu[:, inner], variance[:, inner]
    variance -= np.multiply(mu, mu, out=scratch[:, inner])
    return _Terms(xyb, mu, variance)


def _band_sums(ref: _Terms, xyb: np.ndarray, inner: slice, buffers: tuple[np.ndarray, ...]) -> np.ndarray:
    """The 18 sums of one band of one scale: SSIM error (2 per plane), then ringing and blur (2 each
    per plane). ``xyb`` (and ``ref.xyb``) hold the band's rows ``inner`` with the rows around them that
    the blurs need to be exact on the band; everything else lives in the band-sized ``buffers``."""
    slab = xyb.shape[1]
    mu, work, error, covariance, variance, plane = (b[..., :slab, :] if b.ndim == 3 else b[:slab] for b in buffers)
    _blur(xyb, mu, plane)
    _blur(np.multiply(ref.xyb, xyb, out=work), covariance, plane)
    _blur(np.multiply(xyb, xyb, out=work), variance, plane)
    mu, xyb = mu[:, inner], xyb[:, inner]
    error, work, covariance, variance = error[:, inner], work[:, inner], covariance[:, inner], variance[:, inner]
    ref_mu = ref.mu
    # SSIM error: 1 - (1 - (m1 - m2)^2) * (2 (s12 - m1 m2) + C2) / (var1 + var2 + C2), in the package's
    # order of operations, so that identical images score exactly 100
    np.subtract(ref_mu, mu, out=error)
    error *= error
    np.subtract(1.0, error, out=error)
    covariance -= np.multiply(ref_mu, mu, out=work)
    covariance *= 2.0
    covariance += _C2
    variance -= np.multiply(mu, mu, out=work)
    variance += ref.variance
    variance += _C2
    error *= covariance
    error /= variance
    np.subtract(1.0, error, out=error)
    out = np.zeros(18)
    out[0:6:2], out[1:6:2] = _sums(np.maximum(error, 0.0, out=error), work)
    # Edge ratio: (1 + |x - mu|) / (1 + |ref - ref_mu|) - 1
    ratio = np.subtract(xyb, mu, out=covariance)
    np.abs(ratio, out=ratio)
    ratio += 1.0
    ref_edges = np.subtract(ref.xyb[:, inner], ref_mu, out=error)
    np.abs(ref_edges, out=ref_edges)
    ref_edges += 1.0
    ratio /= ref_edges
    ratio -= 1.0
    # ringing and blockiness: edges the source lacks; blur: edges the source had
    out[6::4], out[7::4] = _sums(np.maximum(ratio, 0.0, out=variance), work)
    np.negative(ratio, out=ratio)
    out[8::4], out[9::4] = _sums(np.maximum(ratio, 0.0, out=ratio), work)
    return out


def _final_score(moments: np.ndarray) -> float:
    """Pooled moments (scales x 18) to the SSIMULACRA2 score, with the package's weights."""
    msssim = Msssim()
    for row in moments:
        norms = row.copy()
        norms[1:6:2] **= 0.25
        norms[7::2] **= 0.25
        scale = MsssimScale()
        scale.avg_ssim = norms[:6]
        scale.avg_edgediff = norms[6:]
        msssim.scales.append(scale)
    return float(msssim.score())


def _pyramid(linear: np.ndarray) -> Iterator[np.ndarray]:
    """Linear planes at each scale the metric compares: halved each time, while 8 pixels a side remain."""
    for scale in range(kNumScales):
        if linear.shape[1] < 8 or linear.shape[2] < 8:
            return
        yield linear
        if scale < kNumScales - 1:
            linear = _downsample(linear)


def _prepare(linear: np.ndarray) -> list[_Terms]:
    """The reference's terms at every scale, made once over all rows."""
    scales = []
    for level in _pyramid(linear):
        xyb = _xyb(level)
        scales.append(_terms(xyb, slice(None), np.empty_like(xyb), np.empty_like(xyb), np.empty_like(xyb)))
    return scales


def _band_rows(width: int) -> int:
    """Rows compared at a time on a scale this wide: at least a blur diameter, and even, so that a
    band's rows halve into whole rows of the next scale."""
    return max(BAND_PIXELS // width, 2 * _RADIUS) & ~1


class _Workspace:
    """Band-sized buffers for comparing images of one size, reused at every scale and comparison:
    ``slabs`` of three planes, then one plane for the blurs, each viewed at a scale's band shape."""

    def __init__(self, height: int, width: int, slabs: int) -> None:
        most = 0
        for _ in range(kNumScales):
            most = max(most, min(_band_rows(width) + 2 * _RADIUS, height) * width)
            height, width = (height + 1) // 2, (width + 1) // 2
        self._slabs = [np.empty(3 * most, np.float32) for _ in range(slabs)]
        self._plane = np.empty(most, np.float32)

    def shaped(self, rows: int, width: int) -> tuple[list[np.ndarray], np.ndarray]:
        size = rows * width
        return [s[: 3 * size].reshape(3, rows, width) for s in self._slabs], self._plane[:size].reshape(rows, width)


_COMPARISON_SLABS = 5  # a band's comparison
_PREPARED_SLABS = _COMPARISON_SLABS + 1  # and the candidate's linear rows
_STREAMED_SLABS = _PREPARED_SLABS + 4  # and the reference's linear rows and its three terms


@dataclass(frozen=True)
class _Halved:
    """An image's second scale, made from its pixels band by band as it is compared: kept whole, the
    second scales of both sides took 6 bytes a pixel of the image (144 MB on a 24 MP photo)."""

    image: Image.Image

    @property
    def shape(self) -> tuple[int, int, int]:
        return 3, (self.image.height + 1) // 2, (self.image.width + 1) // 2


_Level = Image.Image | _Halved | np.ndarray  # a scale's source: 8-bit pixels, halved from them, or linear planes


def _size(level: _Level) -> tuple[int, int]:
    return (level.height, level.width) if isinstance(level, Image.Image) else level.shape[1:]


def _rows(level: _Level, start: int, end: int, background: float, out: np.ndarray) -> np.ndarray:
    """Rows ``start:end`` of a scale in linear light: of its planes, halved from the image's rows, or
    made in ``out`` from its 8-bit pixels. The pixels are taken a band at a time: an array of every
    pixel took 3-4 bytes a pixel more of each image (170 MB for the two sides of a 24 MP photo)."""
    if isinstance(level, np.ndarray):
        return level[:, start:end]
    if isinstance(level, _Halved):
        # the 2x2 mean of whole rows pairs: exactly the rows of the halved image
        image = level.image
        top, bottom = 2 * start, min(2 * end, image.height)
        full = np.empty((3, bottom - top, image.width), np.float32)
        _linear_rows(_pixels(image.crop((0, top, image.width, bottom))), background, full)
        return _downsample(full)
    out = out[:, : end - start]
    _linear_rows(_pixels(level.crop((0, start, level.width, end))), background, out)
    return out


def _compare(
    reference: list[_Terms] | Image.Image,
    candidate: Image.Image,
    background: float,
    workspace: _Workspace,
    kept: list[_Terms] | None = None,
) -> np.ndarray:
    """Per scale, the 18 moments (means) of the candidate's pixels (composited on ``background``)
    against the reference: its terms prepared at every scale (a list), or its pixels, from which its
    terms are made band by band along with the candidate's.

    Both are compared in bands of rows: every intermediate of a band stays in the CPU's cache and in a
    few reused buffers, where whole-image temporaries would cost memory traffic and page faults (as
    much time as the arithmetic on a 2 MP image) and memory in proportion to it. The first scale is
    made from the pixels band by band, and so is the second, halved from them again; each band of the
    second is halved into the third as it goes, so only the third scale's planes are ever whole: 0.75
    bytes a pixel of each image. A reference made
    band by band costs the blurs of its side again on every comparison; prepared whole, its terms
    would take 48 bytes a pixel (about 220 MB on 4.5 MP, twice that with alpha). ``kept`` (terms
    allocated at every scale, see ``_empty_terms``) receives the terms of a reference made band by
    band, so the comparisons after this one can take them prepared.
    """
    prepared = isinstance(reference, list)
    ref_level, level = (None if prepared else reference), candidate
    moments = []
    for scale in range(kNumScales):
        height, width = _size(level)
        if height < 8 or width < 8:
            break
        band = _band_rows(width)
        slabs, plane = workspace.shaped(min(band + 2 * _RADIUS, height), width)
        halved = (3, (height + 1) // 2, (width + 1) // 2)
        next_level: _Level | None = None
        next_ref: _Level | None = None
        if scale == 0:
            next_level = _Halved(candidate)
            next_ref = None if prepared else _Halved(reference)
        elif scale < kNumScales - 1:
            next_level = np.empty(halved, np.float32)
            next_ref = None if prepared else np.empty(halved, np.float32)
        halving = isinstance(next_level, np.ndarray)
        sums = np.zeros(18)
        for top in range(0, height, band):
            bottom = min(top + band, height)
            start, end = max(top - _RADIUS, 0), min(bottom + _RADIUS, height)
            inner, halves = slice(top - start, bottom - start), slice(top // 2, (bottom + 1) // 2)
            linear = _rows(level, start, end, background, slabs[_COMPARISON_SLABS])
            if prepared:
                terms = reference[scale].band(start, end, top, bottom)
            else:
                ref_linear = _rows(ref_level, start, end, background, slabs[_COMPARISON_SLABS + 1])
                mu, variance, scratch = (s[:, : end - start] for s in slabs[_COMPARISON_SLABS + 2 :])
                terms = _terms(_xyb(ref_linear), inner, mu, variance, scratch, plane[: end - start])
                if kept is not None:
                    kept[scale].xyb[:, top:bottom] = terms.xyb[:, inner]
                    kept[scale].mu[:, top:bottom] = terms.mu
                    kept[scale].variance[:, top:bottom] = terms.variance
                if halving:
                    next_ref[:, halves] = _downsample(ref_linear[:, inner])
            if halving:
                next_level[:, halves] = _downsample(linear[:, inner])
            sums += _band_sums(terms, _xyb(linear), inner, (*slabs[:_COMPARISON_SLABS], plane))
        moments.append(sums / (height * width))
        level, ref_level = next_level, next_ref
    return np.array(moments)


def _empty_terms(height: int, width: int) -> list[_Terms]:
    """Room for a reference's terms at every scale the metric compares on an image of this size."""
    scales = []
    for _ in range(kNumScales):
        if height < 8 or width < 8:
            break
        scales.append(_Terms(*(np.empty((3, height, width), np.float32) for _ in range(3))))
        height, width = (height + 1) // 2, (width + 1) // 2
    return scales


def sample_boxes(image: Image.Image, max_pixels: int) -> tuple[tuple[int, int, int, int], ...]:
    """Tiles covering about ``max_pixels`` as crop boxes; one box when the image is small enough.

    Tiles are a stratified sample over local detail (one from each band, flattest to busiest): flat
    areas show banding and blocking, busy ones blur, and an even spread over the frame misses the
    flat sky of a landscape often enough to read several points high.
    """
    w, h = image.size
    if w * h <= max_pixels or w < 2 * TILE or h < 2 * TILE:
        return ((0, 0, w, h),)
    count = max(2, max_pixels // (TILE * TILE))
    cols, rows = w // TILE, h // TILE
    # Candidates on a grid snapped to 64 pixels, centred in the image.
    x0 = ((w - cols * TILE) // 2) // 64 * 64
    y0 = ((h - rows * TILE) // 2) // 64 * 64
    candidates = [(x0 + c * TILE, y0 + r * TILE) for r in range(rows) for c in range(cols)]
    if len(candidates) <= count:
        chosen = candidates
    else:
        grey = np.asarray(image.convert("L").reduce(16), dtype=np.float32)  # 32x32 cells per tile
        side = TILE // 16

        def detail(xy: tuple[int, int]) -> float:
            cell = grey[xy[1] // 16 : xy[1] // 16 + side, xy[0] // 16 : xy[0] // 16 + side]
            return float(np.abs(np.diff(cell, axis=1)).mean() + np.abs(np.diff(cell, axis=0)).mean())

        ranked = sorted(candidates, key=detail)
        chosen = [ranked[int((i + 0.5) * len(ranked) / count)] for i in range(count)]
    return tuple((x, y, x + TILE, y + TILE) for x, y in chosen)


def _pixels(im: Image.Image) -> np.ndarray:
    """8-bit RGB, or RGBA, pixels (H, W, 3 or 4)."""
    return np.asarray(im if im.mode in ("RGB", "RGBA") else im.convert("RGB"))


class Reference:
    """The source side of the metric, prepared once and compared against any number of candidates.

    Each tile is scored on its own and the moments are pooled over tiles, so tile seams do not count.
    A reference of up to ``PREPARED_PIXELS`` (its tiles' pixels times its backgrounds: the probes'
    sample) keeps its terms at every scale, so a comparison pays only for the candidate's side. A
    larger one (a verifier) keeps only the image and makes its terms band by band in each comparison,
    which then costs about 1.5x as much CPU but no memory beyond the two images' pixels; with
    ``keep_terms`` it keeps the terms its first comparison made (48 bytes a pixel more), and
    every later one pays only for the candidate's side (a 2 MP verification: 0.18 CPU-s instead of 0.28).
    """

    def __init__(self, image: Image.Image, max_pixels: int = 1_000_000, keep_terms: bool = False) -> None:
        self.size = image.size
        self.boxes = sample_boxes(image, max_pixels)
        self.alpha = image.mode == "RGBA"
        self._backgrounds = BACKGROUNDS if self.alpha else (0.0,)
        pixels = sum((right - left) * (bottom - top) for left, top, right, bottom in self.boxes)
        self._image = image
        self._prepared: dict[float, list[list[_Terms]]] | None = None
        self._workspace: _Workspace | None = None
        self._keep_terms = keep_terms
        if pixels * len(self._backgrounds) <= PREPARED_PIXELS:
            self._prepared = {
                bg: [_prepare(_linear(_pixels(self._box(index)), bg)) for index in range(len(self.boxes))]
                for bg in self._backgrounds
            }

    @property
    def sampled(self) -> bool:
        return len(self.boxes) > 1

    def score(self, candidate: Image.Image) -> float:
        """SSIMULACRA2 of a full-size candidate against the reference, on the reference's sample."""
        if candidate.size != self.size:
            raise ValueError(f"candidate is {candidate.size}, reference is {self.size}")
        if self.boxes == ((0, 0, *self.size),):
            return self.score_tiles([candidate])
        return self.score_tiles([candidate.crop(box) for box in self.boxes])

    def score_tiles(self, tiles: list[Image.Image]) -> float:
        """SSIMULACRA2 of candidates for each of ``boxes`` (e.g. each sample tile encoded on its own)."""
        mode = "RGBA" if self.alpha else "RGB"
        tiles = [tile if tile.mode == mode else tile.convert(mode) for tile in tiles]
        workspace = self._workspace
        if workspace is None:
            width, height = tiles[0].size  # every tile has the same size
            slabs = _STREAMED_SLABS if self._prepared is None else _PREPARED_SLABS
            workspace = _Workspace(height, width, slabs)
            if self._prepared is not None:  # kept for the probes to come; a verifier's goes with its comparison
                self._workspace = workspace
        kept = None
        if self._prepared is None and self._keep_terms:
            width, height = tiles[0].size
            kept = {bg: [_empty_terms(height, width) for _ in self.boxes] for bg in self._backgrounds}
        scores = []
        for bg in self._backgrounds:
            moments = [
                _compare(self._reference(bg, index), tile, bg, workspace, None if kept is None else kept[bg][index])
                for index, tile in enumerate(tiles)
            ]
            scores.append(_final_score(np.mean(moments, axis=0)))
        if kept is not None:
            self._prepared = kept
        return min(scores)

    @property
    def keeps_terms(self) -> bool:
        """Whether a comparison pays only for the candidate's side."""
        return self._prepared is not None

    def _box(self, index: int) -> Image.Image:
        box = self.boxes[index]
        return self._image if box == (0, 0, *self.size) else self._image.crop(box)

    def _reference(self, background: float, index: int) -> list[_Terms] | Image.Image:
        """Tile ``index`` of the reference on ``background``: its prepared terms, or its image."""
        return self._box(index) if self._prepared is None else self._prepared[background][index]
