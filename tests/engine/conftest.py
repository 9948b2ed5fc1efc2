"""Engine test helpers: images made in memory, the shared corpus, and an independent re-scoring."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from optimizer.engine import corpus as corpora

CORPUS = corpora.folder("public")
WIDER_CORPUS = corpora.folder("wider")


def encode(im: Image.Image, fmt: str, **kwargs: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kwargs)
    return buf.getvalue()


def photo(width: int = 320, height: int = 240, seed: int = 1, mode: str = "RGB") -> Image.Image:
    """A smooth gradient with mild noise: photo-like, compressible, deterministic."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    r = 128 + 100 * np.sin(x / 37.0) * np.cos(y / 23.0)
    g = 128 + 90 * np.cos((x + y) / 51.0)
    b = 255 * x / width
    rgb = np.stack([r, g, b], axis=2) + rng.normal(0, 6, (height, width, 3))
    im = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")
    if mode == "RGBA":
        alpha = np.clip(255 * (x / width) * 1.5, 0, 255).astype(np.uint8)
        alpha[:, : width // 8] = 0  # fully transparent stripe, with colour beneath it
        im.putalpha(Image.fromarray(alpha, "L"))
    return im


def decoded(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}: set REDUCER_CORPUS_DIR")
    return CORPUS


@pytest.fixture
def wider_corpus() -> Path:
    if not WIDER_CORPUS.is_dir():
        pytest.skip(
            f"wider corpus not found at {WIDER_CORPUS}: build it with python -m optimizer.engine.corpus "
            "(or set REDUCER_WIDER_CORPUS_DIR)"
        )
    return WIDER_CORPUS
