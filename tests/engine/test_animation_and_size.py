"""Animations stay animated; target sizes fit or fail clearly; the source is sniffed from its bytes."""

import io

import numpy as np
import pytest
from PIL import Image, ImageSequence

from optimizer.engine import Format, Mode, Spec, Target, optimize
from optimizer.engine.errors import TargetUnreachable

from .conftest import decoded, encode, photo

FRAMES = [photo(96, 64, seed=i).quantize(64).convert("RGB") for i in range(4)]


@pytest.mark.parametrize("source_format", ["GIF", "WEBP"])
@pytest.mark.parametrize("target", [Target(Mode.LOSSY), Target(Mode.LOSSLESS), Target(Mode.LOSSY, Format.WEBP)])
def test_animation_stays_animated(source_format, target):
    data = encode(FRAMES[0], source_format, save_all=True, append_images=FRAMES[1:], duration=100, loop=0)
    result = optimize(data, Spec(targets=(target,)))
    assert result.frames == 4
    variant = result.variants[0]
    assert variant.data is not None, variant.note
    im = decoded(variant.data)
    assert getattr(im, "n_frames", 1) == 4


def test_format_is_sniffed_from_bytes_not_names():
    data = encode(photo(), "WEBP", quality=90)
    assert optimize(data, Spec(targets=(Target(Mode.LOSSLESS),))).source_format is Format.WEBP


def test_bmp_photo_converts_to_jpeg_and_bmp_graphic_to_png():
    photo_bmp = encode(photo(), "BMP")
    graphic = Image.new("RGB", (120, 80), (250, 250, 250))
    graphic.paste((20, 40, 200), (10, 10, 60, 40))
    for data, fmt in ((photo_bmp, Format.JPEG), (encode(graphic, "BMP"), Format.PNG)):
        assert optimize(data, Spec(targets=(Target(Mode.LOSSY),))).variants[0].format is fmt


def test_target_size_fits_the_budget():
    data = encode(photo(), "PNG")
    variant = optimize(data, Spec(targets=(Target(Mode.LOSSY, Format.JPEG),), target_size=8000)).variants[0]
    assert len(variant.data) <= 8000
    bigger = optimize(data, Spec(targets=(Target(Mode.LOSSY, Format.JPEG),), target_size=16000)).variants[0]
    assert len(variant.data) <= len(bigger.data) <= 16000


def test_unreachable_target_size_is_an_error():
    with pytest.raises(TargetUnreachable) as err:
        optimize(encode(photo(), "PNG"), Spec(targets=(Target(Mode.LOSSY, Format.JPEG),), target_size=300))
    assert err.value.code == "target_unreachable"


def test_animated_png_is_optimized_with_every_frame_identical():
    data = encode(FRAMES[0], "GIF", save_all=True, append_images=FRAMES[1:], duration=100, loop=0)
    variant = optimize(data, Spec(targets=(Target(Mode.LOSSLESS, Format.PNG),))).variants[0]
    plain = encode(FRAMES[0], "PNG", save_all=True, append_images=FRAMES[1:], duration=100, loop=0)
    assert len(variant.data) < len(plain)  # oxipng ran on the APNG
    source, output = Image.open(io.BytesIO(data)), decoded(variant.data)
    pairs = zip(ImageSequence.Iterator(source), ImageSequence.Iterator(output), strict=True)
    assert all(np.array_equal(np.asarray(a.convert("RGB")), np.asarray(b.convert("RGB"))) for a, b in pairs)
