"""A worker's memory per item: decoding is bounded by an estimate read from the header, an image
whose estimate is over the limit is refused before any pixel is decoded, and the metric's
verification of a large image costs a few bytes a pixel. A whole job on each large input the tests
use keeps a worker under 512 MB: within the memory budget (memory.plan) or refused before decoding.

Peak RSS is measured in a fresh process (Linux ``VmHWM``), after the engine's imports. Not with
``ru_maxrss``: it carries over exec, so a child of a large test process would start from its parent's
peak and show no growth.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from optimizer.engine import Limits
from optimizer.engine.decode import decoded_bytes, open_image

from .conftest import photo
from .hostile import png_build

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
# A worker holds 140-180 MB before its first item (Django, the engine's libraries): what an item may add
# to stay under 512 MB.
JOB_BOUND = 320 * MB

_MEASURE = """
import json, sys
from optimizer.engine import EngineError, Limits
from optimizer.engine.decode import decode
from optimizer.engine.metric import Reference
import optimizer.engine.codecs  # every encoder loaded before the baseline

def peak():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

data = open(sys.argv[1], "rb").read()
before = peak()
try:
    if sys.argv[2] == "decode":
        decode(data)
    else:  # the chosen encode's verification, on every pixel up to the bound
        image = decode(data).image
        Reference(image, Limits().verify_pixels).score(image)
    outcome = "done"
except EngineError as exc:
    outcome = exc.code
growth = (peak() - before) * 1024
print(json.dumps({"outcome": outcome, "growth": growth}))
"""

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM is read from Linux's /proc")


def measure(path: Path, job: str) -> tuple[str, int]:
    """The outcome and the peak RSS growth of decoding (``decode``) or verifying (``verify``) ``path``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), job], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]
    answer = json.loads(run.stdout.strip().splitlines()[-1])
    return answer["outcome"], answer["growth"]


@pytest.fixture(scope="module")
def fax(tmp_path_factory) -> Path:
    """Three A4 pages of a standard fax (1728 x 2292, 1 bit, Group 4): lines of glyph-like dashes."""
    rng = np.random.default_rng(15)
    pages = []
    for _ in range(3):
        page = np.ones((2292, 1728), bool)
        for top in range(120, 2160, 36):
            for left in rng.integers(100, 1600, 40):
                page[top : top + 18, left : left + rng.integers(4, 24)] = False
        pages.append(Image.fromarray(page))
    path = tmp_path_factory.mktemp("fax") / "fax.tif"
    pages[0].save(path, "TIFF", compression="group4", save_all=True, append_images=pages[1:], dpi=(200, 200))
    return path


def test_a_fax_tiff_decodes_within_twice_its_estimate(fax):
    estimate = decoded_bytes(open_image(fax.read_bytes(), Limits()))
    assert estimate == 3 * 1728 * 2292  # one byte a pixel: Pillow keeps 1-bit pixels as bytes
    outcome, growth = measure(fax, "decode")
    assert outcome == "done"
    assert growth < 2 * estimate + 8 * MB, f"decoding grew the process by {growth / MB:.0f} MB"


def test_an_image_over_the_decode_limit_is_refused_before_decoding(tmp_path):
    # 7000 x 7000 RGB: under the 50 MP pixel limit, 147 MB decoded, a few hundred KB as a file
    width = height = 7000
    squeeze = zlib.compressobj(9)
    row = b"\0" + b"\x80" * (3 * width)
    idat = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path = tmp_path / "flat.png"
    path.write_bytes(png_build([(b"IHDR", ihdr), (b"IDAT", idat), (b"IEND", b"")]))
    assert decoded_bytes(open_image(path.read_bytes(), Limits(max_decode_bytes=1 << 40))) > Limits().max_decode_bytes
    outcome, growth = measure(path, "decode")
    assert outcome == "image_too_large"
    assert growth < 8 * MB, f"refusing grew the process by {growth / MB:.0f} MB"


def test_verifying_the_largest_image_on_every_pixel_costs_a_few_bytes_a_pixel(tmp_path):
    # 4.5 MP with alpha, the verifier's bound: scored on two backgrounds. Its blurred planes prepared
    # whole took 64 bytes a pixel for each (950 MB); made band by band, the two images' pixels and a
    # quarter-size scale of each remain (about 28 bytes a pixel with the decoded source).
    width, height = 2598, 1732
    assert width * height <= Limits().verify_pixels
    path = tmp_path / "large.png"
    photo(width, height, mode="RGBA").save(path, compress_level=1)
    outcome, growth = measure(path, "verify")
    assert outcome == "done"
    assert growth < 40 * width * height, f"verifying grew the process by {growth / MB:.0f} MB"


