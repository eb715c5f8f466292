"""The trajectories page in headless Chromium, in both languages.

A real Streamlit process (fixture `app_url`) serves the page; each test waits for the chart, saves a
screenshot into artifacts/, and checks for error elements and console errors. A shared link must restore
the same indicator, provinces and projection; the language radio must keep them."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from conftest import ARTIFACTS, PLOT, assert_clean, open_page, wait_idle
from dashboard_lib import trajectory
from dashboard_lib.i18n import t
from test_browser_phone import CHART_BOXES, PHONE, open_phone, overflows

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parent.parent / "data"
# document ids, dash styles and the last y of every trace that belongs to a plan
TRACES = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(gd => gd.data
    .filter(tr => tr.meta && tr.meta.document_id)
    .map(tr => ({doc: tr.meta.document_id, projection: !!tr.meta.projection, dash: tr.line && tr.line.dash,
                 name: tr.name, x: tr.x, y: tr.y})))"""


def curated() -> pd.DataFrame:
    frames = [pd.read_csv(p, dtype={"province_code": str}) for p in sorted((DATA / "targets").glob("*.csv"))]
    return pd.concat(frames, ignore_index=True)


def _chips(page) -> list[str]:
    """The provinces selected in the multiselect, as its tags name them."""
    return page.locator('[data-testid="stMultiSelect"] [data-tag]').evaluate_all(
        "tags => tags.map(tag => tag.getAttribute('aria-label'))")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_trajectories_page_renders_in_both_languages(served, browser, lang):
    page, errors = open_page(browser, f"{served}/trajectories?lang={lang}", f"trajectories_{lang}.png",
                             wait_for=PLOT, height=2600)
    try:
        assert_clean(page, errors)
        assert t("nav.trajectories", lang) in page.locator("h1").first.inner_text()
        traces = page.evaluate(TRACES)
        rows = curated()
        plans = set(rows.loc[rows["indicator_key"] == "services_growth", "document_id"])
        assert {tr["doc"] for tr in traces} == plans
        # the chart's own title, method note and consistency section are in the page's language
        plot_text = page.locator(PLOT).first.inner_text()
        assert t("trajectory.legend_title", lang) in plot_text
        main = page.locator('[data-testid="stMain"]').inner_text()
        assert t("trajectory.checks.title", lang) in main
        assert t("trajectory.method.title", lang) in main
        # the year table shows 2030 for Hậu Giang's 'ít nhất 8,7%/năm': ≥ 230,3 / ≥ 230.3
        assert ("≥ 230,3" if lang == "vi" else "≥ 230.3") in main
    finally:
        page.close()


def test_shared_link_restores_the_view_and_the_language_switch_keeps_it(served, browser):
    link = f"{served}/trajectories?lang=vi&indicator=services_share_grdp&provinces=31,51&projection=1"
    page, errors = open_page(browser, link, "trajectories_shared_link_vi.png", wait_for=PLOT, height=2000)
    try:
        assert_clean(page, errors)
        traces = page.evaluate(TRACES)
        rows = curated()
        shares = rows[(rows["indicator_key"] == "services_share_grdp")
                      & rows["province_code"].isin(["31", "51", "VN"]) & (rows["target_year"] <= 2030)]
        assert {tr["doc"] for tr in traces} == set(shares["document_id"])
        hai_phong = shares[shares["province_code"] == "31"].sort_values("target_year")
        projected = [tr for tr in traces if tr["projection"] and tr["doc"] in set(hai_phong["document_id"])]
        assert projected and all(tr["dash"] == "dot" for tr in projected)
        assert projected[0]["x"][-1] == 2030
        first, last = hai_phong.iloc[0], hai_phong.iloc[-1]
        pace = (last["value_low"] - first["value_low"]) / (last["target_year"] - first["target_year"])
        assert projected[0]["y"][-1] == pytest.approx(last["value_low"] + pace * (2030 - last["target_year"]))
        assert _chips(page) == ["Hải Phòng (cũ)", "Quảng Ngãi (cũ)"]  # the former provinces, before the merger

        page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).click()
        page.wait_for_function("() => document.querySelector('h1') && "
                               f"document.querySelector('h1').innerText.includes({t('nav.trajectories', 'en')!r})",
                               timeout=60_000)
        wait_idle(page)
        page.wait_for_function("() => Array.from(document.querySelectorAll('[data-testid=\"stMultiSelect\"] [data-tag]'))"
                               ".some(tag => tag.getAttribute('aria-label') === 'Haiphong (former)')", timeout=30_000)
        legend = t("trajectory.projection_legend", "en")
        page.wait_for_function("legend => Array.from(document.querySelectorAll('.js-plotly-plot'))"
                               ".some(gd => gd.data.some(tr => (tr.name || '').includes(legend)))", arg=legend,
                               timeout=30_000)
        query = parse_qs(urlparse(page.url).query)
        assert query["lang"] == ["en"] and query["indicator"] == ["services_share_grdp"]
        assert query["provinces"] == ["31,51"] and query["projection"] == ["1"]
        assert _chips(page) == ["Haiphong (former)", "Quang Ngai (former)"]
        indicators = pd.read_csv(DATA / "indicators.csv").set_index("indicator_key")
        shown = page.locator('[data-testid="stSelectbox"] input').first.input_value()
        assert shown.startswith(indicators.loc["services_share_grdp", "label_en"]), shown
        traces = page.evaluate(TRACES)
        assert {tr["doc"] for tr in traces} == set(shares["document_id"])
        assert any(t("trajectory.projection_legend", "en") in (tr["name"] or "") for tr in traces)
        page.screenshot(path=str(ARTIFACTS / "trajectories_shared_link_en.png"),
                        full_page=True)
        assert_clean(page, [])
    finally:
        page.close()


