"""The overview, sector targets and plans pages in headless Chromium, in both languages.

Each page is served by a real Streamlit process (fixture `app_url`), opened until its chart (or table)
has rendered, screenshotted into artifacts/, and checked for error text and console errors. A link with
query parameters, opened in a fresh browser context, must restore the same filters and the same chart."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import ARTIFACTS, PLOT, assert_clean, open_page, wait_idle
from dashboard_lib.i18n import t

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parent.parent / "data"
TABLE = '[data-testid="stDataFrame"]'
PAGES = [("", "nav.overview", "app.title", PLOT),
         ("sector_targets", "nav.sector_targets", "nav.sector_targets", PLOT),
         ("plans", "nav.plans", "nav.plans", TABLE)]
# Per chart, the x of every value drawn (benchmarks and labels left out: labels are text traces): values are grouped
# into a trace per encoding, a range is a segment [low, high] of its trace (segments separated by null), a point is [x].
PLOTTED_VALUES = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(
    gd => gd.data.filter(trace => trace.legendgroup !== 'benchmark' && trace.mode !== 'text').flatMap(trace => {
        if (!trace.mode.includes('lines')) return trace.x.map(x => [x]);
        const segments = [[]];
        for (const x of trace.x) {
            if (x === null) segments.push([]); else segments[segments.length - 1].push(x);
        }
        return segments.filter(segment => segment.length);
    }))"""


def curated_targets() -> pd.DataFrame:
    frames = [pd.read_csv(path, dtype={"province_code": str}) for path in sorted((DATA / "targets").glob("*.csv"))]
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("path, title_key, heading_key, selector", PAGES, ids=[p[0] or "overview" for p in PAGES])
def test_page_renders_cleanly(served, browser, lang, path, title_key, heading_key, selector):
    name = path or "overview"
    page, errors = open_page(browser, f"{served}/{path}?lang={lang}", f"page_{name}_{lang}.png",
                             wait_for=selector, height=2600)
    try:
        assert page.locator('[data-testid="stException"]').count() == 0
        assert not errors, errors
        assert t(heading_key, lang) in page.locator("h1").first.inner_text()
        assert t(title_key, lang) in page.locator('[data-testid="stSidebarNav"]').inner_text()
        if selector == PLOT:
            values = page.evaluate(PLOTTED_VALUES)
            assert values and values[0], "the chart has no data"
        body = page.locator('[data-testid="stMain"]').inner_text()
        assert "Traceback" not in body and "KeyError" not in body
    finally:
        page.close()


def test_sector_chart_hover_shows_document_section_and_clause(served, browser):
    page, errors = open_page(browser, f"{served}/sector_targets?lang=vi&sector=services&indicator=services_share_grdp"
                             "&national=0", "sector_hover_vi.png", wait_for=PLOT)
    try:
        page.locator(f"{PLOT} .scatterlayer .trace .points path").first.hover(force=True)
        page.wait_for_selector(f"{PLOT} .hoverlayer .hovertext", timeout=10_000)
        hover = page.locator(f"{PLOT} .hoverlayer").text_content()
        frame = curated_targets()
        rows = frame[(frame["indicator_key"] == "services_share_grdp") & (frame["province_code"] != "VN")]
        documents = pd.read_csv(DATA / "documents.csv").set_index("document_id")["document_number"]
        # a clause with its section, or, for a value read from a listed source, its tier (never 'None')
        tiers = (t("tier.official_report", "vi"), t("tier.press", "vi"))
        assert any(documents[r.document_id] in hover and (
            (r.section in hover and t("charts.hover.section", "vi") in hover) if isinstance(r.section, str)
            else any(tier in hover for tier in tiers)) for r in rows.itertuples())
        assert "None" not in hover
    finally:
        page.close()


def test_shared_link_restores_the_sector_filters(served, browser):
    frame = curated_targets()
    rows = frame[(frame["indicator_key"] == "tourism_international_visitors") & (frame["province_code"] != "VN")]
    years = sorted(rows["target_year"].unique())
    assert len(years) > 1
    page, errors = open_page(browser, f"{served}/sector_targets?lang=en&sector=tourism"
                             "&indicator=tourism_international_visitors", "sector_link_before.png", wait_for=PLOT)
    try:
        # Deselect the first target year by clicking its pill: the URL must follow.
        page.get_by_role("button", name=str(years[0]), exact=True).click()
        page.wait_for_function("() => location.search.includes('year=')", timeout=30_000)
        wait_idle(page)
        shared = page.url
        before = page.evaluate(PLOTTED_VALUES)
    finally:
        page.close()
    expected = sorted(float(v) for v in rows.loc[rows["target_year"] != years[0], "value_low"])
    assert sorted(x[0] for x in before[0]) == expected

    context = browser.new_context(viewport={"width": 1400, "height": 1600})  # a new browser session
    try:
        other = context.new_page()
        other.goto(shared)
        other.wait_for_selector(PLOT, timeout=60_000)
        wait_idle(other)
        other.screenshot(path=str(ARTIFACTS / "sector_link_after.png"), full_page=True)
        assert other.evaluate(PLOTTED_VALUES) == before
        assert "tourism_international_visitors" in other.url and "year=" in other.url
        active = other.locator('[data-testid="stBaseButton-pillsActive"]').all_inner_texts()
        assert str(years[0]) not in active
        assert other.locator('[data-testid="stException"]').count() == 0
    finally:
        context.close()


def test_shared_link_restores_the_overview_indicator(served, browser):
    page, errors = open_page(browser, f"{served}/?lang=en&indicator=services_share_grdp", "overview_link_en.png",
                             wait_for=PLOT)
    try:
        labels = pd.read_csv(DATA / "indicators.csv").set_index("indicator_key")
        titles = [title.text_content() for title in page.locator(f"{PLOT} .gtitle").all()]
        # the second chart: the plans' headline targets (the first is the 34 provinces' 2026–2030 targets)
        assert any(labels.loc["services_share_grdp", "label_en"] in title for title in titles[1:]), titles
        assert not errors, errors
    finally:
        page.close()


def test_target_link_opens_the_plans_page_on_its_clause(served, browser):
    row = curated_targets().iloc[0]
    page, errors = open_page(browser, f"{served}/plans?lang=vi&target={row['target_id']}", "plans_target_vi.png",
                             wait_for=TABLE)
    try:
        body = page.locator('[data-testid="stMain"]').inner_text()
        assert t("plans.clause.heading", "vi", id=row["target_id"]) in body
        assert " ".join(row["citation"].split()) in " ".join(body.split())
        assert not errors, errors
    finally:
        page.close()
