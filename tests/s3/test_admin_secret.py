"""The operator enters an S3 target on the account page: the secret access key is stored sealed,
is never rendered back, is required on create and, left blank on edit, is kept."""

from django.test import override_settings

from accounts import sealing
from accounts.models import S3Target
from tests.admin_forms import account_page

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
PREFIX = "s3_targets"


def _save(admin_client, account, data: dict[str, str]):
    return admin_client.post(f"/admin/accounts/account/{account.pk}/change/", data)


def _new_target(data: dict[str, str], **fields: str) -> dict[str, str]:
    index = int(data[f"{PREFIX}-TOTAL_FORMS"])
    data[f"{PREFIX}-TOTAL_FORMS"] = str(index + 1)
    defaults = {"bucket": "photos", "endpoint_url": "http://127.0.0.1:9000", "region": "eu-central-1"}
    defaults |= {"key_prefix": "optimized/", "access_key_id": "AKIAOPERATOR", "account": ""}
    for name, value in {**defaults, **fields}.items():
        data[f"{PREFIX}-{index}-{name}"] = value
    return data


# The form's endpoint is a private store the operator allowed (see test_endpoint_guard.py).
@override_settings(REDUCER_FETCH_ALLOW_CIDRS=("127.0.0.1:9000",))
def test_the_secret_is_sealed_never_shown_and_kept_when_left_blank(admin_client, make_account):
    account, _ = make_account()
    _, data = account_page(admin_client, account)

    saved = _save(admin_client, account, _new_target(data, secret=SECRET))
    assert saved.status_code == 302, saved.content.decode()[:2000]
    target = S3Target.objects.get(account=account)
    assert (target.bucket, target.key_prefix, target.access_key_id) == ("photos", "optimized/", "AKIAOPERATOR")
    stored = S3Target.objects.values_list("secret_access_key", flat=True).get(pk=target.pk)
    assert SECRET not in stored and sealing.unseal(stored) == SECRET

    html, data = account_page(admin_client, account)
    assert SECRET not in html and stored not in html
    assert data[f"{PREFIX}-0-secret"] == ""  # a password input, rendered empty
    assert 'type="password"' in html

    data[f"{PREFIX}-0-key_prefix"] = "resized/"  # edit, leaving the secret blank
    assert _save(admin_client, account, data).status_code == 302
    target.refresh_from_db()
    assert target.key_prefix == "resized/" and sealing.unseal(target.secret_access_key) == SECRET

    _, data = account_page(admin_client, account)
    data[f"{PREFIX}-0-secret"] = "a-new-secret"  # a new secret replaces the old one
    assert _save(admin_client, account, data).status_code == 302
    target.refresh_from_db()
    assert sealing.unseal(target.secret_access_key) == "a-new-secret"


@override_settings(REDUCER_FETCH_ALLOW_CIDRS=("127.0.0.1:9000",))
def test_a_new_target_needs_a_secret(admin_client, make_account):
    account, _ = make_account()
    _, data = account_page(admin_client, account)
    refused = _save(admin_client, account, _new_target(data, secret=""))
    assert refused.status_code == 200 and "Enter the secret access key." in refused.content.decode()
    assert not S3Target.objects.exists()
