"""Bản đồ / Map in headless Chromium: both maps (63 and 34 provinces) in Vietnamese and English, with Hoàng Sa
and Trường Sa visible; the tile map; hover and click.

Screenshots go to artifacts/map_*.png. No error element, no console errors other than harmless ones."""
from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from conftest import ARTIFACTS, PLOT, assert_clean, open_page, wait_idle
from dashboard_lib.i18n import t

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parent.parent / "data"
PATHS = f"{PLOT} .choroplethlayer path"
ARCHIPELAGO_LABELS = ("Quần đảo Hoàng Sa (Đà Nẵng)", "Quần đảo Trường Sa (Khánh Hòa)")

# Rectangles of the plot and of every SVG text that names an archipelago, for the visibility check.
LABEL_BOXES = """() => {
    const plot = document.querySelector('.js-plotly-plot .main-svg').getBoundingClientRect();
    const labels = Array.from(document.querySelectorAll('.js-plotly-plot text'))
        .filter(node => node.textContent.includes('Quần đảo'))
        .map(node => { const r = node.getBoundingClientRect();
                       return {text: node.textContent, left: r.left, right: r.right, top: r.top,
                               bottom: r.bottom, width: r.width}; });
    return {plot: {left: plot.left, right: plot.right, top: plot.top, bottom: plot.bottom}, labels};
}"""
# The drawn archipelago polygons (traces whose meta.role is 'archipelago') and their on-screen size.
ARCHIPELAGO_SHAPES = """() => {
    const gd = document.querySelector('.js-plotly-plot');
    return gd._fullData.filter(tr => tr.meta && tr.meta.role === 'archipelago').map(tr => {
        const group = gd.querySelectorAll('.choroplethlayer .trace')[
            gd._fullData.filter(x => x.type === 'choropleth').indexOf(tr)];
        const box = group ? group.getBoundingClientRect() : {width: 0, height: 0};
        return {name: tr.name, width: box.width, height: box.height};
    });
}"""


# the status (grey) traces of the map figure, as the page drew them
STATUS_TRACES = """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(g => g.data || [])
    .filter(tr => tr.meta && tr.meta.role === 'status').map(tr => ({meta: tr.meta}))"""


def read(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("view", ["63", "34"])
def test_boundary_map_with_the_archipelagos(served, browser, lang, view):
    page, errors = open_page(browser, f"{served}/map?lang={lang}&view={view}&map=boundary",
                             f"map_{view}_{lang}.png", wait_for=PATHS, height=1900)
    try:
        assert_clean(page, errors)
        assert t("map.title", lang) in page.locator("h1").first.inner_text()
        meta = page.evaluate("() => document.querySelector('.js-plotly-plot').layout.meta")
        if meta["shape"] != "boundary":
            pytest.skip("the test warehouse has no boundary tables (set DV2030_GEO_DIR)")
        n_units = len(read("provinces.csv")) if view == "63" else len(read("provinces_2025.csv"))
        assert page.locator(PATHS).count() >= n_units + 2  # every province, and both archipelagos
        boxes = page.evaluate(LABEL_BOXES)
        shown = " ".join(label["text"] for label in boxes["labels"])
        for name in ARCHIPELAGO_LABELS:
            assert name in shown
        plot = boxes["plot"]
        for label in boxes["labels"]:  # inside the figure, not clipped away
            assert label["width"] > 0
            assert plot["left"] <= label["left"] and label["right"] <= plot["right"]
            assert plot["top"] <= label["top"] and label["bottom"] <= plot["bottom"]
        shapes = page.evaluate(ARCHIPELAGO_SHAPES)
        assert len(shapes) == 2 and all(s["width"] > 0 and s["height"] > 0 for s in shapes)
        legend = page.locator(f"{PLOT} .legend").text_content()
        # the legend names every grey that is drawn (which ones depends on the view and indicator)
        drawn = {tr["meta"]["status"] for tr in page.evaluate(STATUS_TRACES)}
        assert drawn and all(t(f"map.status.{status}", lang) in legend for status in drawn)
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_tile_map(served, browser, lang):
    page, errors = open_page(browser, f"{served}/map?lang={lang}&view=63&map=tile", f"map_tile_63_{lang}.png",
                             wait_for=PATHS, height=2000)
    try:
        assert_clean(page, errors)
        assert page.evaluate("() => document.querySelector('.js-plotly-plot').layout.meta.shape") == "tile"
        text = page.locator(PLOT).text_content()
        compact = text.replace(" ", "")  # a tile writes its name on several lines
        names = [p["name_vi"] if lang == "vi" else p["name_en"] for p in read("provinces.csv")]
        assert [n for n in names if n.replace(" ", "") not in compact] == []
        assert "Quần đảo Hoàng Sa" in text and "Quần đảo Trường Sa" in text
    finally:
        page.close()


def test_hover_and_click_open_the_province(served, browser):
    page, errors = open_page(browser, f"{served}/map?lang=vi&view=34&indicator=services_share_grdp",
                             "map_34_vi_before_click.png", wait_for=PATHS, height=1900)
    try:
        assert_clean(page, errors)
        # The first choropleth trace after the frames holds the coloured provinces.
        coloured = page.locator(f"{PLOT} .choroplethlayer .trace").first.locator("path")
        target = coloured.first
        target.hover(force=True)
        page.wait_for_selector(f"{PLOT} .hoverlayer .hovertext", timeout=10_000)
        hover = page.locator(f"{PLOT} .hoverlayer").text_content()
        documents = [d["document_number"] for d in read("documents.csv") if d["scope"] == "provincial"]
        assert any(number in hover for number in documents)
        target.click(force=True)
        page.wait_for_function("() => window.location.search.includes('province=')", timeout=30_000)
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
        page.wait_for_timeout(1500)
        code = parse_qs(urlparse(page.url).query)["province"][0]
        name = {p["province_2025_code"]: p["name_vi"] for p in read("provinces_2025.csv")}[code]
        panel = page.locator('[data-testid="stMain"]').inner_text()
        assert t("map.details.title", "vi", name=name) in panel
        page.screenshot(path=str(ARTIFACTS / "map_34_vi_clicked.png"), full_page=True)
    finally:
        page.close()
