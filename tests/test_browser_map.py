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
        .map(node => { const r = node.getBoundingClientRect();  // a label of several lines, read line by line
                       const lines = Array.from(node.querySelectorAll('tspan.line')).map(s => s.textContent);
                       return {text: lines.length ? lines.join(' ') : node.textContent, left: r.left, right: r.right, top: r.top,
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
        # every province by its name, or by the short form a tile too small for it writes (maps.TILE_SHORT)
        from dashboard_lib import maps
        names = [t(f"map.tile.short.63.{p['province_code']}", lang).replace("|", "")
                 if ("63", p["province_code"]) in maps.TILE_SHORT else p["name_vi"] if lang == "vi" else p["name_en"]
                 for p in read("provinces.csv")]
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


# ---------------------------------------------------------------- what the map draws, measured as drawn

# The value labels (texts of the trace whose meta.role is 'value_labels'), the colour bar, the legend, the
# archipelago labels and every province's and archipelago's path as drawn, with a test of whether a screen point
# lies on land (inside the fill of a drawn shape).
MAP_BOXES = """() => {
    const gd = document.querySelector('.js-plotly-plot');
    const box = node => { if (!node) return null; const r = node.getBoundingClientRect();
                          return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
    const strip = s => s.replace(/<[^>]+>/g, '');
    const wanted = new Set(gd._fullData.filter(tr => tr.meta && tr.meta.role === 'value_labels')
        .flatMap(tr => tr.text.map(strip)));
    const texts = Array.from(gd.querySelectorAll('.main-svg text'));
    const labels = texts.filter(n => wanted.has(n.textContent)).map(n => ({text: n.textContent, ...box(n)}));
    const archipelagos = texts.filter(n => n.textContent.includes('Quần đảo'))
        .map(n => ({text: Array.from(n.querySelectorAll('tspan.line')).map(s => s.textContent).join(' ')
                    || n.textContent, ...box(n)}));
    const paths = Array.from(gd.querySelectorAll('.choroplethlayer path'));
    const onLand = (x, y) => paths.some(p => { const m = p.getScreenCTM(); if (!m) return false;
        const q = new DOMPoint(x, y).matrixTransform(m.inverse()); return p.isPointInFill(q); });
    const landPoints = b => { const hits = [];
        for (let x = b.left + 1; x < b.right - 1; x += 2) for (let y = b.top + 2; y < b.bottom - 2; y += 2)
            if (onLand(x, y)) hits.push([x, y]);
        return hits; };
    return {chart: box(gd.querySelector('.main-svg')), colourbar: box(gd.querySelector('g.colorbar')),
            legend: box(gd.querySelector('g.legend')), n_wanted: wanted.size, archipelagos,
            labels: labels.map(l => ({...l, land: landPoints(l).length})),
            paths: paths.map(box).filter(b => b.right > b.left)};
}"""


def _overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def _inside(item: dict, edge: dict) -> bool:
    return edge["left"] - 1 <= item["left"] and item["right"] <= edge["right"] + 1 \
        and edge["top"] - 1 <= item["top"] and item["bottom"] <= edge["bottom"] + 1


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("query", ["", "&indicator=services_share_grdp", "&indicator=services_share_grdp&view=63",
                                   "&indicator=services_share_grdp&mode=progress"],
                         ids=["default", "labels34", "labels63", "progress"])
def test_map_on_a_phone_keeps_its_texts_in_the_chart_and_its_colour_bar_off_the_land(served, browser, lang, query):
    """On a 390 px phone the Trường Sa label ran past the chart's right edge and the colour bar sat on Cà Mau and
    Kiên Giang: every text of the figure (both archipelago labels included) lies inside the chart, and the colour
    bar's box meets no drawn province or archipelago; nor does the legend's (the progress legend's eight entries
    covered the north)."""
    from test_browser_phone import CHART_BOXES, open_phone, overflows
    name = f"map_phone_{lang}.png" if not query else f"map_phone_{lang}_{query.split('=', 1)[1].replace('&', '_')}.png"
    context, page, errors = open_phone(browser, f"{served}/map?lang={lang}{query}", name)
    try:
        assert_clean(page, [e for e in errors if "ResizeObserver" not in e])
        [chart] = page.evaluate(CHART_BOXES)
        assert not overflows(chart), overflows(chart)
        assert all(_inside(item, chart["chart"]) for item in chart["texts"]), \
            [item["text"] for item in chart["texts"] if not _inside(item, chart["chart"])]
        drawn = page.evaluate(MAP_BOXES)
        shown = " ".join(a["text"] for a in drawn["archipelagos"])
        assert "Quần đảo Hoàng Sa" in shown and "Quần đảo Trường Sa" in shown, shown
        assert len(drawn["archipelagos"]) == 2 and all(_inside(a, drawn["chart"]) for a in drawn["archipelagos"])
        assert drawn["paths"] and drawn["legend"] is not None
        assert (drawn["colourbar"] is None) == ("progress" in query)  # progress: the steps are in the legend
        for key in ("colourbar", "legend"):
            assert not [p for p in drawn["paths"] if drawn[key] and _overlap(p, drawn[key])], (key, drawn[key])
        # the value labels (when the map writes them) are apart and off the land here too
        labels = drawn["labels"]
        assert not [label["text"] for label in labels if label["land"]]
        assert not [(a["text"], b["text"]) for i, a in enumerate(labels) for b in labels[i + 1:] if _overlap(a, b)]
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("view", ["34", "63"])
def test_value_labels_on_a_wide_screen_are_apart_and_off_the_land(served, browser, lang, view):
    """At 1440 px the value labels were written on the provinces, over their outlines and over each other. Now:
    labels written (at least one), no two overlapping, no point of a label on land (inside a drawn province's
    fill: a label crosses no outline), none over the legend, the colour bar or an archipelago's label; the colour
    bar off the land (it sat on Phú Quốc)."""
    page = browser.new_page(viewport={"width": 1440, "height": 2000})  # the whole map in the screenshot
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{served}/map?lang={lang}&view={view}&indicator=services_share_grdp&map=boundary")
        page.wait_for_selector(PATHS, timeout=60_000)
        wait_idle(page)
        page.screenshot(path=str(ARTIFACTS / f"map_wide_{view}_{lang}.png"), full_page=True)
        assert not errors, errors
        drawn = page.evaluate(MAP_BOXES)
        labels = drawn["labels"]
        assert labels and len(labels) == drawn["n_wanted"], (len(labels), drawn["n_wanted"])
        assert not [(a["text"], b["text"]) for i, a in enumerate(labels) for b in labels[i + 1:] if _overlap(a, b)]
        assert not [(label["text"], label["land"]) for label in labels if label["land"]]
        others = [drawn["legend"], drawn["colourbar"], *drawn["archipelagos"]]
        assert not [label["text"] for label in labels for other in others if other and _overlap(label, other)]
        assert all(_inside(label, drawn["chart"]) for label in labels)
        assert not [p for p in drawn["paths"] if _overlap(p, drawn["colourbar"])]
    finally:
        page.close()


# The tile names that do not lie inside a tile (a tile's path box), on a tile map as drawn.
TILE_OVERFLOWS = """() => {
    const gd = document.querySelector('.js-plotly-plot');
    const flat = s => s.replace(/<br>/g, '').replace(/<[^>]+>/g, '');
    const wanted = new Set(gd._fullData.filter(tr => tr.meta && tr.meta.role === 'tile_labels')
        .flatMap(tr => tr.text.map(flat)));
    const box = n => { const r = n.getBoundingClientRect();
                       return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
    const tiles = Array.from(gd.querySelectorAll('.choroplethlayer path')).map(box);
    const names = Array.from(gd.querySelectorAll('.main-svg text')).filter(n => wanted.has(n.textContent));
    return {wanted: wanted.size, found: names.length, out: names.map(n => ({text: n.textContent, ...box(n)}))
        .filter(b => !tiles.some(t => t.left - 0.5 <= b.left && b.right <= t.right + 0.5
                                  && t.top - 0.5 <= b.top && b.bottom <= t.bottom + 0.5)).map(b => b.text)};
}"""


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("view", ["63", "34"])
def test_tile_names_stay_in_their_tiles_on_a_phone(served, browser, lang, view):
    """On a 390 px phone the tile names ran into the next tiles ('Dong NaiLam Dong', 'Lạng Sơn' over Cao Bằng):
    every name lies inside a tile."""
    from test_browser_phone import CHART_BOXES, open_phone, overflows
    context, page, errors = open_phone(browser, f"{served}/map?lang={lang}&view={view}&map=tile",
                                       f"map_phone_tile_{view}_{lang}.png")
    try:
        assert_clean(page, [e for e in errors if "ResizeObserver" not in e])
        [chart] = page.evaluate(CHART_BOXES)
        assert not overflows(chart), overflows(chart)
        tiles = page.evaluate(TILE_OVERFLOWS)
        assert tiles["found"] == tiles["wanted"] > 0 and tiles["out"] == [], tiles
    finally:
        context.close()
