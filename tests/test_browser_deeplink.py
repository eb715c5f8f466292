"""A shared link opened as the very first request to a freshly started server shows its page."""
from __future__ import annotations

import pytest

from conftest import open_page, serve_app
from dashboard_lib.i18n import t


@pytest.mark.browser
@pytest.mark.parametrize("path,title_key", [("plans", "nav.plans"), ("tasks", "nav.tasks")])
def test_deep_link_on_a_fresh_server(browser, warehouse, path, title_key):
    with serve_app(warehouse) as url:
        page, errors = open_page(browser, f"{url}/{path}?lang=en", f"deeplink_{path}_en.png", wait_for="h1")
        try:
            assert page.locator('[data-testid="stException"]').count() == 0
            assert "KeyError" not in page.inner_text("body")
            # the page itself rendered (its entry in the navigation is the active one) in English
            active = page.locator('[data-testid="stSidebarNav"] a[aria-current="page"]')
            assert t(title_key, "en") in active.inner_text()
            assert not errors, errors
        finally:
            page.close()
