"""Result files stop being served once their account is disabled, and come back when it is enabled."""

import requests

from accounts.models import Account
from tests.shortpixel.client import codes, download, photos, poll


def test_result_files_of_a_disabled_account_are_not_served(web, cluster, origin, make_account):
    account, key = make_account()
    done = poll(web, key, photos(origin, 1, prefix="/disabled-results"))
    assert codes(done) == ["2"]
    url = done[0]["LossyURL"]
    assert download(url).content

    Account.objects.filter(pk=account.pk).update(is_active=False)
    assert requests.get(url, timeout=30).status_code == 404
    Account.objects.filter(pk=account.pk).update(is_active=True)
    assert download(url).content
