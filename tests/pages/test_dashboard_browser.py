"""The account dashboard in a real browser: sign in with a key, see credits move after a
compression, the day's usage and the job with its thumbnail; a wrong key is told in words."""

from __future__ import annotations

import requests

from tests.conftest import photo_bytes, wait_for

from .conftest import artifact


def _sign_in(page, site, key: str) -> None:
    page.goto(site.url + "/account/")
    assert page.url.endswith("/account/sign-in")
    page.fill("input[name=key]", key)
    page.click("button:has-text('Sign in')")


def test_a_key_holder_sees_credits_move_and_the_job_after_a_compression(page, site, cluster, make_account):
    _, key = make_account(monthly_quota=20, onetime_credits=5)
    _sign_in(page, site, key)
    assert page.inner_text("#monthly-left .big") == "20"
    assert page.inner_text("#onetime-left .big") == "5"
    assert "No jobs yet" in page.inner_text("#recent")

    answer = requests.post(
        site.url + "/api/v1/compress",
        headers={"Authorization": f"Bearer {key}"},
        files={"file": ("photo.jpg", photo_bytes(640, 480))},
        data={"output": "webp"},
        timeout=60,
    )
    assert answer.status_code in (200, 202), answer.text

    def charged() -> bool:
        page.reload()
        return page.inner_text("#monthly-left .big") == "19"

    wait_for(charged, timeout=60, interval=0.5, message="the dashboard never showed the credit spent")
    row = page.inner_text("#recent tbody tr")
    assert "Done" in row and "webp" in row and "%" in row
    thumbnails_loaded = "[...document.querySelectorAll('#recent img.thumb')].every(i => i.complete && i.naturalWidth)"
    page.wait_for_function(thumbnails_loaded)
    assert page.eval_on_selector_all("#usage .bar", "bars => bars.at(-1).style.height") == "100%"
    page.screenshot(path=artifact("dashboard.png"), full_page=True)

    page.fill("input[name=label]", "staging site")
    page.click("button:has-text('Create a key')")
    assert len(page.inner_text("#new-key")) == 20
    assert "staging site" in page.inner_text("#keys")
    page.screenshot(path=artifact("dashboard-new-key.png"), full_page=True)

    page.click("button:has-text('Sign out')")
    page.goto(site.url + "/account/")
    assert page.url.endswith("/account/sign-in")


def test_a_wrong_key_is_refused_in_words(page, site):
    _sign_in(page, site, "wrongwrongwrongwrong")
    assert page.inner_text("[role=alert]") == "The API key is not valid."
    page.screenshot(path=artifact("dashboard-sign-in-refused.png"), full_page=True)
