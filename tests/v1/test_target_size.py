"""`target_size`: the largest quality that fits the budget, or 422 when even the lowest does not."""

import pytest

from reducer.v1.parsing import parse_size
from tests.v1.conftest import compress, error, image


def test_the_result_fits_the_budget(client, key, cluster):
    response = compress(client, key, target_size="12KB")
    assert len(image(response).fp.getvalue()) <= 12 * 1024
    assert int(response["X-Compressed-Size"]) <= 12 * 1024


def test_an_unreachable_budget_is_422_and_not_charged(client, key, cluster):
    from accounts.models import Plan

    error(compress(client, key, target_size="100"), 422, "target_unreachable")
    assert Plan.objects.get().monthly_used == 0


@pytest.mark.parametrize(
    ("text", "size"), [("auto", None), ("20480", 20480), ("20KB", 20480), ("1.5MB", 1572864), ("300 kb", 307200)]
)
def test_sizes_are_read_in_every_spelling(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["big", "-5", "1.5", "0", "2GB"])
def test_a_bad_size_is_refused(client, key, text):
    assert error(compress(client, key, target_size=text), 400, "invalid_param")["param"] == "target_size"


def test_quality_and_target_size_together_are_refused(client, key):
    assert error(compress(client, key, quality=50, target_size="10KB"), 400, "invalid_param")["param"] == "target_size"
