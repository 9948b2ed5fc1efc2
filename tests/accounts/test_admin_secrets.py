"""The admin takes source passwords sealed and never shows them back; it shows the webhook
signing secret and refuses webhook endpoints the delivery guard would refuse."""

from django.contrib.auth.models import User

from accounts import sealing, signing_secrets
from accounts.admin import SourceCredentialForm, WebhookEndpointForm
from accounts.models import SourceCredential


def test_a_source_password_is_stored_sealed_never_rendered_and_kept_when_left_blank(make_account):
    account, _ = make_account()
    form = SourceCredentialForm(
        data={"domain": "Media.Example.com", "username": "editor", "secret": "hunter2-plain"},
        instance=SourceCredential(account=account),
    )
    assert form.is_valid(), form.errors
    stored = form.save()
    assert stored.domain == "media.example.com" and "hunter2-plain" not in stored.password
    assert sealing.unseal(stored.password) == "hunter2-plain"

    edit = SourceCredentialForm(instance=stored)
    assert "hunter2-plain" not in edit.as_p() and stored.password not in edit.as_p()
    blank = {"domain": "media.example.com", "username": "chief", "secret": ""}
    kept = SourceCredentialForm(data=blank, instance=stored)
    assert kept.is_valid(), kept.errors
    assert sealing.unseal(kept.save().password) == "hunter2-plain"


def test_a_new_credential_needs_a_password(make_account):
    account, _ = make_account()
    form = SourceCredentialForm(
        data={"domain": "example.com", "username": "editor", "secret": ""}, instance=SourceCredential(account=account)
    )
    assert not form.is_valid() and "secret" in form.errors


def test_webhook_endpoints_the_guard_refuses_are_invalid(make_account, settings):
    settings.REDUCER_WEBHOOK_ALLOW_HTTP = False
    for url in ("http://hooks.example.com/in", "https://hooks.example.com:25/in"):
        form = WebhookEndpointForm(data={"url": url, "is_default": True})
        assert not form.is_valid() and "url" in form.errors
    assert WebhookEndpointForm(data={"url": "https://hooks.example.com/in", "is_default": True}).is_valid()


def test_the_account_page_shows_the_signing_secret(client, make_account):
    account, _ = make_account()
    client.force_login(User.objects.create_superuser("operator", password="pw-operator"))
    page = client.get(f"/admin/accounts/account/{account.pk}/change/")
    assert page.status_code == 200
    assert signing_secrets.current(account.pk) in page.content.decode()
