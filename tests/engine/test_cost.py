"""The cost model reads a source's shape and texture from its header alone, costs more pixels and more
variants higher (at a rate of its own above the size verified on every pixel), costs a resized image
at its output's size, scales a group of kinds by its fitted factor, costs only what the memory budget
lets the engine make, and its benchmark prints estimate beside measurement per class, records what
it measured and fits the scales."""

import io

from PIL import Image

from optimizer.engine import Format, Limits, Mode, Resize, ResizeMode, Spec, Target, cost, cost_bench, memory

from .conftest import encode, photo

LOSSY = (Target(Mode.LOSSY),)


def test_the_header_tells_the_shape_upright_and_with_its_frames():
    data = encode(photo(640, 480), "JPEG", quality=90)
    assert cost.shape(data) == cost.Shape(Format.JPEG, 640, 480, 1)
    assert cost.shape(data[:20]) is None
    assert cost.shape(encode(photo(64, 48), "PNG")).format is Format.PNG
    assert cost.shape(encode(photo(64, 48), "WEBP")).format is Format.WEBP
    assert cost.shape(encode(photo(64, 48), "AVIF")).format is Format.AVIF
    exif = Image.Exif()
    exif[0x0112] = 6  # stored on its side: the engine turns it upright before anything else
    assert cost.shape(encode(photo(640, 480), "JPEG", exif=exif)).width == 480
    frames = [photo(32, 24, seed=seed) for seed in range(3)]
    animated = io.BytesIO()
    frames[0].save(animated, format="GIF", save_all=True, append_images=frames[1:])
    assert cost.shape(animated.getvalue()) == cost.Shape(Format.GIF, 32, 24, 3, cost.Texture.PALETTE)


def test_the_header_tells_the_texture_and_an_opaque_graphic_is_told_by_its_colours(monkeypatch):
    textures = {
        mode: cost.shape(encode(photo(64, 48).convert(mode), "PNG")).texture for mode in ("RGB", "RGBA", "LA", "L", "P")
    }
    assert textures == {
        "RGB": cost.Texture.GRAPHIC,  # 3072 pixels: few enough colours for the k-means palettes
        "RGBA": cost.Texture.ALPHA,
        "LA": cost.Texture.ALPHA,
        "L": cost.Texture.GREY,
        "P": cost.Texture.PALETTE,
    }
    transparent = encode(photo(64, 48).convert("P"), "PNG", transparency=0)
    assert cost.shape(transparent).texture is cost.Texture.ALPHA
    many = photo(256, 192)  # about 48 600 colours
    assert cost.shape(encode(many, "PNG")).texture is cost.Texture.COLOUR
    # a JPEG is not decoded to count its colours, nor a picture over COUNTED_PIXELS
    assert cost.shape(encode(photo(64, 48), "JPEG")).texture is cost.Texture.COLOUR
    monkeypatch.setattr(cost, "COUNTED_PIXELS", 64 * 48 - 1)
    assert cost.shape(encode(photo(64, 48), "PNG")).texture is cost.Texture.COLOUR


def test_a_group_scales_its_kinds_cost_by_its_texture_then_by_every_texture():
    opaque, alpha = (
        cost.Shape(Format.PNG, 1000, 1000, 1, texture) for texture in (cost.Texture.COLOUR, cost.Texture.ALPHA)
    )
    unscaled = cost.cpu_seconds(opaque, LOSSY, scales={})
    scales = {
        (Format.PNG, Mode.LOSSY, Format.PNG, cost.Texture.ALPHA, False): 2.0,
        (Format.PNG, Mode.LOSSY, Format.PNG, None, False): 0.5,
    }
    assert cost.cpu_seconds(alpha, LOSSY, scales=scales) == 2.0 * unscaled
    assert cost.cpu_seconds(opaque, LOSSY, scales=scales) == 0.5 * unscaled
    # above the knee another group answers: none here, so the cost is as fitted
    large = cost.Shape(Format.PNG, 3000, 2000, 1, cost.Texture.ALPHA)
    assert cost.cpu_seconds(large, LOSSY, scales=scales) == cost.cpu_seconds(large, LOSSY, scales={})


def test_the_estimate_costs_only_what_the_memory_budget_lets_the_engine_make():
    data = encode(photo(1000, 800), "JPEG", quality=90)
    lossy, avif = Target(Mode.LOSSY), Target(Mode.LOSSY, Format.AVIF)
    # room for its JPEG, not for its AVIF (libavif takes more a sample than mozjpeg)
    tight = Limits(memory_budget=memory.estimates(data, Spec(targets=(lossy,)), Limits())[lossy])
    alone = cost.estimate(data, Spec(targets=(lossy,)), tight)
    assert cost.estimate(data, Spec(targets=(lossy, avif)), tight) == alone
    assert cost.estimate(data, Spec(targets=(lossy, avif)), Limits()) > alone
    # a conversion alone left out still decodes the source; an item refused from its header costs nothing
    assert 0 < cost.estimate(data, Spec(targets=(avif,)), tight) < alone / 10
    assert cost.estimate(data, Spec(targets=(lossy,)), Limits(memory_budget=10 << 20)) == 0
    assert cost.estimate(data[:20], Spec(targets=(lossy,)), Limits()) is None


