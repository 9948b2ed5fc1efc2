"""AVIF leaves libaom's palette tool out on photo-like images in many colours, and keeps it where it may pay.

libaom turns its screen-content tools on by what its blocks look like: a photo with a smooth sky
whose blocks hold two or three colours sets them off, and the palette search then costs CPU and
bytes. The images here are real encoded PNGs; the sky is a gradient of 1-level steps with a 0/1 grain.
"""

from __future__ import annotations

import io
import re

import numpy as np
from PIL import Image

from optimizer.engine import optimize
from optimizer.engine.codecs import CODECS, Picture, Setting
from optimizer.engine.decode import decode
from optimizer.engine.metadata import Meta
from optimizer.engine.pipeline import screen_tools_may_pay
from optimizer.engine.spec import Format, Mode, Spec, Target

from .conftest import encode, photo


def photo_under_sky(width: int = 320, height: int = 240) -> bytes:
    """A photo-like PNG whose top half is a sky of two colours per block: libaom reads it as screen content."""
    rng = np.random.default_rng(0)
    pixels = np.asarray(photo(width, height, seed=2)).astype(np.int16)
    rows = height // 2
    y, x = np.mgrid[0:rows, 0:width]
    sky = np.stack([100 + x // 40, 150 + y // 30, 220 + 0 * x], axis=2) + rng.integers(0, 2, (rows, width, 1))
    pixels[:rows] = sky
    return encode(Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)), "PNG")


def dither(colours: int = 3) -> bytes:
    """Each pixel one of a few colours at random: photo-like by its runs, but a palette image."""
    palette = np.array([[30, 60, 90], [200, 180, 40], [90, 200, 120], [240, 240, 240]], np.uint8)
    index = np.random.default_rng(0).integers(0, colours, (96, 128))
    return encode(Image.fromarray(palette[index]), "PNG")


def graphic() -> bytes:
    im = Image.new("RGB", (160, 120), (250, 250, 250))
    im.paste((20, 90, 200), (20, 20, 140, 60))
    return encode(im, "PNG")


def test_screen_tools_are_left_out_only_for_photos_in_many_colours():
    assert not screen_tools_may_pay(decode(photo_under_sky()))
    assert screen_tools_may_pay(decode(dither()))  # its few colours are what AV1's palette codes best
    assert screen_tools_may_pay(decode(graphic()))


def test_the_avif_encoder_obeys_the_picture():
    source = decode(photo_under_sky())
    setting = Setting(82, "4:4:4", speed=6)
    avif = CODECS[Format.AVIF]
    without = avif.encode(Picture((source.image,), Meta(), screen_tools=False), setting)
    with_tools = avif.encode(Picture((source.image,), Meta(), screen_tools=True), setting)
    # On this photo the palette search finds nothing worth its bytes: the file is smaller without it.
    assert len(without) < len(with_tools)
    # The dither keeps the palette tool, which codes it in far fewer bytes.
    few = decode(dither()).image
    assert len(avif.encode(Picture((few,), Meta(), screen_tools=True), setting)) < 0.7 * len(
        avif.encode(Picture((few,), Meta(), screen_tools=False), setting)
    )


def test_probe_tiles_carry_the_choice():
    picture = Picture((decode(photo_under_sky()).image,), Meta(), screen_tools=False)
    assert picture.tile((0, 0, 64, 64)).screen_tools is False


def test_the_engine_encodes_a_photo_without_the_palette_tool():
    data = photo_under_sky()
    variant = optimize(data, Spec(targets=(Target(Mode.GLOSSY, Format.AVIF),))).variants[0]
    quality, chroma, speed = re.fullmatch(r"q=(\d+) (4:\d:\d) speed (\d+)", variant.setting).groups()
    image = decode(data).image

    def pillow(**options: object) -> bytes:
        buf = io.BytesIO()
        image.save(buf, "AVIF", quality=int(quality), subsampling=chroma, speed=int(speed), **options)
        return buf.getvalue()

    assert variant.data == pillow(advanced=(("enable-palette", "0"),))
    assert variant.data != pillow()
