"""The landing page in a real browser: an image runs through v1, each format shows its size,
savings and score, the slider moves, and the download is the compressed image; bad input is told
in words."""

from __future__ import annotations

import base64
import io

from PIL import Image

from tests.conftest import photo_bytes

from .conftest import MAX_BYTES, artifact


def _results(page) -> list[list[str]]:
    return page.eval_on_selector_all("#rows tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText))")


def test_an_uploaded_image_shows_each_format_with_its_score_and_a_moving_slider(page, site, cluster, make_account):
    _, key = make_account(monthly_quota=20)
    page.goto(site.url + "/")
    assert "Smaller images that look the same" in page.inner_text("h1")
    page.fill("#key", key)
    page.set_input_files(
        "#file", files=[{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes(640, 480)}]
    )
    page.wait_for_function("document.querySelectorAll('#rows tr').length === 2", timeout=60_000)
    page.wait_for_selector("#status:has-text('Done')")
    rows = _results(page)
    assert [row[0] for row in rows] == ["jpeg (original format)", "webp"], rows
    for _, size, savings, score, actions in rows:
        assert size.endswith("KB") and savings.endswith("%") and float(savings.split()[0]) > 0
        assert 0 < float(score) <= 100 and "Download" in actions
    page.wait_for_function("document.getElementById('after').complete && document.getElementById('after').naturalWidth")

    clip_before = page.eval_on_selector("#after", "img => img.style.clipPath")
    page.focus("#split")
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    assert page.eval_on_selector("#split", "s => s.value") == "70"
    assert page.eval_on_selector("#after", "img => img.style.clipPath") != clip_before == "inset(0px 0px 0px 50%)"
    page.screenshot(path=artifact("landing-fit.png"), full_page=True)

    page.check("input[name=zoom][value=actual]")
    assert page.eval_on_selector("#after", "img => img.getBoundingClientRect().width") == 640
    page.screenshot(path=artifact("landing-1to1.png"), full_page=True)

    with page.expect_download() as download:
        page.click("#rows tr:nth-child(2) a:has-text('Download')")
    saved = Image.open(io.BytesIO(download.value.path().read_bytes()))
    assert saved.format == "WEBP" and saved.size == (640, 480)


def test_a_dropped_file_runs_on_the_demo_allowance_and_errors_are_told_in_words(page, site, cluster):
    page.goto(site.url + "/")
    page.uncheck("input[name=output][value=webp]")
    # A real drop event carrying a file, as a dragged file from the desktop delivers it.
    page.evaluate(
        """data => {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "dropped.png", {type: "image/png"}));
            const drop = new DragEvent("drop", {dataTransfer: transfer, bubbles: true});
            document.getElementById("drop").dispatchEvent(drop);
        }""",
        base64.b64encode(photo_bytes(320, 240, format="PNG")).decode(),
    )
    page.wait_for_selector("#status:has-text('Done')", timeout=60_000)
    assert _results(page)[0][0] == "png (original format)"
    page.screenshot(path=artifact("landing-demo.png"), full_page=True)

    page.set_input_files("#file", files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not an image"}])
    page.wait_for_selector("#status.error", timeout=60_000)
    message = page.inner_text("#status")
    assert message and "Traceback" not in message and "<" not in message

    page.fill("#key", "wrongwrongwrongwrong")
    png = {"name": "a.png", "mimeType": "image/png", "buffer": photo_bytes(format="PNG")}
    page.set_input_files("#file", files=[png])
    page.wait_for_selector("#status.error:has-text('key')", timeout=30_000)
    page.screenshot(path=artifact("landing-error.png"), full_page=True)


def test_bad_input_is_told_in_the_api_s_words(page, site, cluster, make_account):
    _, spent_key = make_account(monthly_quota=0)
    _, key = make_account()
    png = {"name": "a.png", "mimeType": "image/png", "buffer": photo_bytes(format="PNG")}
    too_large = {"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": b"\xff" * (MAX_BYTES + 1)}
    told = {}
    for case, used_key, source in [
        ("no credits", spent_key, png),
        ("over the limit", key, too_large),
        ("unreachable URL", key, "http://192.0.2.1/photo.jpg"),
    ]:
        page.goto(site.url + "/")
        page.fill("#key", used_key)
        if isinstance(source, str):
            page.fill("#url", source)
            page.click("text=Compress URL")
        else:
            page.set_input_files("#file", files=[source])
        page.wait_for_selector("#status.error", timeout=60_000)
        told[case] = page.inner_text("#status")
    page.screenshot(path=artifact("landing-unreachable-url.png"), full_page=True)
    assert told == {
        "no credits": "The account has no credits left.",
        "over the limit": f"The file has {MAX_BYTES + 1} bytes; the limit is {MAX_BYTES}.",
        "unreachable URL": "192.0.2.1 is not a publicly reachable address.",
    }
