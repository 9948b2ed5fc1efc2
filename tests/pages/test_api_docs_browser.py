"""/api/v1/docs in a real browser: the compress operation's "Try it out" offers a file picker, and
executed with a key and a real image it answers 2xx, though Swagger UI asks for image/* and fills
every form field; the job's JSON then answers "Try it out" on GET /jobs/{id}."""

from __future__ import annotations

import re

from tests.conftest import photo_bytes

from .conftest import artifact


def _try_it_out(page, method: str, path: str):
    operation = page.locator(f".opblock-{method}", has=page.locator(f"[data-path='{path}']"))
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    return operation


def _execute(operation) -> tuple[str, str]:
    """Run the operation; its status code and what the page shows of the answer."""
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for(timeout=30_000)
    return status.inner_text().strip(), operation.locator(".live-responses-table").inner_text()


def test_try_it_out_offers_a_file_picker_for_the_upload(page, site):
    page.goto(site.url + "/api/v1/docs")
    operation = _try_it_out(page, "post", "/api/v1/compress")
    operation.locator(".body-param-content-type select").first.select_option("multipart/form-data")
    picker = operation.locator("input[type=file]").first
    picker.scroll_into_view_if_needed()
    assert "Compress one image" in operation.inner_text()
    page.screenshot(path=artifact("api-docs-try-it-out.png"), full_page=False)


def test_try_it_out_compresses_an_uploaded_image_with_a_key(page, site, make_account, tmp_path):
    _, key = make_account()
    photo = tmp_path / "terrace.jpg"
    photo.write_bytes(photo_bytes())
    page.goto(site.url + "/api/v1/docs")
    page.locator("button.authorize").first.click()
    bearer = page.locator(".auth-container", has_text="bearerKey")
    bearer.locator("input").fill(key)
    bearer.locator("button.authorize").click()
    page.locator("button.btn-done").first.click()

    compress = _try_it_out(page, "post", "/api/v1/compress")
    compress.locator("input[type=file]").first.set_input_files(str(photo))
    status, answer = _execute(compress)
    compress.locator(".live-responses-table").scroll_into_view_if_needed()
    page.screenshot(path=artifact("api-docs-compress-executed.png"), full_page=False)
    assert status == "200", answer
    assert "content-type: image/jpeg" in answer and "x-savings-percent" in answer, answer
    job_id = re.search(r"x-job-id: ([0-9a-f-]{36})", answer).group(1)

    job = _try_it_out(page, "get", "/api/v1/jobs/{job_id}")
    job.locator("input[placeholder=job_id]").fill(job_id)
    status, answer = _execute(job)
    job.locator(".live-responses-table").scroll_into_view_if_needed()
    page.screenshot(path=artifact("api-docs-job-executed.png"), full_page=False)
    assert status == "200" and '"status": "complete"' in answer and "application/json" in answer, answer
