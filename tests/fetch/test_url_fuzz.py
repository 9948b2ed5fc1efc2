"""URL parsing never fails with anything but the library's refusals, whatever text arrives:
broken IPv6 brackets, lone surrogates (JSON can carry them), bad ports, odd hosts. ``fetch`` and
``post`` parse with the same code; they are not fuzzed here because a random numeric host can be
a public address, and tests never dial one."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.fetch import FetchError, FetchPolicy, check_url

# Pieces that exercise the parser's corners, glued together in any order.
PIECES = [
    "http://", "https://", "HTTP://", "ftp://", "//", "[", "]", "[::1", "::1]", "[::1]", "[v1.x]", "::ffff:",
    "@", ":", "/", "?", "#", "%", "%2e", "%25", "%00", ".", "..", "0x", "0", "07", "127", "255", "256",
    "4294967296", "99999", "a", "é", "ß", "\u3002", "\uff0e", "\u200b", "xn--", "xn--zz", "\\", " ", "\t",
    "\x00", "\ud800", "\udfff", "fe80::1%eth0", "1.2.3.4", "example.com", "user:pw",
]  # fmt: skip
urls = st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=12).map("".join)
FUZZ = settings(max_examples=1500, deadline=None, database=None, derandomize=True)


@FUZZ
@given(urls)
def test_check_url_raises_only_refusals(url):
    try:
        check_url(url, FetchPolicy())
    except FetchError as refused:
        assert refused.code in {"invalid_url", "forbidden_address"}
        assert refused.message


@pytest.mark.parametrize("url", ["http://[::1/", "http://[::1/a.png", "https://[fe80::1", "http://]/", "http://\ud800/"])
def test_known_breakers_are_invalid_url(url):
    with pytest.raises(FetchError) as caught:
        check_url(url, FetchPolicy())
    assert caught.value.code == "invalid_url"
