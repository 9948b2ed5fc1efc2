"""The README's native-API examples, run as written by bash and curl against a served instance:
the base64 example with an image well over the ~96 KB where a command-line argument fails, and
--fail keeping an error answer out of the image file."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from tests.conftest import ROOT

BLOCK = re.compile(r"<!-- api-v1:start -->.*?```bash\n(.*?)```", re.S)


def _example(words: str) -> str:
    """The README command with a line containing ``words``, with all its continuation lines."""
    lines = BLOCK.search((ROOT / "README.md").read_text()).group(1).splitlines()
    start = end = next(i for i, line in enumerate(lines) if words in line)
    while start > 0 and lines[start - 1].endswith("\\"):
        start -= 1
    while lines[end].endswith("\\"):
        end += 1
    return "\n".join(lines[start : end + 1])


def _run(script: str, folder, key: str, url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KEY": key, "API": f"{url}/api/v1"}
    return subprocess.run(["bash", "-c", script], cwd=folder, env=env, capture_output=True, timeout=120)


@pytest.fixture
def big_photo(tmp_path):
    noise = np.random.default_rng(7).integers(0, 256, (400, 500, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, "JPEG", quality=95)
    (tmp_path / "photo.jpg").write_bytes(buffer.getvalue())
    assert buffer.tell() > 200 * 1024
    return tmp_path


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_base64_example_works_for_an_image_over_96_kb(big_photo, site, cluster, make_account):
    _, key = make_account()
    body = _example("{ printf")
    send = _example("--data-binary @body.json")
    done = _run(f"{body}\n{send}", big_photo, key, site.url)
    assert done.returncode == 0, done.stderr
    assert Image.open(big_photo / "out.jpg").format == "JPEG"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_an_error_answer_is_not_saved_as_the_image(big_photo, site):
    refused = _run(_example("-o photo.min.jpg"), big_photo, "wrongwrongwrongwrong", site.url)
    assert refused.returncode == 22  # curl's exit code for an HTTP error under --fail
    saved = big_photo / "photo.min.jpg"
    assert not saved.exists() or b"error" not in saved.read_bytes()
