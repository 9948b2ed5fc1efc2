"""Rotating the secret key: secrets sealed under the old key still open while it is listed in
SECRET_KEY_FALLBACKS; `manage.py reseal_secrets` re-seals every stored one under the new key, after
which the new key alone opens them."""

import io

import pytest
from cryptography.fernet import InvalidToken
from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts import origins, sealing, signing_secrets
from accounts.models import S3Target, SigningSecret, SourceCredential
from optimizer.models import Item
from tests.optimizer.helpers import submit_upload

OLD, NEW = "old-secret-key-" + "o" * 40, "new-secret-key-" + "n" * 40
before_rotation = override_settings(SECRET_KEY=OLD, SECRET_KEY_FALLBACKS=[])
during_rotation = override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD])
after_rotation = override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[])


def stored_secrets() -> list[str]:
    return [
        *SourceCredential.objects.values_list("password", flat=True),
        *SigningSecret.objects.values_list("secret", flat=True),
        *S3Target.objects.values_list("secret_access_key", flat=True),
        *Item.objects.exclude(source_auth="").values_list("source_auth", flat=True),
    ]


def test_a_secret_sealed_under_the_old_key_opens_during_rotation():
    with before_rotation:
        sealed = sealing.seal("hunter2")
    with during_rotation:
        assert sealing.unseal(sealed) == "hunter2"
        fresh = sealing.seal("fresh")
    with after_rotation:
        assert sealing.unseal(fresh) == "fresh"  # new secrets are sealed under the new key
        with pytest.raises(InvalidToken):
            sealing.unseal(sealed)


def test_reseal_secrets_moves_every_stored_secret_to_the_new_key(make_account, monkeypatch):
    monkeypatch.setattr("optimizer.services.enqueue", lambda *args: None)  # nobody works on the item
    account, _ = make_account()
    with before_rotation:
        origins.set_credential(account.pk, "images.example", "user", "source-password")
        webhook_secret = signing_secrets.current(account.pk)
        S3Target.objects.create(
            account=account, bucket="b", access_key_id="AKIA", secret_access_key=sealing.seal("s3-secret")
        )
        Item.objects.filter(pk=submit_upload(account, b"not an image").item.pk).update(
            source_auth=sealing.seal('["u", "p"]')
        )
        before = stored_secrets()
    assert len(before) == 4

    with during_rotation:
        call_command("reseal_secrets", stdout=io.StringIO())
    with after_rotation:
        assert origins.credentials_for(account.pk, "https://images.example/a.jpg") == ("user", "source-password")
        assert signing_secrets.current(account.pk) == webhook_secret
        assert sealing.unseal(S3Target.objects.get().secret_access_key) == "s3-secret"
        assert sealing.unseal(Item.objects.get().source_auth) == '["u", "p"]'
        assert not set(stored_secrets()) & set(before)


def test_reseal_secrets_refuses_what_no_configured_key_opens(make_account):
    account, _ = make_account()
    with before_rotation:
        origins.set_credential(account.pk, "images.example", "user", "source-password")
    with after_rotation, pytest.raises(CommandError, match="1 secret"):
        call_command("reseal_secrets", stdout=io.StringIO(), stderr=io.StringIO())
