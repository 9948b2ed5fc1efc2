"""An account keeps basic-auth credentials per source domain; the fetcher sends them there only."""

from django.test import override_settings

from accounts import origins
from accounts.models import AllowedOrigin, SourceCredential
from optimizer.models import Item
from tests.conftest import photo_bytes
from tests.optimizer.helpers import charges
from tests.optimizer.test_url_sources import _run_url_item

LOOPBACK = override_settings(REDUCER_FETCH_ALLOW_CIDRS=("127.0.0.0/8",))


@LOOPBACK
def test_a_source_behind_a_password_is_fetched_with_the_accounts_credentials(make_account, origin):
    account, _ = make_account()
    url = origin.serve("/private/photo.jpg", photo_bytes(), password=("editor", "pa55"))
    origins.set_credential(account.pk, "127.0.0.1", "editor", "pa55")
    item = _run_url_item(account, url)
    assert item.status == Item.Status.DONE and charges(item) == 1


@LOOPBACK
def test_without_credentials_the_password_protected_source_fails_uncharged(make_account, origin):
    account, _ = make_account()
    other, _ = make_account()
    origins.set_credential(other.pk, "127.0.0.1", "editor", "pa55")  # another account's do not count
    item = _run_url_item(account, origin.serve("/private/other.jpg", photo_bytes(), password=("editor", "pa55")))
    assert (item.status, item.error_code, charges(item)) == (Item.Status.FAILED, "download_failed", 0)
    assert "401" in item.error_message


def test_the_password_is_stored_sealed(make_account):
    account, _ = make_account()
    origins.set_credential(account.pk, "Example.COM.", "editor", "pa55-plain")
    stored = SourceCredential.objects.get(account=account)
    assert stored.domain == "example.com" and "pa55-plain" not in stored.password
    assert origins.credentials_for(account.pk, "https://cdn.example.com/a.jpg") == ("editor", "pa55-plain")
    assert origins.credentials_for(account.pk, "https://example.org/a.jpg") is None


def test_the_most_specific_domain_wins(make_account):
    account, _ = make_account()
    origins.set_credential(account.pk, "example.com", "site", "one")
    origins.set_credential(account.pk, "media.example.com", "media", "two")
    assert origins.credentials_for(account.pk, "https://a.media.example.com/x.jpg") == ("media", "two")
    assert origins.credentials_for(account.pk, "https://www.example.com/x.jpg") == ("site", "one")
    assert origins.credentials_for(account.pk, "https://notexample.com/x.jpg") is None


@LOOPBACK
def test_credentials_are_not_sent_after_a_redirect_to_another_host(make_account, origin):
    account, _ = make_account()
    origins.set_credential(account.pk, "127.0.0.1", "editor", "pa55")
    origin.serve("/public/landing.jpg", photo_bytes())
    url = origin.redirect("/private/moved.jpg", origin.url("/public/landing.jpg", host="localhost"))
    origin.requests.clear()
    item = _run_url_item(account, url)
    assert item.status == Item.Status.DONE
    sent = dict(origin.requests)
    assert sent["/private/moved.jpg"] is not None and sent["/public/landing.jpg"] is None


@LOOPBACK
def test_a_redirect_out_of_the_accounts_domains_is_refused(make_account, origin):
    account, _ = make_account()
    AllowedOrigin.objects.create(account=account, domain="127.0.0.1")
    origin.serve("/elsewhere.jpg", photo_bytes())
    url = origin.redirect("/hop.jpg", origin.url("/elsewhere.jpg", host="localhost"))
    origin.requests.clear()
    item = _run_url_item(account, url)
    assert (item.status, item.error_code, charges(item)) == (Item.Status.FAILED, "origin_not_allowed", 0)
    assert [path for path, _ in origin.requests] == ["/hop.jpg"]
