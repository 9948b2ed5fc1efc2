"""403 origin_not_allowed: the code is in the table, mapped from items refused for their origin."""

from reducer.v1.errors import STATUS, from_item


def test_origin_refusals_are_403():
    error = from_item("origin_not_allowed", "This account may not fetch from example.com.")
    assert (error.status_code, error.code) == (403, "origin_not_allowed") and STATUS["origin_not_allowed"] == 403
