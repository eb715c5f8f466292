"""The walk-through a reviewer does by hand, repeated: every page a viewer can open, in both languages, on a desktop
(1440 px) and on a phone (390 px), screenshotted into ARTIFACTS/walk_<page>_<lang>_<width>.png (CI keeps them) and
checked for what a reader sees as broken: an error, a wrong or untranslated title, a translation key or a Vietnamese
label on an English page, a page wider than the screen, chart texts cut at the chart's edge, a table cutting its
right-hand columns or hiding rows behind an inner scroll. The editor-only page is test_browser_add_plan.py's."""
from __future__ import annotations

import re
import string

import pytest

from conftest import CHART_BOXES, PHONE, PLOT, assert_clean, open_sized, overflows, phone_context
from dashboard_lib.i18n import table, t

pytestmark = pytest.mark.browser

TABLE = '[data-testid="stDataFrame"]'
# (URL path, key of its h1, what shows that it has rendered)
PAGES = [
    ("overview", "", "app.title", PLOT),
    ("map", "map", "map.title", PLOT),
    ("sector_targets", "sector_targets", "nav.sector_targets", PLOT),
    ("trajectories", "trajectories", "nav.trajectories", PLOT),
    ("progress", "progress", "progress.title", PLOT),
    ("tasks", "tasks", "tasks.title", PLOT),
    ("plans", "plans", "nav.plans", TABLE),
    ("slide_deck", "slide_deck", "deck.title", "h1"),
    ("methods", "methods", "methods.title", "h1"),
]
DESKTOP = {"width": 1440, "height": 1100}
WIDTHS = [DESKTOP["width"], PHONE["width"]]
# A table of at most this many rows shows them all, without an inner scroll (longer lists may scroll).
SHORT_TABLE_ROWS = 20


def _cases():
    for name, path, title_key, ready in PAGES:
        for lang in ("vi", "en"):
            for width in WIDTHS:
                yield pytest.param(name, path, title_key, ready, lang, width, id=f"{name}-{lang}-{width}")


@pytest.fixture(scope="module")
def contexts(browser):
    """One browser context per screen, shared by the module's pages."""
    made = {DESKTOP["width"]: browser.new_context(viewport=DESKTOP, device_scale_factor=1),
            PHONE["width"]: phone_context(browser)}
    yield made
    for context in made.values():
        context.close()


# ---------------------------------------------------------------- what counts as untranslated

# Keys are dotted ("map.title"); a key without a dot would be an ordinary word
KEYS = re.compile(r"(?<![\w.])(" + "|".join(re.escape(key) for key in sorted(table(), key=len, reverse=True)
                                          if "." in key) + r")(?![\w])")
_PLACEHOLDER = re.compile(r"\{[^}]*\}")
_MARKUP = re.compile(r"[*_`#\[\]()\n|:]")


def _vietnamese_only_fragments() -> set[str]:
    """Pieces of Vietnamese UI text that an English page must never show: the parts between placeholders and markup
    of each vi string that differs from its en one, of two words or more, with a Vietnamese letter, and found in no
    English string (so that a name both languages share cannot count)."""
    english = "\n".join(en for _, en in table().values())
    fragments = set()
    for vi, en in table().values():
        if vi == en:
            continue
        for piece in _MARKUP.split(_PLACEHOLDER.sub("\n", vi)):
            piece = piece.strip(string.punctuation + string.whitespace + "–…")
            if len(piece.split()) >= 2 and any(ord(c) > 127 for c in piece) and piece not in english:
                fragments.add(piece)
    return fragments


VI_ONLY = _vietnamese_only_fragments()

# The interface's own texts (titles, headings, labels, buttons, tabs, expanders, metrics, the page list, table
# headers): never data such as province names or clauses, which are Vietnamese in both languages.
UI_TEXTS = """() => Array.from(document.querySelectorAll(
    '[data-testid="stMain"] :is(h1, h2, h3, h4), [data-testid="stWidgetLabel"], button, [role="tab"], summary,'
    + '[data-testid="stMetricLabel"], [data-testid="stSidebarNav"] a, [data-testid="stDataFrame"] th,'
    + '[data-testid="stTable"] th, .dv-table thead th'))
    .map(node => node.innerText || node.textContent || '').map(text => text.trim()).filter(Boolean)"""

# ---------------------------------------------------------------- widths, tables

WIDTHS_JS = """() => { const main = document.querySelector('[data-testid="stMain"]');
    return {main: [main.scrollWidth, main.clientWidth],
            page: [document.documentElement.scrollWidth, document.documentElement.clientWidth]}; }"""
