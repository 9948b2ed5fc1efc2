"""No input ends in anything but a Result or a documented error: damaged versions of real images,
run through the decoder and every encoder (see fuzzing.py for what is done to them).

Pillow's own test images (hundreds of deliberately broken files) run too when
REDUCER_PILLOW_TEST_IMAGES names their folder: ``pip download pillow==<installed version>
--no-binary :all: --no-deps``, unpack it and point the variable at ``Tests/images``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from optimizer.engine import Limits

from . import fuzzing
from .conftest import CORPUS

EVERY_ENCODER_STEP = 5  # every fifth damaged input gets every target: about 400, half of them decodable


@pytest.fixture(scope="module")
def cases() -> list[fuzzing.Case]:
    corpus = CORPUS if CORPUS.is_dir() else None
    found = fuzzing.seeds(corpus)
    return [case for name, data in found.items() for case in fuzzing.damaged(name, data)]


def test_the_fuzz_covers_every_format_and_the_corpus(cases):
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}: fuzzing the synthetic seeds only")
    seeds = {name.split(":")[0] for name, _ in cases}
    assert {"jpeg", "png-rgb", "apng", "gif-animated", "webp-animated", "avif", "bmp", "tiff-lzw"} <= seeds
    assert sum(seed.startswith("p") and seed.endswith("-small") for seed in seeds) >= 20


def test_damaged_inputs_end_in_a_result_or_a_documented_error(cases):
    outcomes = fuzzing.run(cases, "cheap")
    assert len(outcomes) == len(cases)
    assert not fuzzing.undocumented(outcomes), "\n".join(fuzzing.undocumented(outcomes))
    # the damage leaves many files readable, so the encoders are exercised too
    assert sum(result == "result" for result in outcomes.values()) > len(cases) // 4


def test_every_encoder_on_damaged_but_decodable_inputs(cases):
    picked = cases[::EVERY_ENCODER_STEP]
    outcomes = fuzzing.run(picked, "every")
    assert not fuzzing.undocumented(outcomes), "\n".join(fuzzing.undocumented(outcomes))
    assert sum(result == "result" for result in outcomes.values()) > len(picked) // 4


def test_pillows_own_test_images():
    folder = os.environ.get("REDUCER_PILLOW_TEST_IMAGES")
    if not folder or not Path(folder).is_dir():
        pytest.skip("REDUCER_PILLOW_TEST_IMAGES is not set to Pillow's Tests/images (see this module's docstring)")
    files = sorted(path for path in Path(folder).rglob("*") if path.is_file())
    cases = [(str(path.relative_to(folder)), path.read_bytes()) for path in files]
    outcomes = fuzzing.run(cases, "cheap", Limits(max_pixels=4_000_000, max_decode_bytes=16 * 1024 * 1024))
    assert not fuzzing.undocumented(outcomes), "\n".join(fuzzing.undocumented(outcomes))
