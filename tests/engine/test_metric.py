"""The engine's SSIMULACRA2 agrees with the PyPI reference package and stays bounded on large images."""

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


def test_a_thumbnail_is_scored_as_the_package_scores_it(tmp_path):
    # Under 256 pixels a side the coarse scales are missing and the package (like the reference) gives
    # every later term another's weight; the engine reads the same number, so its floors are theirs.
    source = photo(150, 120, seed=4)
    distorted = decoded(encode(source, "WEBP", quality=60))
    assert abs(Reference(source).score(distorted) - _package_score(tmp_path, source, distorted)) < 0.5


def _screenshot() -> Image.Image:
    """Flat panels and short dark strokes up to the edges, as in a UI screenshot."""
    rng = np.random.default_rng(1)
    pixels = np.full((256, 320, 3), 235, np.uint8)
    pixels[:, :60] = (60, 63, 70)  # a side bar
    pixels[:24] = (40, 40, 48)  # a title bar
    for y in range(40, 250, 14):
        for x in rng.integers(70, 300, 12):
            pixels[y : y + 8, x : x + rng.integers(3, 20)] = (20, 20, 20)
    return Image.fromarray(pixels, "RGB")


def test_border_blur_follows_the_package_on_a_screenshot(tmp_path):
    # The blur's border handling is most of the difference at the coarse scales. Following the
    # package's stated intent (zero above and below) instead of what it computes (zero left and
    # right) read 1.4 points high here, and 3.6 points low on a corpus screenshot.
    source = _screenshot()
    distorted = decoded(encode(source, "WEBP", quality=50))
    assert abs(Reference(source).score(distorted) - _package_score(tmp_path, source, distorted)) < 0.05


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
    # A verifier keeps only the image: its terms are made band by band along with the candidate's, so
    # besides the two images' pixels and their second scale (12 bytes a pixel in all) only band-sized
    # buffers are used. Its terms prepared whole took 64 bytes a pixel, and the candidate's planes 12.
    source = photo(2400, 1800, seed=6)
    distorted = decoded(encode(source, "JPEG", quality=50))
    tracemalloc.start()
    try:
        Reference(source, max_pixels=10**9).score(distorted)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    planes = 2400 * 1800 * 3 * 4
    assert peak < 2 * planes, peak / planes


def _prepared(image: Image.Image, max_pixels: int, monkeypatch) -> Reference:
    """A reference that keeps its terms whatever its size, as every reference used to."""
    with monkeypatch.context() as patch:
        patch.setattr(metric, "PREPARED_PIXELS", 10**12)
        return Reference(image, max_pixels)


@pytest.mark.parametrize(
    ("name", "box", "fmt", "quality"),
    [
        ("p02_path_exif.jpg", None, "JPEG", 40),  # 4.1 MP: the verifier scores every pixel
        ("p19_emerald_logo.png", (200, 300, 1400, 1300), "WEBP", 50),  # alpha: two backgrounds
        ("p01_kleiber_20mp.jpg", (0, 0, 3072, 2048), "JPEG", 50),  # sampled: 17 tiles
    ],
)
def test_a_verifier_made_band_by_band_scores_as_one_prepared_whole(corpus, monkeypatch, name, box, fmt, quality):
    source = decoded((corpus / name).read_bytes())
    source = source if box is None else source.crop(box)
    distorted = decoded(encode(source, fmt, quality=quality)).convert(source.mode)
    verifier = Reference(source, Limits().verify_pixels)
    assert verifier.score(distorted) == pytest.approx(
        _prepared(source, Limits().verify_pixels, monkeypatch).score(distorted), abs=0.05
    )


@pytest.mark.parametrize(
    ("mode", "size", "max_pixels"),
    [
        ("RGB", (1100, 960), 10**9),  # every pixel, over the size a reference is prepared at
        ("RGBA", (760, 700), 10**9),  # two backgrounds
        ("RGB", (1600, 1100), 5 * TILE * TILE),  # sampled: five tiles
    ],
)
def test_a_verifier_keeping_its_terms_scores_as_one_that_makes_them_each_time(mode, size, max_pixels):
    source = photo(*size, seed=7, mode=mode)
    streamed, keeping = Reference(source, max_pixels), Reference(source, max_pixels, keep_terms=True)
    assert not streamed.keeps_terms and not keeping.keeps_terms
    for quality in (30, 80):
        distorted = decoded(encode(source, "WEBP", quality=quality)).convert(mode)
        assert keeping.score(distorted) == pytest.approx(streamed.score(distorted), abs=1e-9)
        assert keeping.keeps_terms and not streamed.keeps_terms  # kept from the first comparison on


def test_scores_are_those_of_the_implementation_that_prepared_every_reference(corpus):
    # Measured when every reference kept its terms, before verifiers made them band by band (a change
    # to the metric's arithmetic moves these on purpose: measure them again then)
    source = decoded((corpus / "p02_path_exif.jpg").read_bytes())
    distorted = decoded(encode(source, "JPEG", quality=40))
    assert Reference(source, Limits().verify_pixels).score(distorted) == pytest.approx(51.3880, abs=0.05)
    assert Reference(source, Limits().metric_pixels).score(distorted) == pytest.approx(53.1729, abs=0.05)


def _framed(width: int, height: int, box: tuple[int, int, int, int]) -> Image.Image:
    """Smooth inside ``box``, fine texture outside it: the tiles the metric samples inside the box
    show none of what compression does to the frame."""
    rng = np.random.default_rng(11)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    texture = 128 + 60 * np.sin(x * 1.3) * np.cos(y * 1.7) + rng.normal(0, 25, (height, width))
    rgb = np.repeat(texture[..., None], 3, axis=2)
    left, top, right, bottom = box
    smooth = np.asarray(photo(right - left, bottom - top, seed=4), dtype=np.float32)
    rgb[top:bottom, left:right] = smooth
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def test_a_choice_made_on_the_verifiers_tiles_meets_the_floor_on_every_pixel():
    # Above its bound the verifier scores a sample of tiles, here every candidate tile of the grid,
    # which leaves the image's edges out; a 6 MP photo's WebP read 71.4 on such tiles and 69.3 on
    # every pixel. The choice is scored on every pixel before it is kept.
    width, height = 1400, 1100
    limits = Limits(metric_pixels=TILE * TILE * 2, verify_pixels=TILE * TILE * 4)
    tiled = sample_boxes(Image.new("L", (width, height)), limits.verify_pixels)
    covered = (min(b[0] for b in tiled), min(b[1] for b in tiled), max(b[2] for b in tiled), max(b[3] for b in tiled))
    assert len(tiled) == 4 and (covered[2] - covered[0]) * (covered[3] - covered[1]) < 0.7 * width * height
    source = _framed(width, height, covered)
    variant = optimize(encode(source, "PNG"), Spec(targets=(Target(Mode.LOSSY, Format.WEBP),)), limits).variants[0]
    whole = Reference(source, max_pixels=10**9).score(decoded(variant.data))
    assert whole >= 70 and variant.score == pytest.approx(whole, abs=0.01)
