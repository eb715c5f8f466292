"""The pages on a 390 px phone (officials open links from chat apps) in headless Chromium, both languages.

Each chart is measured as drawn: its legend must end above the plot (not cover the rows), and no text of it (title,
subtitle, legend, row labels, source line) may run past the chart's edges. Screenshots: artifacts/phone_*.png."""
from __future__ import annotations

import pytest

from conftest import CHART_BOXES, PHONE, PLOT, assert_clean, open_phone, overflows

pytestmark = pytest.mark.browser


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
