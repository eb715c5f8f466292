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
        # The matrix has fixed margins (tasks._matrix_margins, estimated without a browser): every agency and
        # sector name fits in the chart, beside the plot and above it, and none is cut at the chart's edges.
        layout = page.evaluate("""() => {
            const gd = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
            const svg = gd.querySelector('.main-svg').getBoundingClientRect();
            const plot = gd.querySelector('.cartesianlayer .bg, .bglayer rect').getBoundingClientRect();
            const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
            return {svg: [svg.left, svg.top, svg.right, svg.bottom],
                    plot: [plot.left, plot.top, plot.right, plot.bottom],
                    automargin: gd._fullLayout.margin.autoexpand,
                    agencies: [...gd.querySelectorAll('.ytick text')].map(box),
                    sectors: [...gd.querySelectorAll('.xtick text')].map(box)};
        }""")
        assert layout["automargin"] is False and layout["agencies"] and layout["sectors"]
        left, top, right, bottom = layout["svg"]
        for x0, y0, x1, y1 in layout["agencies"] + layout["sectors"]:
            assert left <= x0 and x1 <= right and top <= y0 and y1 <= bottom, (layout["svg"], (x0, y0, x1, y1))
        assert max(x1 for _x0, _y0, x1, _y1 in layout["agencies"]) <= layout["plot"][0]
        assert max(y1 for _x0, _y0, _x1, y1 in layout["sectors"]) <= layout["plot"][1]
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
