"""A large colour photo within the worker's memory budget: mozjpeg reads a JPEG source from its file
rather than from a copy of its pixels, and the kept setting is still scored on every pixel, band by
band. The 24 MP class is measured with the bench (README, "Memory per item"); here a smaller photo
under a budget sized to it shows the same plan."""

from __future__ import annotations

import pytest
from PIL import Image

from optimizer.engine import Format, Limits, Metadata, Mode, Spec, Target, memory, optimize
from optimizer.engine.codecs import CODECS, Picture, Setting
from optimizer.engine.decode import decode
from optimizer.engine.metadata import meta_for
from optimizer.engine.metric import Reference

from .conftest import encode, photo


@pytest.mark.parametrize(("mode", "subsampling"), [("RGB", 2), ("RGB", 0), ("L", 0)])
def test_mozjpeg_reading_the_source_file_writes_what_it_writes_from_the_pixels(mode, subsampling):
    data = encode(photo(640, 480).convert(mode), "JPEG", quality=92, subsampling=subsampling)
    source = decode(data)
    meta = meta_for(source, Metadata.STRIP)
    setting = Setting(70, encoder="mozjpeg")
    from_pixels = CODECS[Format.JPEG].encode(Picture(source.frames, meta), setting)
    assert CODECS[Format.JPEG].encode(Picture(source.frames, meta, coded=data), setting) == from_pixels


def test_only_a_jpeg_decoded_as_stored_is_read_from_its_file(monkeypatch):
    pictures: list[Picture] = []
    encoder = CODECS[Format.JPEG]
    monkeypatch.setattr(type(encoder), "encode", lambda self, picture, setting: pictures.append(picture) or b"")
    upright = encode(photo(96, 64), "JPEG", quality=90)
    exif = Image.Exif()
    exif[0x0112] = 6  # to be turned a quarter: its decoded pixels are not the file's
    rotated = encode(photo(96, 64), "JPEG", quality=90, exif=exif.tobytes())
    # its decoder holds every coefficient before the first row: more than a copy of the pixels
    progressive = encode(photo(96, 64), "JPEG", quality=90, progressive=True)
    spec = Spec(targets=(Target(Mode.LOSSY),), quality=70)
    for data in (upright, rotated, progressive):
        optimize(data, spec)
    assert [picture.coded for picture in pictures] == [upright, None, None]


def test_a_large_photo_over_the_444_budget_is_made_and_checked_on_every_pixel(monkeypatch):
    # A budget that holds the 4:2:0 search and its check on every pixel but not 4:4:4, as the default
    # budget does for a 24 MP photo; the verifier's bound is lowered to put this photo above it.
    data = encode(photo(1000, 750), "JPEG", quality=92)
    limits = Limits(verify_pixels=200_000)
    spec = Spec(targets=(Target(Mode.LOSSY), Target(Mode.GLOSSY)))
    shape, _ = memory._shape(data, spec, limits)
    budget = shape.cost(Format.JPEG, Mode.GLOSSY, spec.avif_speed, limits, whole=True, with_444=False)
    limits = Limits(verify_pixels=200_000, memory_budget=budget)
    plan = memory.plan(data, spec, limits)
    assert plan.without_444 == {Format.JPEG} and not plan.tiles_only and not plan.left_out
    whole_scores: list[float] = []
    score = Reference.score

    def recorded(self: Reference, candidate: Image.Image) -> float:
        result = score(self, candidate)
        if not self.sampled and self.size == (1000, 750):
            whole_scores.append(result)
        return result

    monkeypatch.setattr(Reference, "score", recorded)
    variants = optimize(data, spec, limits).variants
    assert all(variant.data is not None for variant in variants)
    # each lossy and glossy choice was scored on every pixel, and what is kept meets its floor there
    assert len(whole_scores) >= 2
    assert variants[0].score >= spec.lossy_floor and variants[1].score >= spec.glossy_floor
    assert variants[0].score in [round(s, 2) for s in whole_scores]
