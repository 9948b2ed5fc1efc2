"""Lossy PNG is a palette PNG: Pillow's k-means-refined palettes for graphics, libimagequant's for photos
and images with alpha."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from optimizer.engine import Format, Mode, Spec, Target, optimize
from optimizer.engine.codecs import Picture, png
from optimizer.engine.metadata import Meta
from optimizer.engine.metric import Reference

from .conftest import decoded, encode, photo


def screenshot() -> Image.Image:
    """Flat panels, anti-aliased text and a gradient bar: what graphics look like."""
    im = Image.new("RGB", (240, 160), (236, 236, 240))
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, 0, 239, 24), fill=(46, 52, 64))
    for row in range(6):
        draw.text((12, 34 + row * 18), f"Item {row}: settings and values", fill=(30, 30, 30))
    for x in range(240):
        draw.line((x, 140, x, 159), fill=(x, 120, 255 - x))
    return im


GRAPHIC = screenshot()


def logo() -> Image.Image:
    """The graphic with transparent margins and a soft alpha edge: what logos and icons look like."""
    im = GRAPHIC.convert("RGBA")
    alpha = np.full((im.height, im.width), 255, np.uint8)
    alpha[:, :20] = 0
    alpha[:, 20:40] = np.linspace(0, 255, 20, dtype=np.uint8)
    im.putalpha(Image.fromarray(alpha, "L"))
    return im


def _check_palette_variant(source: Image.Image, setting_word: str) -> None:
    spec = Spec(targets=(Target(Mode.LOSSY, Format.PNG), Target(Mode.LOSSLESS, Format.PNG)))
    lossy, lossless = optimize(encode(source, "PNG"), spec).variants
    assert setting_word in lossy.setting
    assert decoded(lossy.data).mode == "P"
    assert lossy.score >= 70
    assert Reference(source, max_pixels=10**9).score(decoded(lossy.data)) >= 69.5  # re-scored independently
    assert lossy.size < lossless.size


def test_opaque_graphics_get_pillow_k_means_palettes():
    _check_palette_variant(GRAPHIC, "colours")


def test_alpha_gets_libimagequant_palettes():
    assert png.imagequant is not None, "imagequant is a requirement"
    _check_palette_variant(logo(), "libimagequant")


def test_photo_like_images_get_libimagequant_palettes(corpus):
    # Too many colours for k-means: Pillow's plain palettes lose to libimagequant's dithered ones
    # (on this photo median cut reached the floor at 117 230 bytes, libimagequant at 93 612).
    source = Image.open(corpus / "p12_coffee.png")
    source.load()
    assert source.getcolors(png.KMEANS_MAX_COLOURS) is None
    assert [ladder[0].label for ladder in png.palette_ladders(Picture((source,), Meta()), Mode.LOSSY)] == [
        "libimagequant q"
    ]
    _check_palette_variant(source, "libimagequant")


def test_without_libimagequant_alpha_gets_pillow_octree(monkeypatch):
    monkeypatch.setattr(png, "imagequant", None)
    ladders = png.palette_ladders(Picture((photo(mode="RGBA"),), Meta()), Mode.LOSSY)
    assert len(ladders) == 1 and ladders[0][0].label == "colours"
    assert png.quantize(photo(mode="RGBA"), ladders[0][3]).mode == "P"
    assert "imagequant not installed" in png.palette_builder()


def test_opaque_images_search_two_palette_builders_and_libimagequant_when_glossy():
    picture = Picture((GRAPHIC,), Meta())
    assert {ladder[0].encoder for ladder in png.palette_ladders(picture, Mode.LOSSY)} == {"median cut", "max coverage"}
    glossy = png.palette_ladders(picture, Mode.GLOSSY)
    assert [ladder[0].label for ladder in glossy] == ["colours", "colours", "libimagequant q"]


@pytest.mark.parametrize("builder", ["median cut", "max coverage"])
def test_pillow_palettes_are_refined_by_k_means(builder):
    source = photo(160, 120)
    setting = next(s for ladder in png._PILLOW_LADDERS for s in ladder if s.encoder == builder and s.quality == 16)
    plain = source.quantize(16, method=png._PILLOW_METHODS[builder])

    def error(im: Image.Image) -> float:
        return float(np.mean((np.asarray(im.convert("RGB"), np.float32) - np.asarray(source, np.float32)) ** 2))

    assert error(png.quantize(source, setting)) < error(plain)


def test_a_palette_that_misses_the_floor_is_never_compressed(corpus, monkeypatch):
    # Tiles of this smooth wallpaper pass the floor, the whole image does not: verification scores
    # the palette image itself, so no PNG is compressed (a second of oxipng each) just to be dropped.
    calls = []
    for name in ("encode", "encode_preview"):
        method = getattr(png.PngCodec, name)
        monkeypatch.setattr(png.PngCodec, name, lambda self, *args, method=method: calls.append(args[1])
                            or method(self, *args))
    data = (corpus / "p13_sway_wallpaper_1920.png").read_bytes()
    variant = optimize(data, Spec(targets=(Target(Mode.LOSSY, Format.PNG),))).variants[0]
    assert "no lossy setting reaches 70" in variant.note
    assert calls == []


def test_a_kept_palette_is_quantised_once(monkeypatch):
    # The palette image that was scored is the one compressed: the kept setting is not quantised a
    # second time (on a 2.5 MP graphic a quantisation takes most of a second).
    calls = []
    quantize = png.quantize
    monkeypatch.setattr(png, "quantize", lambda im, setting: calls.append(setting) or quantize(im, setting))
    variant = optimize(encode(GRAPHIC, "PNG"), Spec(targets=(Target(Mode.LOSSY, Format.PNG),))).variants[0]
    assert variant.smaller and "colours=" in variant.setting
    assert calls and len(calls) == len(set(calls))


def test_the_lossless_encoding_is_made_once_per_job(monkeypatch):
    calls = []
    lossless = png.PngCodec.lossless
    monkeypatch.setattr(png.PngCodec, "lossless", lambda self, *args: calls.append(1) or lossless(self, *args))
    noisy = encode(photo(320, 240), "PNG")
    spec = Spec(targets=(Target(Mode.GLOSSY, Format.PNG), Target(Mode.LOSSLESS, Format.PNG)))
    glossy, exact = optimize(noisy, spec).variants
    assert "lossless" in glossy.note  # no palette reaches 85: the fallback is the lossless PNG
    assert glossy.data == exact.data
    assert len(calls) == 1


def test_palette_offsets_do_not_steer_other_formats(corpus):
    # Tiles of this smooth wallpaper read a palette 30 points above the whole image, WebP about 1:
    # the WebP search must not inherit the palette's margin (it then overshot by a quality step).
    data = (corpus / "p13_sway_wallpaper_1920.png").read_bytes()
    alone = optimize(data, Spec(targets=(Target(Mode.LOSSY, Format.WEBP),))).variants[0]
    after = optimize(data, Spec(targets=(Target(Mode.LOSSY, Format.PNG), Target(Mode.LOSSY, Format.WEBP)))).variants[1]
    assert after.setting == alone.setting


def test_k_means_is_skipped_on_images_with_photo_like_colour_counts():
    # Pillow's k-means costs seconds over a photo's ~100 000 colours, where a palette rarely passes.
    noise = Image.fromarray(np.random.default_rng(7).integers(0, 256, (256, 256, 3), dtype=np.uint8), "RGB")
    assert noise.getcolors(png.KMEANS_MAX_COLOURS) is None
    setting = png._PILLOW_LADDERS[0][3]
    plain = noise.quantize(setting.quality, method=png._PILLOW_METHODS[setting.encoder])
    assert png.quantize(noise, setting).tobytes() == plain.tobytes()
