"""Compressed bodies are inflated in bounded steps: a gzip bomb stops at the cap."""

import zlib

import pytest

from optimizer.fetch import DownloadFailed, FetchPolicy, TooLarge, fetch

from .conftest import BOMB_INFLATED, LOOPBACK, pattern

CAP = 1024 * 1024
REAL_DECOMPRESSOBJ = zlib.decompressobj


@pytest.mark.parametrize("route", ["/gzip/300000", "/deflate/300000"])
def test_compressed_body_is_inflated(origin, route):
    assert fetch(origin.url(route), LOOPBACK).data == pattern(300000)


def test_gzip_bomb_stops_at_the_cap_without_inflating_it_all(origin, monkeypatch):
    inflated = []

    class Spy:
        def __init__(self, wbits):
            self._real = REAL_DECOMPRESSOBJ(wbits)

        def decompress(self, data, max_length=0):
            assert 0 < max_length <= CAP + 1  # never asked for more than the room left
            out = self._real.decompress(data, max_length)
            inflated.append(len(out))
            return out

        def __getattr__(self, name):
            return getattr(self._real, name)

    monkeypatch.setattr(zlib, "decompressobj", Spy)
    policy = FetchPolicy(allow_cidrs=("127.0.0.0/8",), deadline_seconds=5, max_bytes=CAP)
    assert len(origin.bomb) < CAP < BOMB_INFLATED  # small on the wire, huge inflated
    with pytest.raises(TooLarge):
        fetch(origin.url("/bomb"), policy)
    assert CAP < sum(inflated) <= CAP + 1


def test_corrupt_gzip_fails(origin):
    with pytest.raises(DownloadFailed, match="corrupt compressed body"):
        fetch(origin.url("/encoded?as=gzip"), LOOPBACK)
