"""The byte cap: a declared length over it refuses before reading, a streamed body stops at it."""

import time

import pytest

from optimizer.fetch import FetchPolicy, TooLarge, fetch

from .conftest import pattern

CAP = 100_000
CAPPED = FetchPolicy(allow_cidrs=("127.0.0.0/8",), deadline_seconds=5, max_bytes=CAP)


def test_body_at_the_cap_is_accepted(origin):
    assert fetch(origin.url(f"/bytes/{CAP}"), CAPPED).data == pattern(CAP)


@pytest.mark.parametrize("route", [f"/bytes/{CAP + 1}", "/chunked/5000000", "/stream/5000000"])
def test_body_over_the_cap_is_refused(origin, route):
    with pytest.raises(TooLarge) as caught:
        fetch(origin.url(route), CAPPED)
    assert caught.value.code == "too_large"
    assert caught.value.message == "The file at 127.0.0.1 is larger than 100000 bytes."


def test_declared_length_over_the_cap_is_refused_before_reading(origin):
    # The server holds the connection open for 2 s after the headers: reading would wait for it.
    started = time.monotonic()
    with pytest.raises(TooLarge):
        fetch(origin.url("/huge-length"), CAPPED)
    assert time.monotonic() - started < 1


def test_default_cap_is_50_mib_and_the_message_reads_well(origin):
    assert FetchPolicy().max_bytes == 50 * 1024 * 1024
    mib = FetchPolicy(allow_cidrs=("127.0.0.0/8",), max_bytes=1024 * 1024)
    with pytest.raises(TooLarge, match=r"larger than 1 MiB\.$"):
        fetch(origin.url("/stream/2000000"), mib)
