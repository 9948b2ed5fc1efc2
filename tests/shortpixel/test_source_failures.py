"""Per-image failures carry their documented code; failed work is never charged."""

import pytest

from accounts.models import CreditEntry
from tests.conftest import FETCH_DEADLINE, MAX_BYTES, photo_bytes
from tests.shortpixel.client import codes, reducer


@pytest.fixture
def sources(origin):
    good = photo_bytes(160, 120)
    return {
        "dead link": (origin.url("/nowhere.jpg"), "-203"),
        "not an image": (origin.serve("/notes.txt", b"just some text, no pixels here" * 10), "-202"),
        "broken image": (origin.serve("/broken.jpg", good[: len(good) // 3]), "-201"),
        "too slow": (origin.serve("/slow.jpg", good, delay=FETCH_DEADLINE + 2), "-204"),
        "too big": (origin.serve("/big.jpg", b"\xff\xd8" + b"\0" * (MAX_BYTES + 1)), "-111"),
        "not http": ("ftp://127.0.0.1/image.jpg", "-102"),
        "private address": ("http://10.0.0.1/image.jpg", "-106"),
        "cloud metadata": ("http://169.254.169.254/latest/meta-data/", "-106"),
        "ipv6 loopback": ("http://[::1]/image.jpg", "-106"),
        "loopback as mapped ipv6": ("http://[::ffff:127.0.0.1]/image.jpg", "-106"),
    }


def test_each_failure_has_its_code_and_costs_nothing(web, cluster, make_account, sources):
    account, key = make_account()
    urls = [url for url, _ in sources.values()]
    results = reducer(web, key, urls, wait=25)
    if "1" in codes(results):  # the slow source takes its whole deadline
        results = reducer(web, key, urls, wait=25)
    got = dict(zip(sources, codes(results), strict=True))
    assert got == {name: code for name, (_, code) in sources.items()}
    assert all(result["Status"]["Message"] for result in results)
    assert not CreditEntry.objects.filter(account=account, kind="settle").exists()
