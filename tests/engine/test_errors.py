import struct
import zlib

import pytest

from optimizer.engine import EngineError, Limits, Mode, Spec, Target, optimize
from optimizer.engine.errors import (
    CorruptImage,
    DecompressionBomb,
    ImageTooLarge,
    InvalidSpec,
    TruncatedImage,
    UnsupportedFormat,
)

from .conftest import encode, photo

LOSSY = Spec(targets=(Target(Mode.LOSSY),))


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims the given size, with a tiny (wrong) body: only the header is read."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    idat = b"IDAT" + zlib.compress(b"\0" * 16)
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))
        + struct.pack(">I", len(idat) - 4) + idat + struct.pack(">I", zlib.crc32(idat))
    )


def test_garbage_with_a_png_signature_is_corrupt():
    with pytest.raises(CorruptImage) as err:
        optimize(b"\x89PNG\r\n\x1a\n" + b"nonsense" * 20, LOSSY)
    assert err.value.code == "corrupt_image"


def test_truncated_jpeg_is_truncated():
    data = encode(photo(), "JPEG", quality=90)
    with pytest.raises(TruncatedImage) as err:
        optimize(data[: len(data) // 2], LOSSY)
    assert err.value.code == "truncated_image"
    assert isinstance(err.value, CorruptImage)


def test_text_is_unsupported():
    with pytest.raises(UnsupportedFormat) as err:
        optimize(b"hello, this is not an image", LOSSY)
    assert err.value.code == "unsupported_format"


def test_formats_outside_the_allowlist_are_unsupported():
    data = encode(photo(32, 32), "ICO")
    with pytest.raises(UnsupportedFormat):
        optimize(data, LOSSY)


def test_pixel_limit_is_checked_on_the_header():
    # 20000 x 2000 = 40 MP, under Pillow's bomb threshold: our own limit refuses it before decoding.
    with pytest.raises(ImageTooLarge) as err:
        optimize(png_header(20000, 2000), LOSSY, Limits(max_pixels=10_000_000))
    assert err.value.code == "image_too_large"


def test_huge_header_is_refused_before_decoding():
    with pytest.raises(ImageTooLarge):
        optimize(png_header(100_000, 100_000), LOSSY)


def test_decompression_bomb_warning_is_an_error():
    # 10000 x 9000 is over Pillow's warning threshold (89.5 MP) but inside a generous pixel limit.
    with pytest.raises(DecompressionBomb) as err:
        optimize(png_header(10_000, 9_000), LOSSY, Limits(max_pixels=200_000_000))
    assert err.value.code == "decompression_bomb"


def test_byte_limit():
    data = encode(photo(), "PNG")
    with pytest.raises(ImageTooLarge):
        optimize(data, LOSSY, Limits(max_bytes=len(data) - 1))


def test_frame_limit():
    frames = [photo(16, 16, seed=i) for i in range(4)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(ImageTooLarge):
        optimize(data, LOSSY, Limits(max_frames=3))


def test_empty_targets_is_an_invalid_spec():
    with pytest.raises(InvalidSpec) as err:
        optimize(encode(photo(), "PNG"), Spec(targets=()))
    assert err.value.code == "invalid_spec"
    assert isinstance(err.value, EngineError)
