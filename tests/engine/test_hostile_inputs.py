"""Inputs that once escaped the engine as internal errors: each now ends in a Result or a typed error.

Every file is a real encoded image, then cut, patched or given chunks in an order its format forbids.
"""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from PIL import Image

from optimizer.engine import Format, Limits, Metadata, Mode, Spec, Target, optimize
from optimizer.engine.decode import decode, decoded_bytes, open_image
from optimizer.engine.errors import CorruptImage, ImageTooLarge, TruncatedImage
from tests import polyglots

from . import fuzzing
from .conftest import decoded, encode, photo
from .hostile import (
    exif_block,
    jpeg_with_an_out_of_range_coefficient,
    png_build,
    png_chunk,
    png_chunks,
    png_index,
    tiff_ifds,
    tiff_retag,
    ztxt,
)

LOSSLESS = Spec(targets=(Target(Mode.LOSSLESS),))
PNG_LOSSLESS = Spec(targets=(Target(Mode.LOSSLESS, Format.PNG),))


def small_png() -> bytes:
    return encode(photo(64, 48), "PNG")


def apng() -> bytes:
    frames = [photo(32, 24, seed=seed) for seed in range(3)]
    return encode(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=100)


# --- PNG: the EXIF lookup decodes the pixels (a PNG's eXIf may follow them) ------------------------


