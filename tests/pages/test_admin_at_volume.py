"""The operator's admin at volume: the ledger on a paginated page of its own with signed amounts and
a running balance, item and job lists with the columns an operator scans, read-only records without
Save or Delete, times to the second, and reducer's name on it."""

from __future__ import annotations

import itertools
import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import credits
from accounts.credits import SIGNED_AMOUNT
from accounts.models import Account, CreditEntry, Plan
from optimizer.models import Item, Job, Variant
from tests.admin_forms import account_page, admin_form

LEDGER_ROWS = 10_000


@pytest.fixture
def busy_account(make_account):
    account, _ = make_account(monthly_quota=100_000, name="busy")
    # After the first month's credits, the ledger holds LEDGER_ROWS rows.
    kinds = [CreditEntry.Kind.RESERVE, CreditEntry.Kind.SETTLE, CreditEntry.Kind.RESERVE, CreditEntry.Kind.RELEASE]
    CreditEntry.objects.bulk_create(
        CreditEntry(account=account, kind=kinds[n % 4], amount=1) for n in range(LEDGER_ROWS - 1)
    )
    return account


@pytest.fixture
def job_with_items(busy_account):
    job = Job.objects.create(account=busy_account, face="v1")
    now = timezone.now()
    common = {"job": job, "account": busy_account, "options": {}, "original_size": 200_000}
    done = Item.objects.create(
        identity="a",
        source_url="https://img.example/photos/beach-at-dawn.jpg?w=2",
        status=Item.Status.DONE,
        started_at=now - timedelta(seconds=2.5),
        finished_at=now,
        **common,
    )
    Variant.objects.create(
        item=done, generation=1, name="lossy-webp", format="webp", storage_name="r/x.webp", size=50_000,
        width=10, height=10, smaller=True,
    )  # fmt: skip
    Item.objects.create(
        identity="b", source_sha256="77ca53" + "0" * 58, status=Item.Status.FAILED, error_code="corrupt_image",
        error_message="The image is damaged.", **common,
    )  # fmt: skip
    Item.objects.create(identity="c", source_sha256="12ab" + "0" * 60, **common)
    return job


def test_the_ledger_is_a_paginated_page_with_signed_amounts_and_a_running_balance(admin_client, busy_account):
    account_page = admin_client.get(f"/admin/accounts/account/{busy_account.pk}/change/").content.decode()
    assert "creditentry_set" not in account_page and "field-kind" not in account_page  # no inline ledger
    link = re.search(r'href="(/admin/accounts/creditentry/\?account__id__exact=\d+)">10000 entries', account_page)
    assert link, "the account page links to its ledger"

    started = time.monotonic()
    page = admin_client.get(link.group(1))
    seconds = time.monotonic() - started
    assert page.status_code == 200 and seconds < 1, seconds
    rows = page.context["cl"].result_list
    assert len(rows) == 100 and page.context["cl"].paginator.count == LEDGER_ROWS
    html = page.content.decode()
    assert "?account__id__exact=" in html and "p=1" in html  # pagination links keep the filter
    # The fixture's rows cycle through reserve, settle, reserve, release.
    assert {row.kind: row.signed for row in rows} == {"reserve": -1, "settle": 0, "release": 1}
    ordered = sorted(rows, key=lambda row: row.id)
    for previous, row in itertools.pairwise(ordered):
        assert row.running == previous.running + row.signed
    everything = CreditEntry.objects.filter(account=busy_account).annotate(signed=SIGNED_AMOUNT)
    assert rows[0].running == sum(entry.signed for entry in everything)
    assert "-1</td>" in html and "+1</td>" in html
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", html)
    assert "reducer administration" in html
    assert "jquery" not in html and "xregexp" not in html  # no form scripts for the browser to parse
    assert '<a href="/account/">Account dashboard</a>' in html and '<a href="/api/v1/docs">API docs</a>' in html
    assert '<a href="/">View site</a>' in html


