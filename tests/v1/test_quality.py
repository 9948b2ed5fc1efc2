"""`quality`: `smart` (the default) or an encoder quality 1-100."""

import pytest

from tests.v1.conftest import compress, error, image


def test_a_lower_quality_gives_a_smaller_file(client, key, cluster):
    low, high = (len(image(compress(client, key, quality=q)).fp.getvalue()) for q in (20, 90))
    assert low < high


def test_smart_is_accepted(client, key, cluster):
    assert image(compress(client, key, quality="smart")).format == "JPEG"


@pytest.mark.parametrize("quality", ["0", "101", "high", "7.5"])
def test_a_quality_out_of_range_is_refused(client, key, quality):
    assert error(compress(client, key, quality=quality), 400, "invalid_param")["param"] == "quality"
