"""The wider corpus: its listing covers every image class, its recipes make what they are named
after, and a built corpus holds the files the listing describes."""

from __future__ import annotations

import io

import pytest
import pyvips
from PIL import Image

from optimizer.engine import bench
from optimizer.engine import corpus as corpora

from .conftest import encode, photo

# classes the issue asks the corpus to cover, each by at least one image
REQUIRED_TAGS = {
    "photo",
    "screenshot",
    "lineart",
    "graphic",
    "icon",
    "palette",
    "alpha",
    "grey",
    "16bit",
    "cmyk",
    "animated",
    "progressive",
    "baseline",
    "444",
    "422",
    "420",
    "icc",
    "exif",
    "jpeg",
    "png",
    "gif",
    "webp",
}


def test_the_listing_names_sixty_images_of_every_class_with_source_and_licence():
    entries = corpora.listing()
    assert len(entries) >= 60
    assert len({e.name for e in entries}) == len(entries)
    for entry in entries:
        assert entry.source.split(":")[0] in ("debian", "pypi") and entry.path and entry.licence, entry
        assert entry.derive is None or entry.derive in corpora.RECIPES, entry
        assert entry.sha256, entry
    covered = {tag for e in entries for tag in e.tags}
    assert covered >= REQUIRED_TAGS, REQUIRED_TAGS - covered
    animated = {fmt for e in entries if "animated" in e.tags for fmt in ("gif", "png", "webp") if fmt in e.tags}
    assert animated == {"gif", "png", "webp"}


def _animation() -> bytes:
    frames = [photo(48, 32, seed=s, mode="RGBA") for s in (1, 2, 3)]
    return encode(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=80)


def _sixteen_bit_png() -> bytes:
    rgb = pyvips.Image.new_from_buffer(encode(photo(48, 32), "PNG"), "")
    return rgb.colourspace("rgb16").pngsave_buffer()


@pytest.mark.parametrize(
    ("recipe", "source", "tags"),
    [
        ("jpeg-cmyk-q92", lambda: encode(photo(), "PNG"), {"jpeg", "cmyk"}),
        ("jpeg-progressive-444-q90", lambda: encode(photo(), "PNG"), {"jpeg", "progressive", "444"}),
        ("jpeg-baseline-420-q85", lambda: encode(photo(), "PNG"), {"jpeg", "baseline", "420"}),
        ("webp-q90", lambda: encode(photo(), "PNG"), {"webp"}),
        ("webp-animated-q80", _animation, {"webp", "animated", "alpha"}),
        ("gif-animated", _animation, {"gif", "animated", "palette"}),
        ("png-grey16", _sixteen_bit_png, {"png", "grey", "16bit"}),
    ],
)
def test_each_recipe_makes_the_class_it_is_named_after(recipe, source, tags):
    made = corpora.RECIPES[recipe](source())
    assert tags <= corpora.encoding_tags(made)


def test_the_tags_of_an_original_file_are_read_from_its_bytes():
    assert corpora.encoding_tags(encode(photo(mode="RGBA"), "PNG")) == {"png", "alpha"}
    grey = encode(photo().convert("L"), "JPEG", quality=80, progressive=True)
    assert corpora.encoding_tags(grey) == {"jpeg", "progressive", "grey"}
    assert corpora.encoding_tags(encode(photo().convert("P"), "GIF")) == {"gif", "palette"}


def test_the_built_wider_corpus_holds_what_the_listing_says(wider_corpus):
    sizes = []
    for entry in corpora.listing():
        path = wider_corpus / entry.name
        assert path.is_file(), f"{entry.name} missing: rebuild with python -m optimizer.engine.corpus"
        data = path.read_bytes()
        assert corpora.encoding_tags(data) == set(entry.tags) & corpora.ENCODING_TAGS, entry.name
        if "photo" in entry.tags:
            with Image.open(io.BytesIO(data)) as im:
                sizes.append(im.width * im.height / 1e6)
    assert min(sizes) < 0.3 and max(sizes) > 20  # from small web photos to a 24 MP camera frame


def test_the_bench_runs_on_a_named_corpus(monkeypatch, tmp_path, capsys):
    (tmp_path / "a_photo.jpg").write_bytes(encode(photo(400, 300, seed=3), "JPEG", quality=90))
    monkeypatch.setenv("REDUCER_WIDER_CORPUS_DIR", str(tmp_path))
    bench.main(["--corpus", "wider", "--thumbnails-only"])
    assert "| all | 2 |" in capsys.readouterr().out  # the photo's 150x150 crop and 300-pixel size


def test_the_bench_says_how_to_build_a_missing_wider_corpus(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("REDUCER_WIDER_CORPUS_DIR", str(tmp_path / "absent"))
    with pytest.raises(SystemExit):
        bench.main(["--corpus", "wider"])
    assert "python -m optimizer.engine.corpus" in capsys.readouterr().err
