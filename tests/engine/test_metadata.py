"""Orientation, EXIF/XMP policies, one ICC policy everywhere, CMYK."""

import io

import numpy as np
import pytest
from PIL import Image, ImageCms

from optimizer.engine import Format, Metadata, Mode, Spec, Target, optimize

from .conftest import decoded, encode, photo

COPYRIGHT, MAKE, ORIENTATION = 0x8298, 0x010F, 0x0112


def jpeg_with_exif(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[COPYRIGHT] = "(c) Someone"
    exif[MAKE] = "Camera"
    return encode(photo(320, 200), "JPEG", quality=92, exif=exif.tobytes())


def test_exif_orientation_is_applied_first():
    spec = Spec(targets=(Target(Mode.LOSSY), Target(Mode.LOSSY, Format.WEBP)))
    result = optimize(jpeg_with_exif(orientation=6), spec)
    assert (result.width, result.height) == (200, 320)
    for variant in result.variants:
        im = decoded(variant.data)
        assert im.size == (200, 320)
        assert im.getexif().get(ORIENTATION, 1) == 1


def test_lossless_jpeg_keeps_orientation_tag_since_pixels_are_not_rotated():
    variant = optimize(jpeg_with_exif(orientation=6), Spec(targets=(Target(Mode.LOSSLESS),))).variants[0]
    assert decoded(variant.data).getexif()[ORIENTATION] == 6
    assert MAKE not in decoded(variant.data).getexif()


@pytest.mark.parametrize("fmt", [Format.JPEG, Format.WEBP, Format.AVIF, Format.PNG])
def test_strip_keep_and_copyright(fmt):
    data = jpeg_with_exif()
    exifs = {}
    for policy in Metadata:
        variant = optimize(data, Spec(targets=(Target(Mode.LOSSY, fmt),), metadata=policy, quality=80)).variants[0]
        exifs[policy] = decoded(variant.data).getexif()
    assert not exifs[Metadata.STRIP]
    assert exifs[Metadata.KEEP][MAKE] == "Camera" and exifs[Metadata.KEEP][COPYRIGHT] == "(c) Someone"
    assert exifs[Metadata.COPYRIGHT][COPYRIGHT] == "(c) Someone" and MAKE not in exifs[Metadata.COPYRIGHT]




@pytest.mark.parametrize("fmt", [Format.JPEG, Format.WEBP, Format.AVIF, Format.PNG])
def test_non_srgb_icc_profile_travels_into_every_format(fmt, corpus):
    data = (corpus / "p07_rocket.jpg").read_bytes()  # Adobe RGB profile
    icc = Image.open(io.BytesIO(data)).info["icc_profile"]
    for mode in (Mode.LOSSY, Mode.LOSSLESS):
        variant = optimize(data, Spec(targets=(Target(mode, fmt),))).variants[0]
        if variant.data is not None:
            assert decoded(variant.data).info.get("icc_profile") == icc, (fmt, mode)


def test_srgb_profile_is_dropped_when_stripping():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(photo(), "JPEG", quality=92, icc_profile=srgb)
    variant = optimize(data, Spec(targets=(Target(Mode.LOSSY, Format.WEBP),))).variants[0]
    assert not decoded(variant.data).info.get("icc_profile")


def test_cmyk_becomes_rgb_with_the_same_look():
    rgb = photo()
    data = encode(rgb.convert("CMYK"), "JPEG", quality=95)
    for variant in optimize(data, Spec(targets=(Target(Mode.LOSSY), Target(Mode.LOSSY, Format.WEBP)))).variants:
        out = decoded(variant.data)
        assert out.mode == "RGB"
        diff = np.abs(np.asarray(out, np.int16) - np.asarray(decoded(data).convert("RGB"), np.int16))
        assert diff.mean() < 6
