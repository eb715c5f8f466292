"""The tasks page in a real browser: screenshots in both languages, and a click on the matrix filters the list."""
from __future__ import annotations

import re

import pytest

from conftest import open_page
from dashboard_lib.i18n import t

CHART = '[data-testid="stPlotlyChart"] .main-svg'
pytestmark = pytest.mark.browser


def _warm_up(browser, app_url: str) -> None:
    """Open the home page once and let it render: until dashboard.py has called st.navigation in some session,
    Streamlit serves a deep link from the pages/ folder alone, without the entry script (its language and
    warehouse state), so the very first request of a fresh server must not be a deep link."""
    page = browser.new_page()
    page.goto(app_url)
    page.wait_for_selector('[data-testid="stSidebar"] [role="radiogroup"]', timeout=60_000)
    page.wait_for_selector("h1", timeout=60_000)
    page.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_tasks_page_screenshot(browser, app_url, lang):
    _warm_up(browser, app_url)
    page, errors = open_page(browser, f"{app_url}/tasks?lang={lang}", f"tasks_{lang}.png", wait_for=CHART,
                             height=3000)  # tall enough for the matrix, the deadlines and the list
    try:
        assert errors == []
        body = page.inner_text("body")
        assert t("tasks.title", lang) in body
        assert t("tasks.list.title", lang, n="").split("(")[0].strip() in body
        assert t("tasks.deadlines.title", lang) in body
        assert not re.search(r"\btasks\.[a-z_]+\.[a-z_.]+", body)  # no untranslated key
        assert page.locator(f"{CHART} g.points path").count() > 20  # the matrix tiles
    finally:
        page.close()


def test_tasks_page_filtered_screenshot(browser, app_url):
    _warm_up(browser, app_url)
    page, errors = open_page(browser, f"{app_url}/tasks?lang=en&province=51&role=any",
                             "tasks_en_quang_ngai.png", wait_for=CHART, height=2600)
    try:
        assert errors == []
        assert "Quang Ngai" in page.inner_text("body")
    finally:
        page.close()


def test_clicking_a_matrix_tile_filters_the_list(browser, app_url):
    _warm_up(browser, app_url)
    page, errors = open_page(browser, f"{app_url}/tasks?lang=vi", "tasks_vi_before_click.png", wait_for=CHART)
    try:
        tile = page.locator(f"{CHART} g.points path").first
        tile.click(force=True)
        page.wait_for_url(re.compile(r"cell="), timeout=30_000)
        page.wait_for_selector(f'text={t("tasks.cell.clear", "vi")}', timeout=30_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(_artifact("tasks_vi_cell.png")), full_page=True)
        assert t("tasks.cell.selected", "vi", agency="", sector="", n="").split(":")[0] in page.inner_text("body")
        assert errors == []
    finally:
        page.close()


def _artifact(name: str):
    from conftest import ARTIFACTS
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
