"""DNS rebinding: one resolution per hop, and the connect goes to the address that was checked."""

import pytest

from optimizer.fetch import FetchPolicy, fetch

from .conftest import pattern, serve

# Only 127.0.0.2 stands in for "public" here; 127.0.0.1 plays the internal target.
ONLY_SECOND = FetchPolicy(allow_cidrs=("127.0.0.2/32",), deadline_seconds=5)


@pytest.fixture(scope="module")
def second_origin():
    yield from serve("127.0.0.2")


class Rebinding:
    def __init__(self):
        self.calls = 0

    def __call__(self, host, port):
        self.calls += 1
        return ["127.0.0.2"] if self.calls == 1 else ["127.0.0.1"]


def test_the_checked_answer_is_the_one_connected_to(second_origin, origin):
    dns = Rebinding()
    got = fetch(second_origin.url("/bytes/7", host="public.test"), ONLY_SECOND, resolver=dns)
    assert got.data == pattern(7)
    assert dns.calls == 1
    assert [path for path, _ in second_origin.log] == ["/bytes/7"]
    assert origin.log == []
    second_origin.log.clear()


def test_each_redirect_hop_resolves_once_and_is_checked_again(second_origin, origin):
    dns = Rebinding()
    # The first hop lands on 127.0.0.2; the redirect's fresh answer is 127.0.0.1, which is refused.
    with pytest.raises(Exception, match="not a publicly reachable address") as caught:
        fetch(second_origin.url("/chain/1", host="public.test"), ONLY_SECOND, resolver=dns)
    assert caught.value.code == "forbidden_address"
    assert dns.calls == 2
    assert origin.log == []
    second_origin.log.clear()
