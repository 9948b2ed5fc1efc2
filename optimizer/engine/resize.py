"""Resize modes, applied after orientation: cover (outer), contain (inner), smart crop and fit (max size)."""

from __future__ import annotations

from PIL import Image, ImageFilter, ImageStat

from .errors import InvalidSpec
from .spec import Resize, ResizeMode


def _scaled(size: tuple[int, int], scale: float) -> tuple[int, int]:
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def target_size(size: tuple[int, int], resize: Resize) -> tuple[int, int]:
    """The output dimensions (before any crop) for ``resize`` applied to an image of ``size``."""
    w, h = size
    bw, bh = resize.width, resize.height
    if resize.mode is ResizeMode.FIT:
        if not bw and not bh:
            raise InvalidSpec("fit needs a width or a height")
        scale = min(bw / w if bw else 1.0, bh / h if bh else 1.0, 1.0)  # never enlarge
        return _scaled(size, scale)
    if not bw or not bh or bw < 1 or bh < 1:
        raise InvalidSpec(f"{resize.mode.value} needs a positive width and height")
    if resize.mode is ResizeMode.CONTAIN:
        return _scaled(size, min(bw / w, bh / h))
    # cover and smart crop: the smaller side matches the box (ShortPixel outer: min(w, h) == box side)
    return _scaled(size, max(bw / w, bh / h))


def _busiest_offset(im: Image.Image, box: tuple[int, int]) -> tuple[int, int]:
    """Top-left corner of the ``box``-sized window with the most edge energy, searched on a small copy."""
    w, h = im.size
    bw, bh = box
    scale = min(1.0, 256 / max(w, h))
    small = im.convert("L").resize(_scaled(im.size, scale), Image.Resampling.BILINEAR).filter(ImageFilter.FIND_EDGES)
    sw, sh = max(1, round(bw * scale)), max(1, round(bh * scale))
    best, best_xy = -1.0, (0, 0)
    steps = 12
    for i in range(steps + 1):
        for j in range(steps + 1):
            x = round((small.width - sw) * i / steps)
            y = round((small.height - sh) * j / steps)
            energy = ImageStat.Stat(small.crop((x, y, x + sw, y + sh))).mean[0]
            if energy > best:
                best, best_xy = energy, (x, y)
    return min(w - bw, round(best_xy[0] / scale)), min(h - bh, round(best_xy[1] / scale))


def apply(frames: tuple[Image.Image, ...], resize: Resize | None) -> tuple[Image.Image, ...]:
    """Resize every frame the same way (Lanczos); smart crop picks its window on the first frame."""
    if resize is None:
        return frames
    size = target_size(frames[0].size, resize)
    if size != frames[0].size:
        frames = tuple(f.resize(size, Image.Resampling.LANCZOS) for f in frames)
    if resize.mode is ResizeMode.SMART_CROP:
        box = (min(resize.width or size[0], size[0]), min(resize.height or size[1], size[1]))
        x, y = _busiest_offset(frames[0], box)
        frames = tuple(f.crop((x, y, x + box[0], y + box[1])) for f in frames)
    return frames
