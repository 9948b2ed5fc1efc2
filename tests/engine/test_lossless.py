"""Lossless variants decode to exactly the source's pixels, alpha included."""

import io

import numpy as np
import pytest
import pyvips
from PIL import Image

from optimizer.engine import Format, Mode, Spec, Target, optimize
from optimizer.engine.metric import Reference

from .conftest import decoded, encode, photo


def pixels(im: Image.Image) -> np.ndarray:
    return np.asarray(im)


@pytest.mark.parametrize("fmt", [Format.PNG, Format.WEBP])
def test_rgba_lossless_is_identical_including_colour_under_transparency(fmt):
    source = photo(200, 120, mode="RGBA")
    variant = optimize(encode(source, "PNG"), Spec(targets=(Target(Mode.LOSSLESS, fmt),))).variants[0]
    out = decoded(variant.data).convert("RGBA")
    assert np.array_equal(pixels(out), pixels(source))


def test_jpeg_lossless_transcode_keeps_pixels():
    data = encode(photo(), "JPEG", quality=90)
    variant = optimize(data, Spec(targets=(Target(Mode.LOSSLESS),))).variants[0]
    assert variant.format is Format.JPEG and variant.smaller
    assert np.array_equal(pixels(decoded(variant.data)), pixels(decoded(data)))


def test_palette_png_lossless():
    source = photo().quantize(64)
    data = encode(source, "PNG")
    variant = optimize(data, Spec(targets=(Target(Mode.LOSSLESS),))).variants[0]
    assert np.array_equal(pixels(decoded(variant.data).convert("RGB")), pixels(source.convert("RGB")))


def test_jpeg_from_png_lossless_is_refused():
    variant = optimize(encode(photo(), "PNG"), Spec(targets=(Target(Mode.LOSSLESS, Format.JPEG),))).variants[0]
    assert variant.data is None and variant.note


def test_sixteen_bit_png_stays_sixteen_bit_or_is_refused(corpus):
    data = (corpus / "p23_imagemagick_16bit.png").read_bytes()
    png, webp = optimize(data, Spec(targets=(Target(Mode.LOSSLESS), Target(Mode.LOSSLESS, Format.WEBP)))).variants
    assert png.data[24] == 16  # IHDR bit depth: oxipng worked on the file, not on Pillow's 8-bit pixels
    with Image.open(io.BytesIO(png.data)) as a, Image.open(io.BytesIO(data)) as b:
        assert a.tobytes() == b.tobytes()
    assert webp.data is None and "16-bit" in webp.note


def test_sixteen_bit_png_gets_a_lossy_and_glossy_webp_where_no_lossy_setting_reaches_the_floor():
    # Pure red and blue pixels in a checkerboard: WebP's 4:2:0 chroma (sharp YUV too) misses both floors.
    # WebP holds 8 bits, so no lossless target, but the 8-bit pixels the floors are measured on can be
    # kept exactly; answering no file left a client that asked for WebP without one.
    y, x = np.mgrid[0:96, 0:128]
    rgb = np.where(((x + y) % 2 == 0)[..., None], np.uint8([255, 0, 0]), np.uint8([0, 0, 255])).astype(np.uint8)
    data = pyvips.Image.new_from_buffer(encode(Image.fromarray(rgb), "PNG"), "").colourspace("rgb16").pngsave_buffer()
    assert data[24] == 16
    targets = (Target(Mode.GLOSSY, Format.WEBP), Target(Mode.LOSSY, Format.WEBP), Target(Mode.LOSSLESS, Format.WEBP))
    glossy, lossy, lossless = optimize(data, Spec(targets=targets)).variants
    assert lossless.data is None and "16-bit" in lossless.note
    for variant, floor in ((glossy, 85.0), (lossy, 70.0)):
        assert variant.data is not None and variant.data[8:12] == b"WEBP", variant.note
        assert variant.score >= floor
        assert Reference(Image.fromarray(rgb)).score(decoded(variant.data)) >= floor


def test_sixteen_bit_grayscale_png_lossless_keeps_depth():
    values = (np.arange(64 * 48, dtype=np.uint16).reshape(48, 64) * 20).tobytes()
    data = encode(Image.frombytes("I;16", (64, 48), values), "PNG")
    variant = optimize(data, Spec(targets=(Target(Mode.LOSSLESS),))).variants[0]
    assert variant.data[24] == 16
    assert decoded(variant.data).tobytes() == decoded(data).tobytes()
