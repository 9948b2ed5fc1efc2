"""Spec.background fills transparency with a colour before any format is encoded: every output is
opaque, the transparent pixels take the colour and the opaque ones keep theirs. Without it, alpha
stays where the format holds it."""

import pytest
from PIL import Image

from optimizer.engine import Format, Mode, Spec, Target, optimize

from .conftest import decoded, encode

ORANGE = (255, 136, 0)


def _with_hole() -> bytes:
    image = Image.new("RGBA", (96, 64), (30, 60, 200, 255))
    image.paste((0, 0, 0, 0), (0, 0, 32, 32))
    return encode(image, "PNG")


def _near(pixel: tuple, colour: tuple) -> bool:
    return all(abs(got - want) <= 12 for got, want in zip(pixel[:3], colour, strict=True))


@pytest.mark.parametrize(
    "target",
    [
        Target(Mode.LOSSY),
        Target(Mode.LOSSLESS),  # not the source file's own bytes: its pixels changed
        Target(Mode.LOSSY, Format.JPEG),
        Target(Mode.LOSSY, Format.WEBP),
        Target(Mode.LOSSLESS, Format.WEBP),
    ],
)
def test_transparency_takes_the_background_colour(target):
    variant = optimize(_with_hole(), Spec(targets=(target,), background=ORANGE)).variants[0]

    out = decoded(variant.data).convert("RGBA")
    assert _near(out.getpixel((4, 4)), ORANGE) and out.getpixel((4, 4))[3] == 255
    assert _near(out.getpixel((80, 50)), (30, 60, 200))
    assert out.getchannel("A").getextrema() == (255, 255)


def test_without_a_background_alpha_stays():
    variant = optimize(_with_hole(), Spec(targets=(Target(Mode.LOSSLESS),))).variants[0]

    assert decoded(variant.data).convert("RGBA").getpixel((4, 4))[3] == 0


def test_an_opaque_source_is_untouched_by_a_background():
    image = Image.new("RGB", (96, 64), (30, 60, 200))
    data = encode(image, "PNG")

    plain = optimize(data, Spec(targets=(Target(Mode.LOSSLESS),))).variants[0]
    filled = optimize(data, Spec(targets=(Target(Mode.LOSSLESS),), background=ORANGE)).variants[0]

    assert filled.data == plain.data
