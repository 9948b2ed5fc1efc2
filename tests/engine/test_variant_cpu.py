"""Each variant reports the CPU seconds spent making it, so the service can count CPU per variant kind;
the shared decode is counted in none, so together they stay within the whole call's CPU."""

import time
from pathlib import Path

from optimizer.engine import Format, Mode, Spec, Target, optimize

from .conftest import encode, photo

SOURCE_BYTES = encode(photo(160, 120), "PNG")


def test_each_variant_reports_its_own_cpu_seconds():
    spec = Spec(targets=(Target(Mode.LOSSY, Format.JPEG), Target(Mode.GLOSSY, Format.WEBP), Target(Mode.LOSSLESS)))
    started = time.process_time()
    variants = optimize(SOURCE_BYTES, spec).variants
    whole = time.process_time() - started
    assert [(v.target.mode, v.format) for v in variants] == [
        (Mode.LOSSY, Format.JPEG),
        (Mode.GLOSSY, Format.WEBP),
        (Mode.LOSSLESS, Format.PNG),
    ]
    assert all(variant.cpu_seconds > 0 for variant in variants)
    assert sum(variant.cpu_seconds for variant in variants) <= whole


def test_each_variant_reports_the_calls_it_made_and_a_repeat_reuses_them():
    spec = Spec(targets=(Target(Mode.LOSSY, Format.JPEG), Target(Mode.LOSSY, Format.JPEG), Target(Mode.LOSSLESS)))
    searched, repeated, lossless = optimize(SOURCE_BYTES, spec).variants
    # a small image is probed whole, so its probes are its verifications: a bracketing search, then the
    # chosen setting encoded once for good
    assert searched.work.probes >= 2 and searched.work.encodes >= 1 and searched.work.verifications == 0
    assert searched.work.metric_calls == searched.work.probes
    assert repeated.work.metric_calls == repeated.work.encodes == 0  # every probe and encode was cached
    assert (lossless.work.probes, lossless.work.encodes, lossless.work.verifications) == (0, 1, 0)


def test_webp_offsets_do_not_aim_the_avif_search(wider_corpus: Path):
    # On this photo WebP's sample tiles read 2.7-4.4 points above its every pixel, AVIF's 1.2: aimed by
    # WebP's offsets, the AVIF search verified a setting well above the floor and paid a second full
    # encode to step down. After WebP it now makes the calls it makes alone, and the same file.
    data = (wider_corpus / "w01_picture1a_progressive_444.jpg").read_bytes()
    (alone,) = optimize(data, Spec(targets=(Target(Mode.LOSSY, Format.AVIF),))).variants
    webp, after = optimize(
        data, Spec(targets=(Target(Mode.LOSSY, Format.WEBP), Target(Mode.LOSSY, Format.AVIF)))
    ).variants
    assert webp.work.verifications >= 2  # WebP's own first aim falls short: it learns its offset
    assert after.data == alone.data
    assert after.work == alone.work
    assert alone.work.encodes == 1


def test_webp_aimed_by_the_jpeg_offsets_allows_for_its_tiles_reading_higher(wider_corpus: Path):
    # mozjpeg's tiles read 0.36 above every pixel on this photo, WebP's 0.85: aimed by mozjpeg's offset
    # alone, WebP verified q72 (69.59), stepped up to q76 and back down to q74, three full encodes.
    data = (wider_corpus / "w17_elephants_2mp.jpg").read_bytes()
    _, webp = optimize(data, Spec(targets=(Target(Mode.LOSSY), Target(Mode.LOSSY, Format.WEBP)))).variants
    assert (webp.work.encodes, webp.work.verifications) == (1, 1)
    assert webp.score >= 70.0
