"""/api/v1/docs in a real browser: the compress operation's "Try it out" offers a file picker."""

from __future__ import annotations

from .conftest import artifact


def test_try_it_out_offers_a_file_picker_for_the_upload(page, site):
    page.goto(site.url + "/api/v1/docs")
    operation = page.locator(".opblock-post", has=page.locator("[data-path='/api/v1/compress']"))
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("select.content-type, .body-param-content-type select").first.select_option("multipart/form-data")
    picker = operation.locator("input[type=file]").first
    picker.scroll_into_view_if_needed()
    assert "Compress one image" in operation.inner_text()
    page.screenshot(path=artifact("api-docs-try-it-out.png"), full_page=False)
