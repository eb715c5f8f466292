"""The pages on a 390 px phone (officials open links from chat apps) in headless Chromium, both languages.

Each chart is measured as drawn: its legend must end above the plot (not cover the rows), and no text of it (title,
subtitle, legend, row labels, source line) may run past the chart's edges. Screenshots: artifacts/phone_*.png."""
from __future__ import annotations

import pytest

from conftest import ARTIFACTS, PLOT, assert_clean

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# Per chart: its rectangle, its plot area's, its legend's and its title's, and every text drawn in it.
CHART_BOXES = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => {
    const box = node => { if (!node) return null; const r = node.getBoundingClientRect();
                          return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
    const texts = Array.from(gd.querySelectorAll('.main-svg text'))
        .filter(node => node.textContent.trim() && node.getBoundingClientRect().width > 0)
        .map(node => ({text: node.textContent, kind: node.getAttribute('class') || '', ...box(node)}));
    return {chart: box(gd.querySelector('.main-svg')), plot: box(gd.querySelector('.draglayer .nsewdrag')),
            legend: box(gd.querySelector('g.legend')), title: box(gd.querySelector('.gtitle-subtitle'))
                || box(gd.querySelector('.gtitle')), texts};
})"""


def open_phone(browser, url: str, screenshot: str):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=1)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
    page.wait_for_selector(PLOT, timeout=60_000)
    page.wait_for_timeout(1500)
    # Every chart laid out: a viewport tall enough for the whole page (Streamlit scrolls an inner element).
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": PHONE["width"], "height": min(int(height) + 100, 16_000)})
    page.wait_for_timeout(1500)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
    return context, page, errors


def overflows(chart: dict) -> list[str]:
    """The texts of a drawn chart that run past its left or right edge (1 px of rounding allowed)."""
    edge = chart["chart"]
    return [item["text"] for item in chart["texts"]
            if item["left"] < edge["left"] - 1 or item["right"] > edge["right"] + 1]


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("path", ["", "?indicator=services_growth&present=grdp_growth"], ids=["overview", "linked"])
def test_overview_range_charts_read_on_a_phone(served, browser, lang, path):
    query = f"{path}&lang={lang}" if path else f"?lang={lang}"
    context, page, errors = open_phone(browser, f"{served}/{query}", f"phone_overview_{lang}_{bool(path)}.png")
    try:
        assert_clean(page, [e for e in errors if "ResizeObserver" not in e])
        charts = page.evaluate(CHART_BOXES)
        assert len(charts) == 2  # the 34 provinces' chart and the provinces against the national targets
        for chart in charts:
            assert chart["chart"]["right"] <= PHONE["width"], "the chart is wider than the phone"
            assert chart["legend"] is not None
            # the legend ends above the plot and below the title: it covers neither the rows nor the title
            assert chart["legend"]["bottom"] <= chart["plot"]["top"] + 1, (chart["legend"], chart["plot"])
            assert chart["title"]["bottom"] <= chart["legend"]["top"] + 1, (chart["title"], chart["legend"])
            assert not overflows(chart), overflows(chart)
            # the rows' labels start inside the plot's width (no label column left of it)
            rows = [item for item in chart["texts"] if item["top"] >= chart["plot"]["top"] - 1
                    and item["bottom"] <= chart["plot"]["bottom"] + 1]
            assert rows and all(item["left"] >= chart["plot"]["left"] - 1 for item in rows)
            assert chart["plot"]["right"] - chart["plot"]["left"] >= 0.8 * (chart["chart"]["right"]
                                                                             - chart["chart"]["left"])
    finally:
        context.close()


def _overlap(a: dict | None, b: dict | None) -> bool:
    return bool(a and b) and a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] \
        and b["top"] < a["bottom"]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_map_title_reads_on_a_phone_beside_the_toolbar(served, browser, lang):
    context, page, errors = open_phone(browser, f"{served}/map?lang={lang}", f"phone_map_{lang}.png")
    try:
        assert_clean(page, [e for e in errors if "ResizeObserver" not in e])
        [chart] = page.evaluate(CHART_BOXES)
        titles = [item for item in chart["texts"]  # title, subtitle, source line
                  if any(kind in item["kind"] for kind in ("gtitle", "annotation-text"))]
        edge = chart["chart"]
        assert titles and all(edge["left"] - 1 <= item["left"] and item["right"] <= edge["right"] + 1
                              for item in titles), titles
        # the toolbars shown when the chart is touched (Plotly's and Streamlit's) sit above the title
        page.locator(PLOT).first.hover(position={"x": 60, "y": 200})
        page.wait_for_timeout(800)
        bars = page.evaluate("""() => Array.from(document.querySelectorAll(
                '.js-plotly-plot .modebar, [data-testid="stElementToolbar"]'))
            .map(node => node.getBoundingClientRect()).filter(r => r.width > 0)
            .map(r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom}))""")
        title = page.evaluate("""() => { const r = document.querySelector('.js-plotly-plot .gtitle')
            .getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }""")
        assert bars and not any(_overlap(bar, title) for bar in bars), (bars, title, chart["chart"])
    finally:
        context.close()
