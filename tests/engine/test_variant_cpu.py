"""Each variant reports the CPU seconds spent making it, so the service can count CPU per variant kind;
the shared decode is counted in none, so together they stay within the whole call's CPU."""

import time

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
