"""The engine's SSIMULACRA2 agrees with the PyPI reference package and stays bounded on large images."""

import statistics
import tracemalloc

import numpy as np
import pytest
from PIL import Image
from ssimulacra2 import compute_ssimulacra2

from optimizer.engine import Format, Limits, Mode, Spec, Target, metric, optimize
from optimizer.engine.metric import TILE, Reference, sample_boxes

from .conftest import decoded, encode, photo


def _package_score(tmp_path, source: Image.Image, distorted: Image.Image) -> float:
    source.save(tmp_path / "a.png")
    distorted.save(tmp_path / "b.png")
    return compute_ssimulacra2(str(tmp_path / "a.png"), str(tmp_path / "b.png"))


def test_matches_the_reference_package(tmp_path):
    source = photo(300, 260)  # six scales: 8 pixels or more a side at 1:32
    distorted = decoded(encode(source, "JPEG", quality=40))
    assert abs(Reference(source).score(distorted) - _package_score(tmp_path, source, distorted)) < 0.5


def _mirrored(im: Image.Image, width: int, height: int) -> Image.Image:
    """``im`` tiled with its mirror images out to ``width`` x ``height`` (whole copies)."""
    flipped = im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    row = Image.new(im.mode, (width, im.height))
    for i, x in enumerate(range(0, width, im.width)):
        row.paste(flipped if i % 2 else im, (x, 0))
    out = Image.new(im.mode, (width, height))
    for i, y in enumerate(range(0, height, im.height)):
        out.paste(row.transpose(Image.Transpose.FLIP_TOP_BOTTOM) if i % 2 else row, (0, y))
    return out


def test_a_thumbnail_is_scored_as_the_package_scores_its_mirror_image_extension(tmp_path):
    # Under 256 pixels a side the package drops the coarse scales but not their weights: every later
    # term takes another's weight. The engine scores such an image on its mirror images instead.
    source = photo(150, 120, seed=4)
    distorted = decoded(encode(source, "WEBP", quality=60))
    mirrored = _package_score(tmp_path, _mirrored(source, 300, 360), _mirrored(distorted, 300, 360))
    # float32 against the package's float64: up to about 0.6 apart at some sizes, extended or not
    assert abs(Reference(source).score(distorted) - mirrored) < 1.0
    assert abs(_package_score(tmp_path, source, distorted) - mirrored) > 5  # the package, unextended


@pytest.mark.parametrize("fmt", ["WEBP", "JPEG"])
def test_a_150_pixel_crop_reads_like_the_whole_image(fmt):
    # The same encode, scored on sixteen 150-pixel crops and on the whole 600-pixel image: a thumbnail's
    # floor means what it means on a large image. Unextended, the crops read 11 points off.
    source = photo(600, 600, seed=7)
    distorted = decoded(encode(source, fmt, quality=50))
    whole = Reference(source).score(distorted)
    boxes = [(x, y, x + 150, y + 150) for y in range(0, 600, 150) for x in range(0, 600, 150)]
    crops = [Reference(source.crop(box)).score(distorted.crop(box)) for box in boxes]
    assert abs(statistics.median(crops) - whole) < 3, (whole, statistics.median(crops))


def test_both_cube_roots_score_alike(monkeypatch):
    # numpy's vectorised cube root serves AVX-512 CPUs, OpenCV's power every other one: same scores.
    source = photo(200, 150, seed=2)
    distorted = decoded(encode(source, "WEBP", quality=30))
    scores = []
    for vectorised in (True, False):
        monkeypatch.setattr(metric, "_VECTOR_CBRT", vectorised)
        reference = Reference(source)
        scores.append(reference.score(distorted))
        assert reference.score(source) == 100.0
    assert abs(scores[0] - scores[1]) < 0.001


def test_alpha_counts():
    source = photo(160, 120, mode="RGBA")
    holes = np.asarray(source).copy()
    holes[40:80, 60:100, 3] = 255 - holes[40:80, 60:100, 3]  # change only the alpha
    assert Reference(source).score(Image.fromarray(holes, "RGBA")) < 90
    assert Reference(source).score(source) == 100.0


def test_large_images_are_sampled_with_bounded_tiles():
    boxes = sample_boxes(photo(3000, 2000), 4 * TILE * TILE)
    assert len(boxes) == 4
    assert all(b[2] - b[0] == TILE and b[3] - b[1] == TILE for b in boxes)


def test_sampled_search_still_meets_the_floor_on_every_pixel():
    source = photo(1100, 1050, seed=3)
    limits = Limits(metric_pixels=TILE * TILE * 2, verify_pixels=2_000_000)
    variant = optimize(encode(source, "PNG"), Spec(targets=(Target(Mode.LOSSY, Format.WEBP),)), limits).variants[0]
    assert Reference(source, max_pixels=10**9).score(decoded(variant.data)) >= 70


def test_sampled_search_does_not_overshoot_the_floor():
    # Probes on two tiles read this image a few points off; the verified full-image score then steers
    # the search back down, so the variant is not paid for with points far above the floor.
    source = photo(1100, 1050, seed=3)
    limits = Limits(metric_pixels=TILE * TILE * 2, verify_pixels=2_000_000)
    for fmt in (Format.JPEG, Format.WEBP):
        variant = optimize(encode(source, "PNG"), Spec(targets=(Target(Mode.LOSSY, fmt),)), limits).variants[0]
        assert 70 <= variant.score < 71.5, (fmt, variant.setting, variant.score)


def test_banded_comparison_matches_the_whole_image(monkeypatch):
    source = photo(300, 221, seed=5)  # odd height: bands of uneven size, odd rows at every scale
    distorted = decoded(encode(source, "JPEG", quality=35))
    reference = Reference(source, max_pixels=10**9)
    whole = reference.score(distorted)
    monkeypatch.setattr(metric, "BAND_PIXELS", 300 * 16)  # bands of 16 rows, about a blur diameter
    banded = Reference(source, max_pixels=10**9)
    assert abs(banded.score(distorted) - whole) < 0.001
    assert banded.score(source) == 100.0


def test_comparison_memory_is_bounded():
    # The candidate is compared band by band: besides its linear-light planes (12 bytes a pixel),
    # only band-sized buffers; whole-image temporaries used to take about 8x those planes.
    source = photo(1200, 900, seed=6)
    distorted = decoded(encode(source, "JPEG", quality=50))
    reference = Reference(source, max_pixels=10**9)
    tracemalloc.start()
    try:
        reference.score(distorted)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    planes = 1200 * 900 * 3 * 4
    assert peak < 2.5 * planes, peak / planes
