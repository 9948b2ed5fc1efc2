"""Which stored file answers a request: the optimized image is never worse than the lossless one,
conversions asked for are always files of their format, and small savings are free."""

from types import SimpleNamespace

import pytest

from optimizer import results
from optimizer.engine import Format, Mode, Spec, Target

LOSSY_SET = Spec(targets=(Target(Mode.LOSSY), Target(Mode.LOSSLESS), Target(Mode.LOSSY, Format.WEBP)))
WEBP_ONLY = Spec(targets=(Target(Mode.LOSSY, Format.WEBP),))


def row(name: str, size: int, smaller: bool = True, stored: bool = True):
    return SimpleNamespace(name=name, size=size, smaller=smaller, storage_name=f"results/{name}" if stored else "")


def test_the_lossless_file_answers_when_the_lossy_one_is_not_smaller_than_the_source():
    variants = results.by_name([row("lossy-original", 0, smaller=False, stored=False), row("lossless-original", 900)])
    assert results.optimized(LOSSY_SET, variants).name == "lossless-original"


def test_the_lossless_file_answers_when_it_is_smaller_than_the_lossy_one():
    variants = results.by_name([row("lossy-original", 950), row("lossless-original", 900)])
    assert results.optimized(LOSSY_SET, variants).name == "lossless-original"
    variants = results.by_name([row("lossy-original", 500), row("lossless-original", 900)])
    assert results.optimized(LOSSY_SET, variants).name == "lossy-original"


def test_nothing_smaller_leaves_the_original():
    variants = results.by_name([row("lossy-original", 0, False, False), row("lossless-original", 0, False, False)])
    assert results.optimized(LOSSY_SET, variants) is None


def test_a_conversion_answers_even_when_it_is_larger_than_the_source():
    variants = results.by_name([row("lossy-webp", 5000, smaller=False)])
    assert results.conversion(LOSSY_SET, variants, Format.WEBP).size == 5000
    assert results.conversion(LOSSY_SET, {}, Format.WEBP) is None  # the format could not hold the image


@pytest.mark.parametrize(
    ("spec", "variants", "charged"),
    [
        (LOSSY_SET, [row("lossy-original", 949)], True),
        (LOSSY_SET, [row("lossy-original", 951)], False),
        (LOSSY_SET, [row("lossy-original", 990), row("lossless-original", 940)], True),
        (LOSSY_SET, [row("lossy-webp", 100)], False),  # the image itself was not made smaller
        (WEBP_ONLY, [row("lossy-webp", 100)], True),  # a request for only WebP is judged by the WebP
        (WEBP_ONLY, [row("lossy-webp", 1200, smaller=False)], False),
    ],
)
def test_an_image_is_charged_only_when_its_main_answer_saves_five_percent(settings, spec, variants, charged):
    settings.REDUCER_MIN_CHARGED_SAVINGS = 5.0
    assert results.chargeable(spec, variants, original_size=1000) is charged


def test_a_request_for_fewer_targets_is_covered_by_an_item_that_makes_more():
    assert results.covers(LOSSY_SET, WEBP_ONLY)
    assert not results.covers(WEBP_ONLY, LOSSY_SET)
