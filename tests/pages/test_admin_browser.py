"""The operator's ledger page in a real browser: 10,000 entries, one page of them in under a second."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from accounts.models import CreditEntry

from .conftest import artifact

ROWS = 10_000


def test_the_ledger_of_ten_thousand_entries_loads_in_under_a_second(page, site, make_account):
    account, _ = make_account(name="busy shop")
    # After the first month's credits, the ledger holds ROWS rows.
    kinds = [CreditEntry.Kind.RESERVE, CreditEntry.Kind.SETTLE, CreditEntry.Kind.RESERVE, CreditEntry.Kind.RELEASE]
    CreditEntry.objects.bulk_create(CreditEntry(account=account, kind=kinds[n % 4], amount=1) for n in range(ROWS - 1))
    get_user_model().objects.create_superuser("operator", "ops@example.com", "a long operator password")

    page.goto(site.url + "/admin/login/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", "a long operator password")
    page.click("input[type=submit]")
    assert "reducer administration" in page.inner_text("#site-name")

    page.goto(f"{site.url}/admin/accounts/account/{account.pk}/change/")
    page.click("text=10000 entries")
    page.wait_for_load_state("load")
    # The browser's own clock, from the request to the end of the load event: the page's load
    # time, without the test driver's round trips to the browser.
    loaded = page.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
    assert loaded["name"].endswith(f"/admin/accounts/creditentry/?account__id__exact={account.pk}")
    assert loaded["loadEventEnd"] - loaded["startTime"] < 1000, loaded
    assert page.locator("#result_list tbody tr").count() == 100
    assert "+1" in page.inner_text("#result_list") and "-1" in page.inner_text("#result_list")
    page.screenshot(path=artifact("admin-ledger.png"), full_page=False)
