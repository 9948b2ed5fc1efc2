"""A resized image has no original to fall back on: every JPEG target still yields the resized pixels,
meeting the floor where any setting can (4:4:4 chroma included), else at the best setting."""

import io

from PIL import Image, ImageDraw

from optimizer.engine import Mode, Resize, ResizeMode, Spec, Target, optimize


def _saturated_shapes() -> bytes:
    # Saturated colour edges: 4:2:0 chroma cannot reach the floor once shrunk to a thumbnail.
    image = Image.new("RGB", (400, 300), (20, 20, 200))
    draw = ImageDraw.Draw(image)
    for n in range(12):
        draw.ellipse((n * 30, n * 20, n * 30 + 90, n * 20 + 90), fill=((n * 70) % 256, 220, (n * 40) % 256))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def test_every_jpeg_target_of_a_thumbnail_is_served_resized():
    spec = Spec(targets=(Target(Mode.LOSSY), Target(Mode.LOSSLESS)), resize=Resize(ResizeMode.CONTAIN, 100, 100))
    result = optimize(_saturated_shapes(), spec)
    for variant in result.variants:
        assert variant.data is not None and variant.smaller, variant.note
        assert Image.open(io.BytesIO(variant.data)).size == (100, 75)
    lossy = result.variants[0]
    assert lossy.score >= spec.lossy_floor
