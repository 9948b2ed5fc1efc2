"""Signing secrets: one per account, rotatable, the old one signing alongside until the overlap ends."""

from datetime import UTC, datetime

from django.test import override_settings

from accounts import signing_secrets
from accounts.models import SigningSecret
from reducer.v1.webhooks import signing
from tests.webhooks.conftest import Delivery

BODY = '{"id":"x","status":"complete"}'


def _delivery(account) -> Delivery:
    headers = signing.headers(account.pk, "msg_1", BODY, datetime.now(UTC))
    return Delivery("/", headers, BODY.encode())


def test_after_a_rotation_both_secrets_verify_until_the_overlap_ends(make_account):
    account, _ = make_account()
    old = signing_secrets.current(account.pk)
    new = signing_secrets.rotate(account.pk)
    assert new != old and new.startswith("whsec_") and signing_secrets.current(account.pk) == new
    delivery = _delivery(account)
    assert len(delivery.headers["webhook-signature"].split(" ")) == 2
    assert delivery.verifies_with(new) and delivery.verifies_with(old)

    retired = SigningSecret.objects.filter(account=account, expires_at__isnull=False)
    retired.update(expires_at=datetime(2000, 1, 1, tzinfo=UTC))
    delivery = _delivery(account)
    assert delivery.verifies_with(new) and not delivery.verifies_with(old)


@override_settings(REDUCER_WEBHOOK_SECRET_OVERLAP=0)
def test_with_no_overlap_the_old_secret_stops_at_once(make_account):
    account, _ = make_account()
    old = signing_secrets.current(account.pk)
    new = signing_secrets.rotate(account.pk)
    delivery = _delivery(account)
    assert delivery.verifies_with(new) and not delivery.verifies_with(old)


def test_secrets_are_stored_sealed_and_differ_per_account(make_account):
    first, _ = make_account()
    second, _ = make_account()
    plain = signing_secrets.current(first.pk)
    assert plain != signing_secrets.current(second.pk)
    assert all(plain not in row.secret for row in SigningSecret.objects.all())
