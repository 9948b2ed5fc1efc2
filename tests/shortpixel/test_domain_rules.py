"""-108: an account that lists its source domains gets nothing fetched from others."""

from accounts.models import AllowedOrigin
from tests.conftest import photo_bytes
from tests.shortpixel.client import codes, reducer


def test_urls_outside_the_accounts_domains_are_minus_108(web, cluster, origin, make_account):
    account, key = make_account()
    AllowedOrigin.objects.create(account=account, domain="127.0.0.1")
    inside = origin.serve("/inside.jpg", photo_bytes(120, 90))
    outside = inside.replace("127.0.0.1", "localhost")
    assert codes(reducer(web, key, [inside, outside], wait=25)) == ["2", "-108"]
    assert account.items.count() == 1
