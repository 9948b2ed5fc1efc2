"""The engine's score of its own lossy variants agrees with the PyPI ``ssimulacra2`` package within a
point, for every kind of variant it makes: palette output, alpha, greyscale, 16-bit, CMYK, the first
frame of an animation, and thumbnails under 256 pixels. Where the package misreads its input (it drops
alpha; Pillow clips 16-bit grey), ``bench.package_score`` gives it the input as the reference reads it;
the first test shows the alpha case."""

from __future__ import annotations

import numpy as np
import pytest
import pyvips
from PIL import Image, ImageFilter
from ssimulacra2 import compute_ssimulacra2, compute_ssimulacra2_with_alpha

from optimizer.engine import Format, Mode, Spec, Target, bench, optimize
from optimizer.engine.decode import decode

from .conftest import decoded, encode, photo


def test_the_package_drops_alpha_so_it_cannot_see_transparency_change(tmp_path):
    # The reference blends an original with alpha on two greys and keeps the worse score
    # (libjxl tools/ssimulacra2_main.cc); the package converts to RGB first and never sees alpha.
    source = photo(160, 120, mode="RGBA")
    holes = np.asarray(source).copy()
    holes[40:80, 60:100, 3] = 255 - holes[40:80, 60:100, 3]  # change only the alpha
    source.save(tmp_path / "a.png")
    Image.fromarray(holes, "RGBA").save(tmp_path / "b.png")
    assert compute_ssimulacra2_with_alpha(str(tmp_path / "a.png"), str(tmp_path / "b.png")) == 100.0
    source_decoded = decode((tmp_path / "a.png").read_bytes())
    assert bench.package_score(source_decoded, (tmp_path / "b.png").read_bytes()) < 90


def test_the_package_reads_sixteen_bit_grey_as_white(tmp_path):
    # It opens files with Pillow and converts them to RGB, which clips 16-bit grey at 255: every
    # encode of such an image scores alike. The reference decodes the PNG at full depth.
    (tmp_path / "grey16.png").write_bytes(_sixteen_bit("grey"))
    with Image.open(tmp_path / "grey16.png") as im:
        assert im.mode == "I;16"
        assert im.convert("RGB").getextrema() == ((255, 255),) * 3


def _sixteen_bit(mode: str) -> bytes:
    rgb = pyvips.Image.new_from_buffer(encode(photo(300, 260, seed=5), "PNG"), "")
    return rgb.colourspace("grey16" if mode == "grey" else "rgb16").pngsave_buffer()


def _animation() -> bytes:
    frames = [photo(280, 260, seed=seed) for seed in (1, 2, 3)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)


def _graphic() -> bytes:
    """A smooth 200-colour graphic: its lossy PNG is a palette that is not exact."""
    height, width = 260, 300
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    rgb = np.stack([128 + 100 * np.sin(x / 37) * np.cos(y / 23), 128 + 90 * np.cos((x + y) / 51), 255 * x / width], 2)
    return encode(Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).quantize(200).convert("RGB"), "PNG")


def _palette_alpha() -> bytes:
    return encode(photo(300, 260, seed=6, mode="RGBA").quantize(64), "PNG")


def _translucent_gradient() -> bytes:
    """A smooth grey gradient, semi-transparent throughout: blending it in float or in 8-bit values
    (as the package, which reads files, sees it) read 2-3 points apart on a corpus wallpaper."""
    y, x = np.mgrid[0:260, 0:300].astype(np.float32)
    grey = 40 + 160 * (x / 300) ** 1.5 + 10 * np.sin(y / 40)
    alpha = 140 + 20 * (y / 260)
    pixels = np.stack([grey, alpha], 2).round().astype(np.uint8)
    return encode(Image.fromarray(pixels, "LA"), "PNG")


SOURCES = {
    "translucent grey": (_translucent_gradient, Format.WEBP),
    "palette": (_graphic, Format.PNG),
    "alpha": (lambda: encode(photo(300, 260, seed=2, mode="RGBA"), "PNG"), Format.WEBP),
    "alpha palette": (_palette_alpha, Format.PNG),
    "grey": (lambda: encode(photo(300, 260, seed=3).convert("L"), "PNG"), Format.PNG),
    "grey jpeg": (lambda: encode(photo(300, 260, seed=3).convert("L"), "JPEG", quality=92), Format.JPEG),
    "16-bit": (lambda: _sixteen_bit("rgb"), Format.AVIF),
    "16-bit grey": (lambda: _sixteen_bit("grey"), Format.WEBP),
    "cmyk": (lambda: encode(photo(300, 260, seed=4).convert("CMYK"), "JPEG", quality=92), Format.JPEG),
    "animated": (_animation, Format.GIF),
    # a noisy photo this small reaches no lossy WebP setting by the reference's weighting: see metric.py
    "thumbnail": (lambda: encode(photo(150, 120, seed=7).filter(ImageFilter.GaussianBlur(1.5)), "PNG"), Format.WEBP),
}


@pytest.mark.parametrize("kind", sorted(SOURCES))
def test_engine_and_package_agree_on_a_real_lossy_variant(kind):
    make, fmt = SOURCES[kind]
    data = make()
    source = decode(data)
    variant = optimize(data, Spec(targets=(Target(Mode.LOSSY, fmt),))).variants[0]
    assert variant.data is not None and not variant.note.startswith("no lossy"), variant.note
    package = bench.package_score(source, variant.data)
    assert abs(variant.score - package) < 1.0, (variant.setting, variant.score, package)
    assert abs(bench.rescore(source, variant.data, {}) - package) < 1.0
    if kind.startswith("palette") or kind == "alpha palette":
        assert decoded(variant.data).mode == "P"


@pytest.mark.parametrize("size", [(300, 230), (230, 300)])
def test_the_package_scored_in_bands_is_the_package(tmp_path, size):
    # Above a few megapixels the bench gives the package's functions the image band by band, as its
    # float64 planes of a 20 MP photo would need about 12 GB: the score must be the package's own.
    source = photo(*size, seed=7)
    source.save(tmp_path / "original.png")
    (tmp_path / "variant.webp").write_bytes(encode(source, "WEBP", quality=40))
    whole = compute_ssimulacra2(str(tmp_path / "original.png"), str(tmp_path / "variant.webp"))
    rows = 37  # bands of 37 rows at full size, of twice as many at each coarser scale
    banded = bench.package_score_in_bands(tmp_path / "original.png", tmp_path / "variant.webp", size[0] * rows)
    assert whole < 90
    assert banded == pytest.approx(whole, abs=1e-9)
