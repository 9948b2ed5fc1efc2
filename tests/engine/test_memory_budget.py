"""The worker memory budget: an item's estimate, read from its header and its targets before decoding,
leaves out a conversion that does not fit and refuses an image whose own format does not."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from optimizer.engine import (
    Format,
    ImageTooLarge,
    Limits,
    Mode,
    Resize,
    ResizeMode,
    Spec,
    Target,
    memory,
    optimize,
    pipeline,
)
from optimizer.engine.memory import (
    ANIMATION_LEAN_SPEED,
    METRIC_BYTES_PER_PIXEL,
    WHOLE_CHECK_BYTES_PER_PIXEL,
    WHOLE_CHECK_JPEG_BYTES_PER_SAMPLE,
    estimates,
    plan,
)
from optimizer.engine.metric import Reference

from .conftest import encode, photo

LOSSY, WEBP, AVIF = Target(Mode.LOSSY), Target(Mode.LOSSY, Format.WEBP), Target(Mode.LOSSY, Format.AVIF)
GLOSSY = Target(Mode.GLOSSY)


def _needs(data: bytes, target: Target, spec: Spec | None = None) -> int:
    """The least budget under which ``target`` is made as asked."""
    return estimates(data, spec or Spec(targets=(target,)), Limits())[target]


@pytest.fixture(scope="module")
def jpeg() -> bytes:
    return encode(photo(640, 480), "JPEG", quality=90)


def test_encoders_are_costed_in_the_order_they_were_measured(jpeg):
    # mozjpeg 4.5 bytes a sample it codes (1.5 a pixel at 4:2:0), libwebp 6 a sample of RGB, libavif 8.5
    shape, _ = memory._shape(jpeg, Spec(targets=(LOSSY,)), Limits())
    costs = [shape.encoder_bytes(fmt, Mode.LOSSY, 6, with_444=False) for fmt in (Format.JPEG, Format.WEBP, Format.AVIF)]
    assert costs[0] < costs[1] < costs[2]


def test_a_conversion_over_the_budget_is_left_out_with_its_reason(jpeg):
    budget = _needs(jpeg, AVIF) - 1
    assert budget >= _needs(jpeg, WEBP)
    result = optimize(jpeg, Spec(targets=(LOSSY, WEBP, AVIF)), Limits(memory_budget=budget))
    own, webp, avif = result.variants
    assert own.data is not None and webp.data is not None
    assert avif.data is None and avif.format is Format.AVIF
    assert avif.note.startswith("AVIF not made") and "over the memory budget" in avif.note


def test_an_image_whose_own_format_does_not_fit_is_refused(jpeg):
    with pytest.raises(ImageTooLarge, match="over the memory budget"):
        optimize(jpeg, Spec(targets=(LOSSY, WEBP)), Limits(memory_budget=_needs(jpeg, LOSSY) - 1))


def test_a_conversion_to_the_sources_own_format_is_not_left_out_but_refused():
    webp = encode(photo(640, 480), "WEBP", quality=90)
    with pytest.raises(ImageTooLarge):
        optimize(webp, Spec(targets=(WEBP,)), Limits(memory_budget=_needs(webp, WEBP) - 1))


def test_a_resized_item_is_costed_at_its_output_size():
    large = encode(photo(2000, 1500), "JPEG", quality=90)
    small = Spec(targets=(AVIF,), resize=Resize(ResizeMode.FIT, 400, 300))
    assert _needs(large, AVIF, small) < _needs(large, AVIF)


def test_an_animations_avif_over_the_budget_is_made_at_the_lean_speed():
    frames = [photo(320, 240, seed=seed) for seed in range(3)]
    gif = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    spec = Spec(targets=(AVIF,))
    budget = _needs(gif, AVIF, replace(spec, avif_speed=ANIMATION_LEAN_SPEED))
    assert budget < _needs(gif, AVIF, spec)
    default = plan(gif, spec, Limits())
    assert default.avif_speed == spec.avif_speed < ANIMATION_LEAN_SPEED and not default.left_out
    lean = plan(gif, spec, Limits(memory_budget=budget))
    assert lean.avif_speed == ANIMATION_LEAN_SPEED and not lean.left_out
    variant = optimize(gif, spec, Limits(memory_budget=budget)).variants[0]
    assert variant.data is not None and f"speed {ANIMATION_LEAN_SPEED}" in variant.setting


def test_over_the_budget_a_jpeg_drops_its_444_ladders_before_its_check_on_every_pixel():
    # Above the verifier's bound a choice is checked once more on every pixel. Without room for a
    # 4:4:4 encode and its check on every pixel, the search leaves the 4:4:4 ladders out and still
    # checks every pixel.
    width, height = 5000, 4000  # where every pixel costs more than the verifier's bound
    assert WHOLE_CHECK_JPEG_BYTES_PER_SAMPLE * 1.5 * width * height > METRIC_BYTES_PER_PIXEL * Limits().verify_pixels
    # planned from the header: what the pixels are does not matter
    jpeg = encode(Image.linear_gradient("L").resize((width, height)).convert("RGB"), "JPEG")
    spec = Spec(targets=(GLOSSY,))
    full = _needs(jpeg, GLOSSY)
    assert plan(jpeg, spec, Limits(memory_budget=full)) == memory.Plan(spec.avif_speed)
    lean = plan(jpeg, spec, Limits(memory_budget=full - 1))
    assert lean.without_444 == {Format.JPEG} and lean.tiles_only == frozenset() and not lean.left_out


def test_a_webp_whose_check_on_every_pixel_does_not_fit_is_checked_on_the_verifiers_tiles():
    # Pillow's WebP decoder holds its canvas beside the decoded candidate: on every pixel the check
    # costs more than libwebp's encode, and without room for it the tiles' verification stands.
    width, height = 3000, 2000
    assert WHOLE_CHECK_BYTES_PER_PIXEL * width * height > METRIC_BYTES_PER_PIXEL * Limits().verify_pixels
    jpeg = encode(Image.linear_gradient("L").resize((width, height)).convert("RGB"), "JPEG")
    spec = Spec(targets=(WEBP,))
    checked = _needs(jpeg, WEBP)
    assert plan(jpeg, spec, Limits(memory_budget=checked)).tiles_only == frozenset()
    tiles = plan(jpeg, spec, Limits(memory_budget=checked - 1))
    assert tiles.tiles_only == {Format.WEBP} and not tiles.left_out


def test_the_verifier_keeps_its_terms_only_where_the_item_fits_with_them(jpeg):
    spec = Spec(targets=(LOSSY, WEBP))
    assert plan(jpeg, spec, Limits()).keep_terms
    least = max(estimates(jpeg, spec, Limits()).values())
    assert not plan(jpeg, spec, Limits(memory_budget=least)).keep_terms  # made as asked, without them


@pytest.mark.parametrize("kept", [True, False])
def test_the_jobs_verifier_keeps_its_terms_as_planned(kept, monkeypatch):
    verifiers = []

    class Recorded(Reference):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            verifiers.append(self)

    monkeypatch.setattr(pipeline, "Reference", Recorded)
    source = encode(photo(1200, 1100), "JPEG", quality=90)  # probed on tiles: a verifier of its own
    spec = Spec(targets=(LOSSY,))
    limits = Limits() if kept else Limits(memory_budget=max(estimates(source, spec, Limits()).values()))
    optimize(source, spec, limits)
    (verifier,) = [reference for reference in verifiers if not reference.sampled]
    assert verifier.keeps_terms is kept


def test_a_glossy_search_without_its_444_ladders_keeps_no_444_setting():
    # Saturated red and blue stripes two pixels wide: chroma detail that 4:2:0 smears, so with room
    # the kept setting is 4:4:4. A small verifier's bound puts this photo where its check on every
    # pixel counts, as a large photo's does under the default bound.
    pixels = np.asarray(photo(800, 600)).copy()
    stripes = (np.arange(800) // 2) % 2 == 0
    pixels[:150, stripes], pixels[:150, ~stripes] = (220, 30, 40), (30, 40, 220)
    jpeg = encode(Image.fromarray(pixels), "JPEG", quality=95, subsampling=0)
    spec = Spec(targets=(GLOSSY,))
    small = Limits(verify_pixels=120_000)
    assert "4:4:4" in optimize(jpeg, spec, small).variants[0].setting
    shape, _ = memory._shape(jpeg, spec, small)
    lean = replace(small, memory_budget=shape.cost(Format.JPEG, Mode.GLOSSY, 6, small, with_444=False))
    assert plan(jpeg, spec, lean).without_444 == {Format.JPEG} and not plan(jpeg, spec, lean).tiles_only
    variant = optimize(jpeg, spec, lean).variants[0]
    assert variant.data is not None and "4:4:4" not in variant.setting
