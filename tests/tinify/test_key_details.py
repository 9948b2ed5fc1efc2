"""GET /keys/<key>: what the WordPress plugin (tinify/wordpress-plugin 3.7,
src/class-tiny-compress-client.php, validate()) sends to check a key, with the key in the path and
HTTP Basic as well. It reads Compression-Count, Compression-Count-Remaining, Paying-State and
Email-Address from the headers; an unknown key is 404, which it reports as an invalid key."""

from __future__ import annotations

import requests

from accounts.models import Account, Plan


def test_a_known_key_answers_its_account_state(client, tinify_web):
    account, key = client
    Account.objects.filter(pk=account.pk).update(email="owner@example.com")
    Plan.objects.filter(account=account).update(monthly_used=3)

    response = requests.get(f"{tinify_web.url}/keys/{key}", auth=("api", key), timeout=30)

    assert (response.status_code, response.json()) == (200, {})
    assert response.headers["Compression-Count"] == "3"
    assert response.headers["Compression-Count-Remaining"] == "47"  # the fixture's 50 a month
    assert response.headers["Paying-State"] == "free"
    assert response.headers["Email-Address"] == "owner@example.com"


def test_an_unlimited_plan_is_paid_with_no_credits_left_to_show(client, tinify_web):
    account, key = client
    Plan.objects.filter(account=account).update(unlimited=True)

    response = requests.get(f"{tinify_web.url}/keys/{key}", auth=("api", key), timeout=30)

    assert response.headers["Paying-State"] == "paid"
    assert "Compression-Count-Remaining" not in response.headers
    assert "Email-Address" not in response.headers  # the account has none


def test_an_unknown_key_is_not_found(client, tinify_web):
    _, key = client

    response = requests.get(f"{tinify_web.url}/keys/{'B' * 20}", auth=("api", key), timeout=30)

    assert (response.status_code, response.json()["error"]) == (404, "NotFound")
    assert "Compression-Count" not in response.headers
    assert requests.post(f"{tinify_web.url}/keys/{key}", timeout=30).status_code == 405
