"""Browser tests: one server and one Chromium per session, a fresh page per test."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.harness import launch, open_playground, running_server


@pytest.fixture(scope="session")
def server_url() -> str:
    with running_server() as base:
        yield base


@pytest.fixture(scope="session")
def chromium():
    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, server_url):
    """The playground at 1920×1080. A test fails if the page logged a console error."""
    page = open_playground(chromium, server_url)
    yield page
    errors = list(page.errors)
    page.context.close()
    assert errors == [], f"console errors: {errors}"


@pytest.fixture
def lenient_page(chromium, server_url):
    """The playground for tests that provoke refused requests (the browser logs those)."""
    page = open_playground(chromium, server_url)
    yield page
    page.context.close()
