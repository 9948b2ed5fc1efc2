"""AVIF through Pillow's native libavif (aom): lossy only; lossless AVIF is reported as not worth it."""

from __future__ import annotations

import io

from ..decode import Source
from ..metadata import pillow_kwargs
from ..spec import Format, Mode, Spec
from . import Lossless, Picture, Setting, register

_LOSSY = range(20, 93, 3)
_GLOSSY = range(40, 101, 2)
# Probes run at speed 8: ~3x cheaper, and at equal quality it scores no higher than speeds 6-7.
_PROBE_SPEED = 8
# libaom turns on its palette tool wherever its blocks look like screen content: on photos with
# smooth sky or sand that search took 30-50 % of a speed-6 encode (a 1.8 MP photo at glossy quality:
# 2.9 against 1.7 CPU-s) and found nothing, the file coming out 0-4 % smaller without it; on 30
# photo-like images of both corpora no file grew by more than 0.8 %. On graphics it pays (a screenshot:
# 13-23 % larger without it), so it stays on for them (Picture.screen_tools).
_WITHOUT_SCREEN_TOOLS = (("enable-palette", "0"),)


class AvifCodec:
    format = Format.AVIF

    def grid(self, mode: Mode, picture: Picture, spec: Spec) -> tuple[tuple[Setting, ...], ...]:
        probe = max(spec.avif_speed, _PROBE_SPEED)

        def ladder(qualities: range, chroma: str) -> tuple[Setting, ...]:
            return tuple(Setting(q, chroma, speed=spec.avif_speed, probe_speed=probe) for q in qualities)

        if mode is Mode.GLOSSY:
            # 4:2:0 caps the score below the glossy floor on some images; 4:4:4 does not, but costs bytes
            # on others: try both.
            return ladder(_GLOSSY, "4:4:4"), ladder(_GLOSSY, "4:2:0")
        return (ladder(_LOSSY, "4:2:0"),)

    def encode(self, picture: Picture, setting: Setting) -> bytes:
        buf = io.BytesIO()
        im = picture.image
        if im.mode not in ("RGB", "RGBA"):
            im = im.convert("RGB")
        kwargs = picture.animation_kwargs([f.convert(im.mode) for f in picture.frames] if picture.animated else ())
        im.save(
            buf,
            "AVIF",
            quality=setting.quality,
            subsampling=setting.chroma,
            speed=6 if setting.speed is None else setting.speed,
            advanced=None if picture.screen_tools else _WITHOUT_SCREEN_TOOLS,
            **kwargs,
            **pillow_kwargs(picture.meta),
        )
        return buf.getvalue()

    def lossless(self, picture: Picture, source: Source, altered: bool) -> Lossless:
        return Lossless(None, "", "lossless AVIF is larger than the source for most images; use WebP or PNG")


register(AvifCodec())