_HELD = """
import sys
from optimizer.engine.codecs import decode_first

def resident():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

data = open(sys.argv[1], "rb").read()
before = resident()
image = decode_first(data)
print((resident() - before) * 1024)
"""


def test_a_decoded_candidate_holds_only_its_pixels(tmp_path):
    # A verification holds the decoded candidate while it compares. Pillow's WebP image keeps its
    # decoder's canvas and the raw frame beside its pixels (68 MB for this 4.5 MP frame, not 14), and
    # what the decoder frees stays in the heap unless it is given back.
    width, height = 2598, 1732
    path = tmp_path / "candidate.webp"
    photo(width, height).save(path, quality=60)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", _HELD, str(path)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    held = int(run.stdout.strip().splitlines()[-1])
    assert held < 2 * width * height * 3, f"the decoded candidate holds {held / MB:.0f} MB"


# --- the worker's memory budget (memory.plan): a whole job on each large input, in a fresh process ---

WORKER_BOUND = 512 * MB

_JOB = """
import json, sys
from optimizer.engine import EngineError, Format, Mode, Spec, Target, optimize
import optimizer.engine.codecs

def peak():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

targets = []
for name in sys.argv[2].split(","):
    mode, _, fmt = name.partition(":")
    targets.append(Target(Mode(mode), Format(fmt) if fmt else None))
data = open(sys.argv[1], "rb").read()
before = peak()
try:
    result = optimize(data, Spec(targets=tuple(targets)))
    outcome = {str(v.target.format or ""): [v.data is not None, v.setting, v.note] for v in result.variants}
    message = ""
except EngineError as exc:
    outcome, message = exc.code, exc.message
print(json.dumps({"outcome": outcome, "message": message, "peak": peak() * 1024, "growth": (peak() - before) * 1024}))
"""


def run_job(path: Path, targets: str) -> dict:
    """A whole job on ``path`` in a fresh process: its outcome (each variant's format: made, setting,
    note; or the error code and its message), its peak RSS and the growth the job caused."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", _JOB, str(path), targets], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )
    assert run.returncode == 0, run.stderr[-2000:]
    answer = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"{path.name} {targets}: peak {answer['peak'] / MB:.0f} MB, grew {answer['growth'] / MB:.0f} MB")
    return answer


def test_a_whole_job_on_the_fax_with_its_avif_stays_bounded(fax):
    # A ShortPixel lossy request with +avif. The lossy PNG took 170-260 MB (the metric's verification of
    # the 4 MP first page used to take 300 more); the animated AVIF at speed 6 took 800 MB (libaom's
    # lookahead of whole frames, 1060 MB peak): over the budget, it is made at the lean speed.
    answer = run_job(fax, "lossy,lossless,lossy:avif")
    assert answer["outcome"]["avif"][0], answer
    assert "speed 7" in answer["outcome"]["avif"][1]
    assert answer["growth"] < JOB_BOUND and answer["peak"] < WORKER_BOUND


@pytest.mark.parametrize(
    ("name", "size", "mode", "targets"),
    [
        # measured before the budget: 683 MB (lossy PNG), 617 (WebP), 717 (AVIF)
        ("rgba.png", (4096, 4096), "RGBA", "lossy,lossy:webp,lossy:avif"),
        # 471 MB for the lossy JPEG alone, 1006 with WebP, 1484 with AVIF
        ("grey.jpg", (7071, 7071), "L", "lossy,lossy:webp,lossy:avif"),
    ],
)
def test_an_image_whose_own_format_does_not_fit_is_refused_before_decoding(tmp_path, name, size, mode, targets):
    path = tmp_path / name
    # refused on its header: what its pixels are does not matter
    Image.linear_gradient("L").resize(size).convert(mode).save(path)
    answer = run_job(path, targets)
    assert answer["outcome"] == "image_too_large" and "over the memory budget" in answer["message"], answer
    assert answer["growth"] < 8 * MB and answer["peak"] < WORKER_BOUND


def test_a_photo_near_the_budget_makes_what_fits_and_leaves_out_the_rest(tmp_path):
    # 10 MP colour: the JPEG and its WebP fit the budget, the AVIF (about 7.5 bytes a sample) does not.
    path = tmp_path / "photo.jpg"
    photo(3872, 2592).save(path, quality=90)
    answer = run_job(path, "lossy,lossy:webp,lossy:avif")
    made = {fmt: outcome[0] for fmt, outcome in answer["outcome"].items()}
    assert made == {"": True, "webp": True, "avif": False}, answer
    assert "over the memory budget" in answer["outcome"]["avif"][2]
    assert answer["peak"] < WORKER_BOUND

