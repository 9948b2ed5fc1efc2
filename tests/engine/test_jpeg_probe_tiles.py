"""A JPEG search's probe tiles are encoded without mozjpeg's scan optimisation: cheaper, and to the same
pixels, so a probe's score is the score the kept file's pixels get."""

import io

import numpy as np
import pytest
from PIL import Image

from optimizer.engine.codecs import CODECS, Picture, Setting
from optimizer.engine.metadata import Meta
from optimizer.engine.metric import Reference
from optimizer.engine.quality import Search
from optimizer.engine.spec import Format, Mode, Spec

from .conftest import photo

JPEG = CODECS[Format.JPEG]


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


@pytest.mark.parametrize("mode", ["RGB", "L"])
@pytest.mark.parametrize("chroma", ["4:2:0", "4:4:4"])
@pytest.mark.parametrize("quality", [30, 70, 92])
def test_a_probe_tile_decodes_to_the_pixels_of_the_kept_encode(mode: str, chroma: str, quality: int) -> None:
    picture = Picture((photo(256, 192, seed=quality).convert(mode),), Meta())
    setting = Setting(quality, chroma, encoder="mozjpeg")
    sample, kept = JPEG.encode_sample(picture, setting), JPEG.encode(picture, setting)
    assert sample != kept  # another scan script: the cheaper encode really is a different one
    assert np.array_equal(_pixels(sample), _pixels(kept))


def test_a_sampled_search_probes_its_tiles_with_the_cheaper_encode(monkeypatch: pytest.MonkeyPatch) -> None:
    source = photo(1200, 1100)
    picture = Picture((source,), Meta())
    reference = Reference(source, 524_288)
    assert reference.sampled
    calls = []
    cheaper = JPEG.encode_sample
    monkeypatch.setattr(JPEG, "encode_sample", lambda p, s: calls.append(p.image.size) or cheaper(p, s), raising=False)
    search = Search(JPEG, picture, reference, reference)
    ladder = JPEG.grid(Mode.LOSSY, picture, Spec(targets=()))[0]
    search.probe(ladder[40])
    assert calls == [(512, 512)] * len(reference.boxes)