def test_more_pixels_and_more_variants_cost_more():
    def jpeg(megapixels: float) -> cost.Shape:
        return cost.Shape(Format.JPEG, round(megapixels * 1000), 1000)

    small, knee, large = (cost.cpu_seconds(jpeg(mp), LOSSY) for mp in (1.0, cost.KNEE_MEGAPIXELS, 16.0))
    assert small < knee < large
    # past the knee a megapixel costs what the kind's part above says, fitted apart
    kind = cost.Cost(fixed=1.0, per_megapixel=2.0, per_megapixel_above=0.5)
    assert kind.seconds(cost.KNEE_MEGAPIXELS + 2) == 1.0 + 2.0 * cost.KNEE_MEGAPIXELS + 0.5 * 2
    both = (*LOSSY, Target(Mode.LOSSY, Format.AVIF))
    assert cost.cpu_seconds(jpeg(2.0), both) > cost.cpu_seconds(jpeg(2.0), LOSSY)
    # a conversion the fit did not make, and a source format without coefficients, are still costed
    assert cost.cpu_seconds(jpeg(2.0), (Target(Mode.LOSSY, Format.PNG),)) > 0
    # a WebP source is costed as a PNG made into its own format, WebP
    webp, png = (cost.Shape(fmt, 2000, 1000) for fmt in (Format.WEBP, Format.PNG))
    assert cost.cpu_seconds(webp, LOSSY) == cost.cpu_seconds(png, (Target(Mode.LOSSY, Format.WEBP),))
    # an animation's frames all count
    assert cost.cpu_seconds(cost.Shape(Format.GIF, 500, 400, 10), LOSSY) > 2 * cost.cpu_seconds(
        cost.Shape(Format.GIF, 500, 400, 1), LOSSY
    )


def test_a_resized_image_costs_its_resampling_and_its_variants_at_the_output_size():
    source = cost.Shape(Format.JPEG, 5000, 4000)  # 20 MP
    fitted = Resize(ResizeMode.FIT, 1280, 1280)  # to 1280x1024
    output = cost.Shape(Format.JPEG, 1280, 1024)
    resampling = cost.RESIZE_PER_MEGAPIXEL * 20.0
    expected = resampling + cost.cpu_seconds(output, LOSSY)
    assert abs(cost.cpu_seconds(source, LOSSY, fitted) - expected) < 1e-9
    assert cost.cpu_seconds(source, LOSSY, fitted) < cost.cpu_seconds(source, LOSSY) / 2
    # a fit that would enlarge does nothing, and costs nothing for it
    assert cost.cpu_seconds(output, LOSSY, Resize(ResizeMode.FIT, 4000, 4000)) == cost.cpu_seconds(output, LOSSY)
    # a smart crop makes the box only
    crop = Resize(ResizeMode.SMART_CROP, 300, 300)
    assert cost.cpu_seconds(source, LOSSY, crop) == resampling + cost.cpu_seconds(
        cost.Shape(Format.JPEG, 300, 300), LOSSY
    )


def test_the_fit_follows_what_it_is_given():
    kind = (Format.JPEG, Mode.LOSSY, Format.JPEG)
    truth = cost.Cost(0.2, 0.5, 0.1)
    points = [(mp, truth.seconds(mp)) for mp in (0.1, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)]
    fitted = cost_bench.fit_costs({kind: points})[kind]
    assert fitted == truth
    # a kind without images over the knee stays linear beyond it
    other = (Format.PNG, Mode.LOSSY, Format.PNG)
    small = [(mp, 0.1 + 2.0 * mp) for mp in (0.1, 0.5, 1.0, 2.0)]
    assert cost_bench.fit_costs({kind: points, other: small})[other] == cost.Cost(0.1, 2.0, 2.0)


def test_the_check_prints_each_estimate_beside_its_measurement_per_class_and_reuses_the_record(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    (images / "a_photo.jpg").write_bytes(encode(photo(96, 64), "JPEG", quality=92))
    (images / "b_large.png").write_bytes(encode(Image.new("RGB", (1800, 1200), (20, 90, 160)), "PNG"))
    record = tmp_path / "measured.jsonl"
    out = io.StringIO()
    cost_bench.check(images, None, cost_bench.Measurements(record), out=out)
    text = out.getvalue()
    assert "a_photo.jpg lossy-own" in text and "a_photo.jpg lossy-webp" in text
    assert "b_large.png lossy-own fit-1280x1280" in text  # over 2 MP: checked resized too
    assert "5 rows:" in text and "worst ratio" in text
    assert "  jpeg: 2 rows:" in text and "  png: 3 rows:" in text and "  <= 0.25 MP: 2 rows" in text
    assert len(record.read_text().splitlines()) == 5
    again = io.StringIO()
    cost_bench.check(images, None, cost_bench.Measurements(record), out=again)
    assert len(record.read_text().splitlines()) == 5  # nothing measured twice
    assert again.getvalue().split("5 rows:")[1] == text.split("5 rows:")[1]


def test_the_scale_fit_puts_most_of_a_group_within_2x(monkeypatch):
    sample = cost_bench.Sample("a.png", encode(photo(200, 100), "PNG"), cost.Shape(Format.PNG, 2000, 1000), "graphic")
    spec = Spec(targets=LOSSY)
    unscaled = cost.cpu_seconds(sample.shape, LOSSY, scales={})
    # three rows at a third of the cost and one far above: the factor serves the three
    measured = [(sample, "lossy-own", spec, unscaled * ratio) for ratio in (0.3, 0.33, 0.36, 5.0)]
    scales = cost_bench.fit_scales(measured, out=io.StringIO())
    factor = scales[(Format.PNG, Mode.LOSSY, Format.PNG, cost.Texture.COLOUR, False)]
    assert 0.18 <= factor <= 0.6 and scales[(Format.PNG, Mode.LOSSY, Format.PNG, None, False)] == factor
    # fewer rows than a group needs: no factor
    assert cost_bench.fit_scales(measured[:2], out=io.StringIO()) == {}
    # rows of an item the budget now refuses (measured before a change to it) say nothing
    monkeypatch.setattr(cost_bench, "WORKER", Limits(memory_budget=1 << 20))
    assert cost_bench.fit_scales(measured, out=io.StringIO()) == {}
