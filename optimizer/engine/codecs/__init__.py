"""Output formats behind one small registry: ``CODECS[Format]`` gives the codec for a format."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from PIL import Image

from ..decode import Frames, Source
from ..heap import release
from ..metadata import Meta
from ..spec import Format, Mode, Spec


@dataclass(frozen=True)
class Setting:
    """One point on an encoder's quality grid; ``quality`` is the encoder's own scale."""

    quality: int
    chroma: str = "4:2:0"
    label: str = "q"
    speed: int | None = None
    probe_speed: int | None = None  # a faster speed whose result scores no better, for search probes
    encoder: str = ""  # where a format has more than one

    def __str__(self) -> str:
        speed = f" speed {self.speed}" if self.speed is not None else ""
        encoder = f"{self.encoder} " if self.encoder else ""
        return f"{encoder}{self.label}={self.quality} {self.chroma}{speed}"

    def for_probe(self) -> Setting:
        return replace(self, speed=self.probe_speed, probe_speed=None) if self.probe_speed is not None else self


@dataclass(frozen=True)
class Picture(Frames):
    """What a codec encodes: the (oriented, resized, filled) frames and the metadata that goes with them."""

    frames: tuple[Image.Image, ...]
    meta: Meta
    durations: tuple[int, ...] = ()
    loop: int | None = None
    # A file whose decoding is exactly the first frame (a JPEG source as it came): an encoder that
    # reads it row by row as it goes needs no copy of the pixels.
    coded: bytes | None = None
    # Whether an encoder's tools for screen content may pay (see pipeline.screen_tools_may_pay): off,
    # an encoder leaves them out, their search costing CPU and finding nothing.
    screen_tools: bool = True

    def tile(self, box: tuple[int, int, int, int]) -> Picture:
        """The first frame's ``box`` as a still picture of its own, for probes on a sample."""
        return Picture((self.image.crop(box),), self.meta, screen_tools=self.screen_tools)

    def animation_kwargs(self, frames: Sequence[Image.Image]) -> dict:
        """Save keywords that write ``frames`` (this picture's frames as the codec prepared them) as
        an animation with this picture's timing; none for a still picture."""
        if not self.animated:
            return {}
        return {
            "save_all": True,
            "append_images": list(frames[1:]),
            "duration": list(self.durations),
            "loop": self.loop or 0,
        }


@dataclass(frozen=True)
class Lossless:
    """A lossless encoding, or ``data=None`` with the reason it is not possible or not worth it."""

    data: bytes | None
    setting: str
    note: str = ""


class Codec(Protocol):
    """An output format. A codec may also offer ``preview(picture, setting) -> Image``: the first frame as
    ``encode`` would decode, computed more cheaply (palette codecs skip compression); search probes use it.
    With it may come ``encode_preview(picture, preview) -> bytes``: a still picture encoded from its
    preview, so a setting that was scored is not quantised a second time when it is kept. A codec may
    also offer ``rescue(picture) -> ladders``: costlier settings, searched only when ``grid``'s miss the floor,
    and ``encode_sample(picture, setting) -> bytes``: a probe tile encoded more cheaply to the pixels
    ``encode`` gives (its bytes may differ a little)."""

    format: Format

    def grid(self, mode: Mode, picture: Picture, spec: Spec) -> tuple[tuple[Setting, ...], ...]:
        """Quality ladders to search, each ordered from smallest file to best quality."""

    def encode(self, picture: Picture, setting: Setting) -> bytes: ...

    def lossless(self, picture: Picture, source: Source, altered: bool) -> Lossless:
        """The lossless encoding; ``altered``: the picture's pixels are not the source's (resized or
        filled), so the source file itself cannot stand in for them."""


CODECS: dict[Format, Codec] = {}


def register(codec: Codec) -> Codec:
    CODECS[codec.format] = codec
    return codec


def ladder(qualities: range | tuple[int, ...], chroma: str = "4:2:0", encoder: str = "") -> tuple[Setting, ...]:
    return tuple(Setting(q, chroma, encoder=encoder) for q in qualities)


def decode_first(data: bytes) -> Image.Image:
    """The first frame of an encoded image, decoded, apart from its decoder: Pillow's WebP image keeps
    its decoder's canvas and the raw frame beside its pixels (a 4.5 MP RGB frame holds 68 MB, not 14).
    Other decoders keep nothing beside the pixels, and copying them held a 24 MP JPEG twice."""
    im = Image.open(io.BytesIO(data))
    im.load()
    if im.format == "WEBP":
        pixels = im.copy()
        im.close()
        im = pixels
    release()  # the decoder's buffers (a progressive JPEG's coefficients: 43 MB of a 24 MP photo)
    return im


def flatten(im: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """Composite alpha onto a background for formats without alpha."""
    if im.mode != "RGBA":
        return im
    base = Image.new("RGB", im.size, background)
    base.paste(im, mask=im.getchannel("A"))
    return base


from . import avif, gif, jpeg, png, webp  # noqa: E402,F401  (each module registers itself)