# Each st.dataframe laid out (not in a closed expander or hidden tab): its grid's scroll and visible sizes and rows;
# each static table (st.table, widgets.tables_markup): its scroll and visible widths.
TABLES_JS = """() => ({
    grids: Array.from(document.querySelectorAll('[data-testid="stDataFrame"]')).map(frame => {
        const scroller = frame.querySelector('.dvn-scroller'), grid = frame.querySelector('table[aria-rowcount]');
        if (!scroller || scroller.clientWidth === 0) return null;
        return {headers: Array.from(frame.querySelectorAll('th')).map(th => th.textContent).slice(0, 4).join(' | '),
                rows: grid ? Number(grid.getAttribute('aria-rowcount')) - 1 : null,
                scrollWidth: scroller.scrollWidth, clientWidth: scroller.clientWidth,
                scrollHeight: scroller.scrollHeight, clientHeight: scroller.clientHeight};
    }).filter(Boolean),
    statics: Array.from(document.querySelectorAll('[data-testid="stTable"], .dv-table'))
        .filter(node => node.clientWidth > 0)
        .map(node => ({headers: node.querySelector('th') ? node.querySelector('th').textContent : '',
                       scrollWidth: node.scrollWidth, clientWidth: node.clientWidth})),
})"""

# Per chart: whether a container of the page (st.container, not an element's own wrapper, which every element has)
# scrolls it sideways.
IN_SCROLL_BOX = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => {
    for (let node = gd.parentElement; node && node.dataset.testid !== 'stMain'; node = node.parentElement) {
        if (node.dataset.testid === 'stVerticalBlock' && node.scrollWidth > node.clientWidth
            && ['auto', 'scroll'].includes(getComputedStyle(node).overflowX)) return true;
    }
    return false;
})"""


@pytest.mark.parametrize("name, path, title_key, ready, lang, width", _cases())
def test_walkthrough(served, contexts, name, path, title_key, ready, lang, width):
    # a new page of the screen's context starts at the screen's own size (open_sized then stretches it)
    page, errors = open_sized(contexts[width], f"{served}/{path}?lang={lang}", f"walk_{name}_{lang}_{width}.png",
                              width, wait_for=ready)
    try:
        assert_clean(page, [e for e in errors if "ResizeObserver" not in e])
        assert page.locator("h1").first.inner_text().strip() == t(title_key, lang)

        text = page.locator('[data-testid="stMain"]').inner_text() + "\n" + \
            page.locator('[data-testid="stSidebar"]').inner_text()
        assert not KEYS.findall(text), f"translation keys shown: {sorted(set(KEYS.findall(text)))}"
        if lang == "en":
            vietnamese = sorted({f"{ui!r} ⊃ {piece!r}" for ui in page.evaluate(UI_TEXTS)
                                 for piece in VI_ONLY if piece in ui})
            assert not vietnamese, vietnamese

        widths = page.evaluate(WIDTHS_JS)
        assert widths["main"][0] <= widths["main"][1], f"the page scrolls sideways: {widths}"
        assert widths["page"][0] <= widths["page"][1], f"the page scrolls sideways: {widths}"

        if width == DESKTOP["width"]:
            tables = page.evaluate(TABLES_JS)
            cut = [g for g in tables["grids"] if g["scrollWidth"] > g["clientWidth"] + 1]
            assert not cut, f"tables cutting their right-hand columns: {cut}"
            hidden = [g for g in tables["grids"] if g["rows"] is not None and g["rows"] <= SHORT_TABLE_ROWS
                      and g["scrollHeight"] > g["clientHeight"] + 1]
            assert not hidden, f"short tables hiding rows behind an inner scroll: {hidden}"
            cut = [s for s in tables["statics"] if s["scrollWidth"] > s["clientWidth"] + 1]
            assert not cut, f"static tables cutting their right-hand columns: {cut}"

        charts = page.evaluate(CHART_BOXES)
        # a chart wider than the screen only inside a box that scrolls it sideways (the tasks matrix on a phone)
        wide = [c["chart"] for c, boxed in zip(charts, page.evaluate(IN_SCROLL_BOX))
                if c["chart"] and c["chart"]["right"] > width + 1 and not boxed]
        assert not wide, f"charts wider than the screen: {wide}"
        cut = [overflows(chart) for chart in charts if overflows(chart)]
        assert not cut, f"chart texts past the chart's edge: {cut}"
    finally:
        page.close()

