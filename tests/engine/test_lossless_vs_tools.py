"""Lossless variants are never larger than the plain tools' output, keep every pixel, and keep a colour
profile exactly when it changes how the image looks."""

import io

import mozjpeg_lossless_optimization as mlo
import numpy as np
import oxipng
import pytest
import pyvips
from PIL import Image, ImageCms

from optimizer.engine import Format, Metadata, Mode, Spec, Target, optimize
from optimizer.engine.metadata import is_srgb

from .conftest import decoded, encode, photo

LOSSLESS = Spec(targets=(Target(Mode.LOSSLESS),))


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _tag_offset(profile: bytes, signature: bytes) -> int:
    for entry in range(int.from_bytes(profile[128:132], "big")):
        at = 132 + 12 * entry
        if profile[at : at + 4] == signature:
            return int.from_bytes(profile[at + 4 : at + 8], "big")
    raise KeyError(signature)


def wide_gamut_profile() -> bytes:
    """sRGB with Adobe RGB's red primary, still named "sRGB built-in": its name says sRGB, its colours do not."""
    profile = srgb_profile()
    at = _tag_offset(profile, b"rXYZ") + 8  # after the XYZ type signature and reserved bytes
    red = b"".join(round(v * 65536).to_bytes(4, "big", signed=True) for v in (0.6097, 0.3111, 0.0195))
    return profile[:at] + red + profile[at + 12 :]


def renamed_srgb_profile() -> bytes:
    """sRGB under a name without "sRGB" in it, as compact sRGB profiles are ("c2")."""
    return srgb_profile().replace("sRGB".encode("utf-16-be"), "c2  ".encode("utf-16-be"))


def profile_of(data: bytes) -> bytes | None:
    return decoded(data).info.get("icc_profile") or None


def same_pixels(a: bytes, b: bytes) -> bool:
    first, second = decoded(a), decoded(b)
    mode = "RGBA" if "A" in first.mode + second.mode or "transparency" in first.info else "RGB"
    return np.array_equal(np.asarray(first.convert(mode)), np.asarray(second.convert(mode)))


def test_srgb_is_judged_by_colours_not_by_name():
    assert is_srgb(srgb_profile()) and is_srgb(renamed_srgb_profile()) and is_srgb(None)
    assert not is_srgb(wide_gamut_profile())
    assert not is_srgb(ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes())
    assert not is_srgb(b"not a profile")


@pytest.mark.parametrize(("profile", "kept"), [(renamed_srgb_profile(), False), (wide_gamut_profile(), True)])
def test_jpeg_lossless_is_no_larger_than_jpegtran_and_keeps_only_a_profile_that_matters(profile, kept):
    data = encode(photo(160, 120), "JPEG", quality=92, icc_profile=profile)
    out = optimize(data, LOSSLESS).variants[0].data
    tool = mlo.optimize(data, mlo.COPY_MARKERS.ICC if kept else mlo.COPY_MARKERS.NONE)
    assert len(out) <= len(tool)
    assert same_pixels(out, data)
    assert profile_of(out) == (profile if kept else None)


@pytest.mark.parametrize(("profile", "kept"), [(renamed_srgb_profile(), False), (wide_gamut_profile(), True)])
def test_png_lossless_is_no_larger_than_oxipng_safe_and_keeps_only_a_profile_that_matters(profile, kept):
    data = encode(photo(96, 64), "PNG", icc_profile=profile)
    out = optimize(data, LOSSLESS).variants[0].data
    tool = oxipng.optimize_from_memory(data, level=2, strip=oxipng.StripChunks.safe())
    assert len(out) < len(tool) if not kept else len(out) <= len(tool)
    assert same_pixels(out, data)
    assert profile_of(out) == (profile if kept else None)


def test_png_lossless_keeps_an_srgb_profile_when_metadata_is_kept():
    data = encode(photo(96, 64), "PNG", icc_profile=renamed_srgb_profile())
    out = optimize(data, Spec(targets=(Target(Mode.LOSSLESS),), metadata=Metadata.KEEP)).variants[0].data
    assert profile_of(out) == renamed_srgb_profile()


def test_interlaced_png_loses_its_interlacing():
    interlaced = pyvips.Image.new_from_buffer(encode(photo(96, 64), "PNG"), "").pngsave_buffer(interlace=True)
    out = optimize(interlaced, LOSSLESS).variants[0].data
    assert interlaced[28] == 1 and out[28] == 0  # IHDR interlace method
    assert len(out) <= len(oxipng.optimize_from_memory(interlaced, level=2, strip=oxipng.StripChunks.safe()))
    assert same_pixels(out, interlaced)


def test_gif_to_png_lossless_is_no_larger_than_oxipng_on_its_png():
    frame = photo(80, 60).quantize(32)
    data = encode(frame, "GIF")
    buf = io.BytesIO()
    Image.open(io.BytesIO(data)).save(buf, "PNG")
    tool = oxipng.optimize_from_memory(buf.getvalue(), level=2, strip=oxipng.StripChunks.safe())
    out = optimize(data, Spec(targets=(Target(Mode.LOSSLESS, Format.PNG),))).variants[0].data
    assert len(out) <= len(tool)
    assert same_pixels(out, data)


def test_cmyk_jpeg_transcode_keeps_its_own_profile():
    profile = wide_gamut_profile()  # any profile: decoding falls back to Pillow's formula for one it cannot use
    data = encode(photo(96, 64).convert("CMYK"), "JPEG", quality=92, icc_profile=profile)
    out = optimize(data, LOSSLESS).variants[0].data
    assert decoded(out).mode == "CMYK" and profile_of(out) == profile


def test_apng_lossless_is_no_larger_than_oxipng_and_keeps_every_frame():
    frames = [photo(64, 48, seed=seed, mode="RGBA") for seed in (1, 2, 3)]
    buf = io.BytesIO()
    frames[0].save(buf, "PNG", save_all=True, append_images=frames[1:], duration=[100, 200, 300], loop=0)
    data = buf.getvalue()
    out = optimize(data, LOSSLESS).variants[0].data
    assert len(out) <= len(oxipng.optimize_from_memory(data, level=2, strip=oxipng.StripChunks.safe()))
    source, result = Image.open(io.BytesIO(data)), Image.open(io.BytesIO(out))
    assert result.n_frames == 3
    for index in range(3):
        source.seek(index)
        result.seek(index)
        assert result.info["duration"] == source.info["duration"]
        assert np.array_equal(np.asarray(result.convert("RGBA")), np.asarray(source.convert("RGBA")))


@pytest.mark.parametrize("policy", [Metadata.STRIP, Metadata.KEEP])
def test_sixteen_bit_png_with_an_orientation_is_turned_upright_at_full_depth(policy):
    values = np.arange(48 * 64 * 3, dtype=np.uint16).reshape(48, 64, 3) * 7
    image = pyvips.Image.new_from_memory(values.tobytes(), 64, 48, 3, "ushort").copy(interpretation="rgb16")
    image.set_type(pyvips.GValue.gint_type, "orientation", 6)  # shown turned 90° clockwise
    data = image.pngsave_buffer(keep=pyvips.enums.ForeignKeep.EXIF)
    assert decoded(data).getexif()[0x0112] == 6
    out = optimize(data, Spec(targets=(Target(Mode.LOSSLESS),), metadata=policy)).variants[0].data
    assert out[24] == 16  # IHDR bit depth
    assert np.array_equal(pyvips.Image.new_from_buffer(out, "").numpy(), np.rot90(values, -1))
    assert decoded(out).getexif().get(0x0112, 1) == 1
