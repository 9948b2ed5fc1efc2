"""Account-level refusals are one top-level Status object: -401 for keys, -403 without credits;
nothing is charged for refused or failed work."""

import pytest

from accounts import keys
from accounts.models import ApiKey, Plan
from tests.shortpixel.client import codes, photos, reducer


@pytest.mark.parametrize("bad_key", ["", "short", "B" * 20])
def test_a_missing_malformed_or_unknown_key_is_minus_401(web, origin, make_account, bad_key):
    make_account()
    answer = reducer(web, bad_key, photos(origin, 1, prefix="/key"))
    assert answer["Status"]["Code"] == "-401" and answer["Status"]["Message"]


def test_a_revoked_key_is_minus_401(web, origin, make_account):
    _, key = make_account()
    keys.revoke(ApiKey.objects.get(digest=keys.digest(key)))
    answer = reducer(web, key, photos(origin, 1, prefix="/revoked"))
    assert answer["Status"] == {"Code": "-401", "Message": "The API key has been revoked."}


def test_no_credits_left_is_minus_403_and_creates_nothing(web, origin, make_account):
    account, key = make_account(monthly_quota=0)
    answer = reducer(web, key, photos(origin, 2, prefix="/broke"))
    assert answer["Status"]["Code"] == "-403"
    assert not account.items.exists()


def test_credits_running_out_mid_batch_refuse_only_the_rest(web, cluster, origin, make_account):
    account, key = make_account(monthly_quota=1)
    results = reducer(web, key, photos(origin, 2, prefix="/half"), wait=25)
    assert codes(results) == ["2", "-403"]
    plan = Plan.objects.get(account=account)
    assert (plan.monthly_used, plan.reserved) == (1, 0)
