"""Every engine, fetcher and lifecycle code maps to a row of the v1 error table."""

import pytest

from reducer.v1.errors import ITEM_ERRORS, STATUS, from_item

EXPECTED = {
    "unsupported_format": 415,
    "corrupt_image": 415,
    "truncated_image": 415,
    "image_too_large": 413,
    "decompression_bomb": 413,
    "target_unreachable": 422,
    "invalid_spec": 400,
    "invalid_url": 400,
    "forbidden_address": 422,
    "download_failed": 422,
    "timeout": 422,
    "processing_timeout": 422,
    "too_large": 413,
    "poison_input": 500,
    "internal_error": 500,
    "s3_write_failed": 502,
}


@pytest.mark.parametrize(("code", "status"), EXPECTED.items())
def test_each_item_error_has_its_status(code, status):
    assert from_item(code, "why").status_code == status
    assert ITEM_ERRORS[code] in STATUS
