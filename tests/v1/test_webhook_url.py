"""webhook_url (alias callback_url) on compress: checked at once, refused with 400 invalid_param."""

import pytest
from django.test import override_settings

from optimizer.models import Item
from tests.v1.conftest import compress, error


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://hooks.example.com/in", "must start with"),
        ("https://user:secret@hooks.example.com/in", "credentials"),
        ("https://hooks.example.com:22/in", "port 22"),
        ("not a url", "must start with"),
    ],
)
def test_a_webhook_url_that_can_never_be_delivered_to_is_refused(client, key, url, says):
    body = error(compress(client, key, webhook_url=url), 400, "invalid_param")
    assert body["param"] == "webhook_url" and says in body["message"]
    assert not Item.objects.exists()


@override_settings(REDUCER_WEBHOOK_ALLOW_HTTP=False)
def test_plain_http_is_refused_unless_allowed(client, key):
    body = error(compress(client, key, callback_url="http://hooks.example.com/in"), 400, "invalid_param")
    assert "https://" in body["message"] and body["param"] == "webhook_url"


def test_webhook_url_and_callback_url_together_are_refused(client, key):
    given = {"webhook_url": "https://a.example/in", "callback_url": "https://b.example/in"}
    body = error(compress(client, key, **given), 400, "invalid_param")
    assert body["param"] == "callback_url"
