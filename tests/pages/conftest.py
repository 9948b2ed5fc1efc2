"""Page test fixtures: headless Chromium from the system packages, driven by Playwright, and a
web server of the pages' own with the static files collected."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

CHROMIUM = Path("/usr/bin/chromium")
MAX_BYTES = 2 * 1024 * 1024
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def artifact(name: str) -> Path:
    """Where a test writes a screenshot for people to look at: the test data folder's artifacts/."""
    folder = Path(settings.DATA_DIR) / "artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip("Chromium is not installed: apt-get install chromium chromium-driver")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    # Playwright's sync API keeps an event loop on this thread; the tests' own ORM calls (making
    # accounts) are still plain synchronous code, which Django would otherwise refuse.
    unsafe = pytest.MonkeyPatch()
    unsafe.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
            headless=True,
            args=CHROMIUM_FLAGS,
        )
        try:
            yield launched
        finally:
            launched.close()
            unsafe.undo()


@pytest.fixture(scope="module")
def site(cluster, django_db_setup, django_db_blocker) -> Iterator:
    """reducer under uvicorn, with a task cluster (the pages run real compressions); whitenoise
    serves the static files collected before it starts."""
    from tests.service.web_helpers import OwnWebServer

    call_command("collectstatic", interactive=False, verbosity=0)
    # A small upload limit, so a file over it is quick to send.
    server = OwnWebServer("pages-web", REDUCER_DEMO_PAGE_ALLOWANCE="3", REDUCER_MAX_BYTES=str(MAX_BYTES))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def page(browser) -> Iterator:
    context = browser.new_context(viewport={"width": 1200, "height": 1000}, accept_downloads=True)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()
