import pytest

from optimizer.engine import Format, Mode, Resize, ResizeMode, Spec, Target, optimize
from optimizer.engine.errors import InvalidSpec

from .conftest import decoded, encode, photo

DATA = encode(photo(400, 300), "PNG")


def resized(resize: Resize, data: bytes = DATA) -> tuple[int, int]:
    variant = optimize(data, Spec(targets=(Target(Mode.LOSSY, Format.JPEG),), resize=resize, quality=80)).variants[0]
    assert decoded(variant.data).size == (variant.width, variant.height)
    return variant.width, variant.height


def test_cover_makes_the_smaller_side_match():
    w, h = resized(Resize(ResizeMode.COVER, 100, 100))
    assert min(w, h) == 100 and (w, h) == (133, 100)


def test_contain_makes_the_larger_side_match():
    w, h = resized(Resize(ResizeMode.CONTAIN, 200, 200))
    assert max(w, h) == 200 and (w, h) == (200, 150)


def test_smart_crop_fills_the_box_exactly():
    assert resized(Resize(ResizeMode.SMART_CROP, 120, 120)) == (120, 120)


def test_fit_keeps_aspect_and_never_enlarges():
    assert resized(Resize(ResizeMode.FIT, width=200)) == (200, 150)
    assert resized(Resize(ResizeMode.FIT, height=100)) == (133, 100)
    assert resized(Resize(ResizeMode.FIT, width=1000, height=1000)) == (400, 300)


def test_fit_without_a_size_is_invalid():
    with pytest.raises(InvalidSpec):
        resized(Resize(ResizeMode.FIT))
