"""500 compression_failed: an internal failure or a poison input; never charged."""

import pytest

from reducer.v1.errors import from_item


@pytest.mark.parametrize("code", ["internal_error", "poison_input", "something_new"])
def test_internal_failures_are_500(code):
    error = from_item(code, "")
    assert (error.status_code, error.code) == (500, "compression_failed") and error.message
