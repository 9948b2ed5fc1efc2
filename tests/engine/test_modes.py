"""Lossy and glossy variants meet their floor, re-scored independently; never-larger is honest."""

import pytest
from PIL import Image

from optimizer.engine import Format, Mode, Spec, Target, optimize
from optimizer.engine.metric import Reference

from .conftest import decoded, encode, photo

SOURCE = photo(320, 240)
SOURCE_BYTES = encode(SOURCE, "PNG")


@pytest.mark.parametrize("fmt", [Format.JPEG, Format.WEBP, Format.AVIF, Format.PNG])
@pytest.mark.parametrize("mode", [Mode.LOSSY, Mode.GLOSSY])
def test_variant_meets_its_floor(fmt, mode):
    spec = Spec(targets=(Target(mode, fmt),))
    variant = optimize(SOURCE_BYTES, spec).variants[0]
    floor = spec.glossy_floor if mode is Mode.GLOSSY else spec.lossy_floor
    assert variant.data is not None, variant.note
    assert variant.score is not None and variant.score >= floor
    rescored = Reference(SOURCE, max_pixels=10**9).score(decoded(variant.data))
    assert rescored >= floor - 0.5  # independent full-image score, float rounding aside
    assert (variant.width, variant.height) == SOURCE.size
    assert variant.setting


def test_searched_setting_depends_on_the_image():
    smooth = encode(photo(320, 240).resize((40, 30)).resize((320, 240)), "PNG")
    spec = Spec(targets=(Target(Mode.LOSSY, Format.JPEG),))
    settings = {optimize(data, spec).variants[0].setting for data in (smooth, SOURCE_BYTES)}
    assert len(settings) == 2


def test_lossy_is_smaller_than_glossy():
    spec = Spec(targets=(Target(Mode.LOSSY, Format.WEBP), Target(Mode.GLOSSY, Format.WEBP)))
    lossy, glossy = optimize(SOURCE_BYTES, spec).variants
    assert lossy.size < glossy.size


def test_explicit_quality_is_used_as_given():
    variant = optimize(SOURCE_BYTES, Spec(targets=(Target(Mode.LOSSY, Format.JPEG),), quality=40)).variants[0]
    assert "q=40 " in variant.setting


def test_never_larger_is_reported():
    # A tiny flat GIF: any AVIF container is bigger than the whole source.
    source = encode(Image.new("P", (8, 8), 3), "GIF")
    result = optimize(source, Spec(targets=(Target(Mode.LOSSY, Format.AVIF), Target(Mode.LOSSLESS))))
    for variant in result.variants:
        assert variant.smaller == (variant.data is not None and len(variant.data) < len(source))
    avif = result.variants[0]
    assert not avif.smaller and "not smaller" in avif.note


def test_lossless_avif_is_not_faked():
    variant = optimize(SOURCE_BYTES, Spec(targets=(Target(Mode.LOSSLESS, Format.AVIF),))).variants[0]
    assert variant.data is None and not variant.smaller and "AVIF" in variant.note


def test_format_limits_give_a_note_not_a_crash():
    wide = encode(Image.new("RGB", (16400, 8), (10, 20, 30)), "PNG")
    webp, png = optimize(wide, Spec(targets=(Target(Mode.LOSSY, Format.WEBP), Target(Mode.LOSSLESS)))).variants
    assert webp.data is None and "webp" in webp.note
    assert png.data is not None


@pytest.mark.parametrize("fmt", [Format.JPEG, Format.WEBP])
def test_chosen_quality_is_the_lowest_that_meets_the_floor(fmt):
    # A small image is probed on every pixel, so the search is exact: one quality step lower misses.
    chosen = optimize(SOURCE_BYTES, Spec(targets=(Target(Mode.LOSSY, fmt),))).variants[0]
    quality = int(chosen.setting.split("q=")[1].split()[0])
    lower = optimize(SOURCE_BYTES, Spec(targets=(Target(Mode.LOSSY, fmt),), quality=quality - 1)).variants[0]
    assert lower.score < 70 <= chosen.score
