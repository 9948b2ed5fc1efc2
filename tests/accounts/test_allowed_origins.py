"""Per-account source domains: none listed allows any source; a listed domain allows its subdomains."""

import pytest

from accounts import origins
from accounts.models import AllowedOrigin


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://example.com/a.jpg", True),
        ("https://cdn.example.com/a.jpg", True),
        ("http://EXAMPLE.com.:8080/a.jpg", True),
        ("https://notexample.com/a.jpg", False),
        ("https://example.com.evil.net/a.jpg", False),
        ("https://other.org/a.jpg", False),
        ("not a url", False),
    ],
)
def test_listed_domains_and_their_subdomains_are_allowed(make_account, url, allowed):
    account, _ = make_account()
    AllowedOrigin.objects.create(account=account, domain=" Example.COM. ")
    assert origins.rule(account.pk)(url) is allowed


def test_an_account_without_rules_allows_every_source(make_account):
    account, _ = make_account()
    assert origins.rule(account.pk)("https://anything.example/a.jpg")