def test_the_running_balance_ends_at_the_credits_available(admin_client, make_account):
    account, _ = make_account(monthly_quota=10, onetime_credits=5)
    job = Job.objects.create(account=account, face="internal")
    first, second, third = (Item.objects.create(job=job, account=account, identity=n, options={}) for n in "abc")
    for item in (first, second, third):
        credits.reserve(account.pk, item.pk, 1)
    credits.settle(account.pk, first.pk, 1)
    credits.release(account.pk, second.pk, 1)
    Plan.objects.filter(account=account).update(renews_at=timezone.now() - timedelta(days=1))
    credits.renew_if_due(account.pk)

    _, form = account_page(admin_client, account)
    credits.settle(account.pk, third.pk, 1)  # while the operator has the page open
    form["plan-0-monthly_quota"] = "4"
    assert admin_client.post(f"/admin/accounts/account/{account.pk}/change/", form).status_code == 302

    plan = Plan.objects.get(account=account)
    assert (plan.monthly_quota, plan.monthly_used, plan.reserved) == (4, 1, 0)  # the settle was kept
    ledger = admin_client.get(f"/admin/accounts/creditentry/?account__id__exact={account.pk}")
    rows = ledger.context["cl"].result_list
    assert [row.kind for row in rows[:3]] == ["adjustment", "settle", "renewal"]
    assert rows[0].running == plan.available == 3 + 5
    html = ledger.content.decode()
    assert "-9</td>" in html and "+10</td>" in html  # the unused monthly credits expired, a new month came


def test_an_account_opened_in_the_admin_starts_its_ledger_with_its_monthly_credits(admin_client):
    _, form = admin_form(admin_client, "/admin/accounts/account/add/")
    form |= {"name": "new shop", "plan-0-monthly_quota": "50", "plan-0-add_onetime_credits": "20"}
    assert admin_client.post("/admin/accounts/account/add/", form).status_code == 302
    account = Account.objects.get(name="new shop")
    ledger = admin_client.get(f"/admin/accounts/creditentry/?account__id__exact={account.pk}")
    assert [(row.kind, row.signed) for row in ledger.context["cl"].result_list] == [("topup", 20), ("renewal", 50)]
    assert ledger.context["cl"].result_list[0].running == account.plan.available == 70


def test_items_and_jobs_lists_show_what_an_operator_scans(admin_client, job_with_items):
    items = admin_client.get("/admin/optimizer/item/").content.decode()
    assert "beach-at-dawn.jpg" in items and "upload 77ca5300" in items
    assert "195.3\xa0KB" in items and "48.8\xa0KB" in items and "75.0 %" in items and "2.5 s" in items
    assert "corrupt_image" in items
    assert re.search(r">[0-9a-f]{8}</a>", items)  # short ids, not whole UUIDs

    jobs = admin_client.get("/admin/optimizer/job/").content.decode()
    assert re.search(r">3</a></td><td class=\"field-done\">1</td><td class=\"field-failed\">1</td>", jobs), jobs
    assert "66 %" in jobs
    job_items = admin_client.get(f"/admin/optimizer/item/?job={job_with_items.pk}")
    assert job_items.status_code == 200 and len(job_items.context["cl"].result_list) == 3


def test_records_are_read_only_without_save_or_delete(admin_client, job_with_items):
    item = Item.objects.filter(job=job_with_items).first()
    entry = CreditEntry.objects.first()
    for url in (
        f"/admin/optimizer/item/{item.pk}/change/",
        f"/admin/optimizer/job/{job_with_items.pk}/change/",
        f"/admin/accounts/creditentry/{entry.pk}/change/",
    ):
        page = admin_client.get(url)
        html = page.content.decode()
        assert page.status_code == 200, url
        assert 'name="_save"' not in html and "deletelink" not in html, url
    assert admin_client.post(f"/admin/optimizer/item/{item.pk}/delete/").status_code == 403
