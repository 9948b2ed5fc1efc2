"""Dashboard sign-in: CSRF-checked, the key never in the session or a URL, and the session ends
with the key; what the signed-in page shows of webhooks and source domains."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from accounts import keys
from accounts.models import AllowedOrigin, ApiKey, WebhookEndpoint
from optimizer.models import Item, Job, WebhookEvent


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


@pytest.mark.django_db(transaction=True)
def test_a_new_key_is_shown_once_and_works_and_another_accounts_key_cannot_be_revoked(make_account):
    account, key = make_account()
    _, other_key = make_account()
    client = Client()
    client.post("/account/sign-in", {"key": key})
    created = client.post("/account/keys/new", {"label": "staging"})
    plain = created.context["new_key"]
    assert created.status_code == 200 and plain in created.content.decode()
    assert keys.authenticate(plain) == account
    assert plain not in client.get("/account/").content.decode()

    other = ApiKey.objects.get(digest=keys.digest(other_key))
    client.post(f"/account/keys/{other.pk}/revoke")
    other.refresh_from_db()
    assert other.revoked_at is None

    new = ApiKey.objects.get(digest=keys.digest(plain))
    assert client.post(f"/account/keys/{new.pk}/revoke")["Location"] == "/account/"
    new.refresh_from_db()
    assert new.revoked_at is not None


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_shows_webhook_endpoints_deliveries_and_source_domains(make_account):
    account, key = make_account()
    client = Client()
    client.post("/account/sign-in", {"key": key})
    page = client.get("/account/").content.decode()
    assert "No endpoints" in page and "No deliveries yet" in page and "any public source" in page

    AllowedOrigin.objects.create(account=account, domain="shop.example")
    endpoint = WebhookEndpoint.objects.create(account=account, url="https://hooks.example/reducer", is_default=True)
    job = Job.objects.create(account=account, face="v1")
    item = Item.objects.create(job=job, account=account, identity="a", options={})
    WebhookEvent.objects.create(
        account=account, endpoint=endpoint, item=item, generation=1, type="job.completed",
        status=WebhookEvent.Status.FAILED, attempts=3, next_attempt_at=timezone.now(), last_status_code=500,
    )  # fmt: skip
    page = client.get("/account/").content.decode()
    assert "https://hooks.example/reducer" in page and "every job that names no webhook_url" in page
    assert "job.completed" in page and "failed" in page.lower() and "500" in page
    assert "<code>shop.example</code> and their subdomains" in page
