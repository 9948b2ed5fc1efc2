"""API keys: 20 alphanumerics, stored only as a digest, shown once, revocable, last use noted."""

import re

import pytest
from django.db import connection

from accounts import keys
from accounts.models import ApiKey


def test_a_key_is_20_letters_and_digits_and_stored_only_as_its_digest(make_account):
    account, plain = make_account()
    assert re.fullmatch(r"[A-Za-z0-9]{20}", plain)
    stored = ApiKey.objects.get(account=account)
    assert stored.digest == keys.digest(plain) != plain
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apikey")
        assert not any(plain in str(value) for row in cursor.fetchall() for value in row)


def test_the_key_authenticates_its_account_and_notes_its_use(make_account):
    account, plain = make_account()
    assert keys.authenticate(plain) == account
    assert ApiKey.objects.get(account=account).last_used_at is not None


@pytest.mark.parametrize(
    ("presented", "reason"),
    [(None, "missing"), ("", "missing"), ("short", "malformed"), ("a" * 19 + "!", "malformed"), ("A" * 20, "unknown")],
)
def test_bad_keys_are_refused_with_a_reason(make_account, presented, reason):
    make_account()
    with pytest.raises(keys.KeyRejected) as refused:
        keys.authenticate(presented)
    assert refused.value.reason == reason
    assert refused.value.message


def test_a_revoked_key_is_refused_and_the_other_keys_still_work(make_account):
    account, plain = make_account()
    _, second = keys.issue(account)
    keys.revoke(ApiKey.objects.get(digest=keys.digest(plain)))
    with pytest.raises(keys.KeyRejected) as refused:
        keys.authenticate(plain)
    assert refused.value.reason == "revoked"
    assert keys.authenticate(second) == account


def test_a_disabled_account_is_refused(make_account):
    account, plain = make_account()
    account.is_active = False
    account.save()
    with pytest.raises(keys.KeyRejected) as refused:
        keys.authenticate(plain)
    assert refused.value.reason == "inactive"
