"""A signed download link needs no key, but it stops working once its account is disabled (as the
account's keys do) and works again when the account is enabled."""

from accounts.models import Account
from tests.v1.conftest import bearer, compress, error


def test_a_signed_link_of_a_disabled_account_is_refused(client, make_account, cluster):
    account, key = make_account()
    response = compress(client, key)
    assert response.status_code == 200
    location = client.get(f"/api/v1/jobs/{response['X-Job-Id']}/download", **bearer(key))["Location"]
    path = "/api/v1/files/" + location.split("/api/v1/files/")[1]
    assert client.get(path).status_code == 200

    Account.objects.filter(pk=account.pk).update(is_active=False)
    error(client.get(path), 401, "unauthorized")

    Account.objects.filter(pk=account.pk).update(is_active=True)
    assert client.get(path).status_code == 200
