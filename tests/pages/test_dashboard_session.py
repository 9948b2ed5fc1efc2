"""Dashboard sign-in: CSRF-checked, the key never in the session or a URL, and the session ends
with the key."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import keys
from accounts.models import ApiKey


@pytest.mark.django_db(transaction=True)
def test_the_session_holds_no_key_and_ends_when_the_key_is_revoked(make_account):
    _, key = make_account()
    client = Client()
    signed_in = client.post("/account/sign-in", {"key": key})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/account/"
    assert key not in str(dict(client.session)) and client.get("/account/").status_code == 200
    keys.revoke(ApiKey.objects.get(digest=keys.digest(key)))
    assert client.get("/account/")["Location"] == "/account/sign-in"


@pytest.mark.django_db(transaction=True)
def test_a_sign_in_without_the_csrf_token_is_refused(make_account):
    _, key = make_account()
    assert Client(enforce_csrf_checks=True).post("/account/sign-in", {"key": key}).status_code == 403