# ---------------------------------------------------------------- the chart at a phone's width and at 1440 px

# Each end label of the trajectories chart (annotations named trajectory.END_LABEL) as drawn: its text and rectangle.
END_LABEL_BOXES = """name => Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(gd =>
    (gd.layout.annotations || []).map((a, i) => [a, i]).filter(([a]) => a.name === name).map(([a, i]) => {
        const r = gd.querySelector(`.annotation[data-index="${i}"]`).getBoundingClientRect();
        return {text: gd.querySelector(`.annotation[data-index="${i}"]`).textContent,
                left: r.left, right: r.right, top: r.top, bottom: r.bottom};
    }))"""
# The height of the legend's scroll bar (0: every entry shows without scrolling).
LEGEND_SCROLLBAR = """() => { const bar = document.querySelector('.js-plotly-plot g.legend .scrollbar');
    return bar ? bar.getBoundingClientRect().height : 0; }"""


def _overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    """Pairs of boxes that overlap (1 px of rounding allowed)."""
    return [(a["text"], b["text"]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a["left"] < b["right"] - 1 and b["left"] < a["right"] - 1
            and a["top"] < b["bottom"] - 1 and b["top"] < a["bottom"] - 1]


def _inside(box: dict, area: dict) -> bool:
    return area["left"] - 1 <= box["left"] and box["right"] <= area["right"] + 1 \
        and area["top"] - 1 <= box["top"] and box["bottom"] <= area["bottom"] + 1


def _assert_reads(chart: dict, labels: list[dict], scrollbar: float) -> None:
    """What must hold at any width: the title, legend and plot stacked without covering one another, the legend
    whole (no scrolling), no text past the chart's edges, the end labels inside the plot and apart."""
    assert chart["legend"] is not None and chart["title"] is not None
    assert chart["title"]["bottom"] <= chart["legend"]["top"] + 1, (chart["title"], chart["legend"])
    assert chart["legend"]["bottom"] <= chart["plot"]["top"] + 1, (chart["legend"], chart["plot"])
    assert scrollbar == 0, "the legend scrolls"
    assert not overflows(chart), overflows(chart)
    assert labels, "no end labels drawn"
    assert all(_inside(label, chart["plot"]) for label in labels), ([lb for lb in labels if not _inside(
        lb, chart["plot"])], chart["plot"])
    assert not _overlapping(labels), _overlapping(labels)


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("query", ["", "&provinces=93&projection=1"], ids=["default", "one_projected"])
def test_trajectory_chart_reads_on_a_phone(served, browser, lang, query):
    """At 390 px the legend sat right of a 60 px plot and scrolled, the title ran off the right and the end labels
    ('Hậu Giang · Thanh Hóa · Lạng Sơn') off the left. Now every text stays inside the chart, the legend is above
    the plot in rows, and the plot keeps most of the chart's width."""
    name = f"traj_phone_{lang}.png" if not query else f"traj_phone_{lang}_one_projected.png"
    context, page, errors = open_phone(browser, f"{served}/trajectories?lang={lang}{query}", name)
    try:
        assert_clean(page, [e for e in errors if "ResizeObserver" not in e])
        [chart] = page.evaluate(CHART_BOXES)
        assert chart["chart"]["right"] <= PHONE["width"], "the chart is wider than the phone"
        _assert_reads(chart, page.evaluate(END_LABEL_BOXES, trajectory.END_LABEL), page.evaluate(LEGEND_SCROLLBAR))
        width = chart["chart"]["right"] - chart["chart"]["left"]
        assert chart["plot"]["right"] - chart["plot"]["left"] >= 0.75 * width, (chart["plot"], chart["chart"])
        # the title is wrapped onto lines, every word of it drawn (inside the chart: `overflows` above)
        label = pd.read_csv(DATA / "indicators.csv").set_index("indicator_key").loc["services_growth", f"label_{lang}"]
        title = t("trajectory.chart_title", lang, indicator=label)
        drawn = "".join(item["text"] for item in chart["texts"] if item["kind"].startswith("gtitle"))
        assert "".join(title.split()) in "".join(drawn.split()), (title, drawn)
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_trajectory_end_labels_do_not_overlap_at_1440_px(served, browser, lang):
    """At 1440 px the end labels near 2030 crowded one another and the legend on the right scrolled."""
    page, errors = open_page(browser, f"{served}/trajectories?lang={lang}", f"traj_wide_{lang}.png",
                             wait_for=PLOT, height=1100)
    try:
        page.set_viewport_size({"width": 1440, "height": 2200})  # the whole chart in view, at 1440 px
        wait_idle(page)
        page.screenshot(path=str(ARTIFACTS / f"traj_wide_{lang}.png"), full_page=True)
        assert_clean(page, errors)
        [chart] = page.evaluate(CHART_BOXES)
        labels = page.evaluate(END_LABEL_BOXES, trajectory.END_LABEL)
        _assert_reads(chart, labels, page.evaluate(LEGEND_SCROLLBAR))
        names = " ".join(label["text"] for label in labels)
        assert all(name in names for name in (("Hậu Giang", "Thanh Hóa", "Lạng Sơn") if lang == "vi"
                                              else ("Hau Giang", "Thanh Hoa", "Lang Son")))
    finally:
        page.close()