def test_half_a_png_is_truncated():
    data = small_png()
    with pytest.raises(TruncatedImage):
        optimize(data[: len(data) // 2], LOSSLESS)


def test_a_png_whose_idat_was_cut_is_truncated():
    chunks = png_chunks(small_png())
    at = png_index(chunks, b"IDAT")
    chunks[at] = (b"IDAT", chunks[at][1][: len(chunks[at][1]) // 2])  # checksum still right
    with pytest.raises(TruncatedImage):
        optimize(png_build(chunks), LOSSLESS)


def test_an_idat_claiming_2_gb_with_half_its_data_is_truncated():
    chunks = png_chunks(small_png())
    at = png_index(chunks, b"IDAT")
    body = chunks[at][1][: len(chunks[at][1]) // 2]
    data = png_build(chunks[:at]) + png_chunk(b"IDAT", body, length=0x7FFF_FFF0)
    with pytest.raises(TruncatedImage):
        optimize(data, LOSSLESS)


@pytest.mark.parametrize(
    "chunk",
    [ztxt(b"Comment", b"hello", method=1), ztxt(b"Comment", b"\0" * 2_000_000)],
    ids=["unknown compression", "text bomb"],
)
def test_a_bad_ztxt_after_idat_is_corrupt(chunk):
    chunks = png_chunks(small_png())
    chunks.insert(png_index(chunks, b"IDAT") + 1, chunk)
    with pytest.raises(CorruptImage):
        optimize(png_build(chunks), LOSSLESS)


def test_an_apng_of_zero_frames_without_pixels_is_corrupt():
    ihdr = png_chunks(small_png())[0]
    with pytest.raises(CorruptImage):
        optimize(png_build([ihdr, (b"acTL", struct.pack(">II", 0, 0)), (b"IEND", b"")]), LOSSLESS)


def test_an_apng_missing_an_fctl_is_corrupt():
    chunks = [chunk for chunk in png_chunks(apng()) if chunk[0] != b"fcTL"]
    with pytest.raises(CorruptImage):
        optimize(png_build(chunks), LOSSLESS)


# --- PNG: files Pillow reads whole but oxipng refuses ---------------------------------------------


@pytest.mark.parametrize("damage", ["no IEND", "IDAT length past the end"])
def test_a_png_oxipng_refuses_is_recompressed_from_its_pixels(damage):
    source = small_png()
    chunks = png_chunks(source)
    if damage == "no IEND":
        data = png_build(chunks[:-1])
    else:
        at = png_index(chunks, b"IDAT")
        data = png_build(chunks[:at]) + png_chunk(b"IDAT", chunks[at][1], length=0x7FFF_FFF0)
    variant = optimize(data, PNG_LOSSLESS).variants[0]
    assert variant.data is not None
    assert "re-encoded from its pixels" in variant.note
    assert np.array_equal(np.asarray(decoded(variant.data)), np.asarray(decoded(source)))


# --- EXIF -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("metadata", [Metadata.STRIP, Metadata.KEEP])
def test_an_orientation_stored_as_a_nan_rational_is_ignored(metadata):
    exif = exif_block([(0x0112, 5, 1, struct.pack("<II", 0, 0))])  # RATIONAL 0/0
    data = encode(photo(64, 48), "JPEG", exif=exif)
    result = optimize(data, Spec(targets=(Target(Mode.LOSSY), Target(Mode.LOSSLESS)), metadata=metadata))
    assert (result.width, result.height) == (64, 48)  # not turned
    assert all(variant.data is not None for variant in result.variants)


def test_exif_that_cannot_be_written_back_is_dropped_not_fatal():
    # XResolution given as text: Pillow reads it but cannot write it again.
    exif = exif_block([(0x011A, 2, 4, b"72\0\0"), (0x8298, 2, 6, b"Me\0\0\0\0")])
    data = encode(photo(64, 48), "JPEG", exif=exif)
    result = optimize(data, Spec(targets=(Target(Mode.LOSSY, Format.WEBP),), metadata=Metadata.KEEP))
    assert result.variants[0].data is not None
    assert not decoded(result.variants[0].data).getexif()


def test_a_bigtiff_keeps_its_pixels_when_its_directory_cannot_be_written_back_as_exif():
    data = encode(photo(64, 48), "TIFF", big_tiff=True)
    result = optimize(data, Spec(targets=(Target(Mode.LOSSLESS, Format.PNG),), metadata=Metadata.KEEP))
    assert result.variants[0].data is not None


# --- TIFF -----------------------------------------------------------------------------------------


def two_page_tiff(second: tuple[int, int] = (64, 48)) -> bytes:
    return encode(photo(64, 48), "TIFF", save_all=True, append_images=[photo(*second, seed=2)])


def test_a_tiff_page_without_dimensions_is_corrupt():
    data = two_page_tiff()
    data = tiff_retag(data, tiff_ifds(data)[1], 256, 0xFDE8)  # ImageWidth becomes a private tag
    with pytest.raises(CorruptImage):
        optimize(data, LOSSLESS)


def test_tiff_pages_of_another_size_are_left_out():
    result = optimize(two_page_tiff(second=(40, 30)), PNG_LOSSLESS)
    assert result.frames == 1
    assert result.variants[0].data is not None


# --- MPO and GIF ----------------------------------------------------------------------------------


def test_an_mpo_is_its_first_picture():
    data = encode(photo(64, 48), "MPO", save_all=True, append_images=[photo(32, 24, seed=2)])
    source = decode(data)
    assert len(source.frames) == 1 and source.image.size == (64, 48)
    result = optimize(data, Spec(targets=(Target(Mode.LOSSLESS), Target(Mode.LOSSLESS, Format.PNG))))
    assert result.source_format is Format.JPEG
    assert all(variant.data is not None for variant in result.variants)


def test_an_opaque_gif_of_exactly_256_colours_is_kept_exactly():
    image = Image.fromarray(np.arange(256, dtype=np.uint8).reshape(16, 16), "P")
    image.putpalette(bytes(channel for i in range(256) for channel in (i, 255 - i, (i * 7) % 256)))
    source = encode(image, "GIF")
    variant = optimize(source, LOSSLESS).variants[0]
    assert variant.format is Format.GIF and variant.data is not None
    assert np.array_equal(np.asarray(decoded(variant.data).convert("RGB")), np.asarray(image.convert("RGB")))


# --- decode memory --------------------------------------------------------------------------------


def test_decoded_bytes_are_estimated_from_the_header():
    def estimate(data: bytes) -> int:
        return decoded_bytes(open_image(data, Limits()))

    assert estimate(encode(photo(64, 48), "PNG")) == 64 * 48 * 3
    assert estimate(encode(photo(64, 48, mode="RGBA"), "PNG")) == 64 * 48 * 4
    assert estimate(encode(photo(64, 48).convert("P"), "GIF")) == 64 * 48 * 4  # RGBA until known opaque
    assert estimate(encode(Image.new("I;16", (64, 48)), "PNG")) == 64 * 48 * 2
    assert estimate(encode(Image.new("1", (64, 48)), "TIFF", compression="group4")) == 64 * 48
    assert estimate(apng()) == 3 * 32 * 24 * 3


def test_an_image_over_the_decode_limit_is_refused_before_decoding():
    data = encode(photo(64, 48), "PNG")
    with pytest.raises(ImageTooLarge) as err:
        optimize(data, LOSSLESS, Limits(max_decode_bytes=64 * 48 * 3 - 1))
    assert err.value.code == "image_too_large"
    assert optimize(data, LOSSLESS, Limits(max_decode_bytes=64 * 48 * 3)).variants


def test_a_jpeg_coefficient_out_of_range_does_not_end_the_worker():
    # libjpeg ends the process on it: the lossless transcode runs in a child of its own
    outcomes = fuzzing.run([("out-of-range DC", jpeg_with_an_out_of_range_coefficient())], "cheap", workers=1)
    assert not fuzzing.undocumented(outcomes), outcomes
    with pytest.raises(CorruptImage):
        optimize(jpeg_with_an_out_of_range_coefficient(), LOSSLESS)


@pytest.mark.parametrize("policy", [Metadata.STRIP, Metadata.KEEP])
def test_a_lossless_jpeg_carries_no_comment_even_when_metadata_is_kept(policy):
    source = polyglots.jpeg()
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    image = Image.open(io.BytesIO(source))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality="keep", exif=exif.tobytes(), comment=polyglots.MARKER)
    (variant,) = optimize(buffer.getvalue(), Spec(targets=(Target(Mode.LOSSLESS),), metadata=policy)).variants
    assert polyglots.MARKER not in variant.data
    assert polyglots.same_pixels(variant.data, buffer.getvalue())
    kept = Image.open(io.BytesIO(variant.data)).getexif().get(0x010F)
    assert kept == ("Camera maker" if policy is Metadata.KEEP else None)
