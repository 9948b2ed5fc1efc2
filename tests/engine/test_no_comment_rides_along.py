"""Comments, text chunks and trailing bytes of a source never reach an output, in any mode or
metadata policy: whatever is served has passed the encoder (a GIF or PNG can carry a script)."""

import io

import pytest
from PIL import Image

from optimizer.engine import Format, Metadata, Mode, Spec, Target, optimize
from tests import polyglots

SOURCES = {"gif": lambda: polyglots.gif(120, 90), "png": lambda: polyglots.png(120, 90)}


@pytest.mark.parametrize("policy", [Metadata.STRIP, Metadata.KEEP])
@pytest.mark.parametrize("mode", [Mode.LOSSY, Mode.GLOSSY, Mode.LOSSLESS])
@pytest.mark.parametrize("source", sorted(SOURCES))
def test_no_output_carries_the_sources_comment(source, mode, policy):
    spec = Spec(targets=(Target(mode), Target(mode, Format.PNG)), metadata=policy)
    for variant in optimize(SOURCES[source](), spec).variants:
        assert variant.data is not None, variant.note
        assert polyglots.MARKER not in variant.data, (variant.target, variant.setting)


def test_kept_metadata_is_still_kept_in_a_png():
    image = Image.open(io.BytesIO(polyglots.png(64, 48)))
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    buffer = io.BytesIO()
    image.save(buffer, "PNG", exif=exif.tobytes())
    spec = Spec(targets=(Target(Mode.LOSSLESS),), metadata=Metadata.KEEP)
    (variant,) = optimize(buffer.getvalue(), spec).variants
    assert Image.open(io.BytesIO(variant.data)).getexif().get(0x010F) == "Camera maker"
