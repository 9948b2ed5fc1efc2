"""402 no_credits: an account without credits; nothing is queued."""

from optimizer.models import Item
from tests.v1.conftest import compress, error


def test_an_account_without_credits(client, make_account):
    _, key = make_account(monthly_quota=0)
    error(compress(client, key), 402, "no_credits")
    assert not Item.objects.exists()
