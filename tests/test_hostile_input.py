"""Hostile input at the browser level: link parameters and text from the data.

1. URL parameters (AppTest, every page with link state): an unknown province or value, SQL injection, a script tag,
   a path traversal and a 100 000-character value, put into every parameter of the page at once. The page must
   run without an exception, show the invalid-link notice naming each parameter, and show its default view (the
   same charts, tables and widget values as with no parameters). One browser check opens a page with such a link.
2. Text from the data (browser): a warehouse built from a copy of data/ (citation check off) in which a citation,
   a task and a province's name hold HTML, a script and Markdown. The pages showing them (sector targets hover and
   table, plans clause and search, tasks list and card, map side panel, overview, trajectories) must show the text
   literally: no script runs (window.__xss stays undefined), no <img>, link or bold text is made of it.

The session ends with the line "hostile inputs: N tried, M handled".
"""
from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ARTIFACTS, REPO, open_page, serve_app
from dashboard_lib.i18n import t

DATA = REPO / "data"
HUGE = "9" * 100_000
HOSTILE = {
    "unknown": "99",  # no province has code 99; no indicator, view, year or flag is called that either
    "sql": "'; DROP TABLE targets;--",
    "script": "<script>alert(1)</script>",
    "path": "../../etc/passwd",
    "huge": HUGE,
}
# The link parameters each page reads (lang is handled by dashboard.py for every page).
PAGE_PARAMS = {
    "overview": ["indicator"],
    "map": ["indicator", "year", "view", "mode", "map", "province"],
    "sector_targets": ["sector", "province", "indicator", "kind", "year", "national", "view"],
    "trajectories": ["indicator", "provinces", "projection"],
    "tasks": ["province", "sector", "timing", "atype", "agency", "role", "reporting", "general", "cell"],
    "plans": ["doc", "fold", "target"],  # q (free text) has its own test below
}
WIDGETS = ("selectbox", "multiselect", "radio", "toggle", "checkbox", "text_input", "button_group")


# ---------------------------------------------------------------- the tally printed at the end

class _Tally:
    def __init__(self) -> None:
        self.tried, self.handled, self.failed = 0, 0, []

    def record(self, case: str, handled: bool, count: int = 1) -> None:
        self.tried += count
        self.handled += count if handled else 0
        if not handled:
            self.failed.append(case)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.tried:
            line = f"hostile inputs: {self.tried} tried, {self.handled} handled"
            terminalreporter.write_line(line + (f" (not handled: {', '.join(self.failed)})" if self.failed else ""))


@pytest.fixture(scope="session")
def tally(request) -> _Tally:
    counts = _Tally()
    request.config.pluginmanager.register(counts, "dv2030-hostile-input-tally")
    return counts


# ---------------------------------------------------------------- AppTest helpers

def run_page(page: str, lang: str = "vi", **params: str) -> AppTest:
    """A new session opened on a link to the page (the overview is the home page: its link is the first run)."""
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
    at.query_params["lang"] = lang
    if page == "overview":
        for name, value in params.items():
            at.query_params[name] = value
        return at.run()
    at.run()
    for name in [n for n in at.query_params if n != "lang"]:
        del at.query_params[name]
    for name, value in params.items():
        at.query_params[name] = value
    at.switch_page(f"pages/{page}.py").run()
    return at


def view_of(at: AppTest) -> dict:
    """What the reader sees, comparable between runs: chart data, table sizes, widget values, heading."""
    return {
        "title": [e.value for e in at.title],
        "charts": [json.loads(c.proto.spec)["data"] for c in at.get("plotly_chart")],
        "tables": [len(d.value) for d in at.dataframe],
        "widgets": {kind: [w.value for w in getattr(at, kind)] for kind in WIDGETS},
    }


def notice(at: AppTest, lang: str = "vi") -> str | None:
    prefix = t("state.invalid_url", lang)
    return next((i.value for i in at.info if i.value.startswith(prefix)), None)


@pytest.fixture(scope="module")
def default_views(warehouse) -> dict[str, dict]:
    """Each page opened without parameters: the view a hostile link must fall back to."""
    views = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DV2030_WAREHOUSE", str(warehouse))
        for page in PAGE_PARAMS:
            at = run_page(page)
            assert not at.exception, (page, [e.message for e in at.exception])
            assert notice(at) is None
            views[page] = view_of(at)
    return views


# ---------------------------------------------------------------- 1. URL parameters

CASES = [(page, kind, names) for page, all_names in PAGE_PARAMS.items() for kind in HOSTILE
         # Streamlit drops a whole query string over 524 288 characters: one huge parameter per link
         for names in ([[n] for n in all_names] if kind == "huge" else [all_names])]


@pytest.mark.parametrize("page, kind, names", CASES,
                         ids=[f"{p}-{k}" + (f"-{n[0]}" if k == "huge" else "") for p, k, n in CASES])
def test_hostile_link_parameters_fall_back_to_defaults(app_env, default_views, tally, page, kind, names):
    at = run_page(page, **{name: HOSTILE[kind] for name in names})
    errors = [e.message for e in at.exception]
    text = notice(at)
    listed = set(text.split(":", 1)[1].strip().split("; ")) if text else set()
    named = [n for n in names if n in listed]
    same = not errors and view_of(at) == default_views[page]
    for name in names:
        tally.record(f"{page}?{name}={kind}", not errors and name in named and same)
    assert not errors, errors
    assert text is not None, f"no invalid-link notice on {page}"
    assert named == names, f"the notice names {named}, expected {names}: {text}"
    assert HOSTILE[kind][:40] not in text or kind == "unknown"  # the notice never echoes the value
    assert same, "the page did not fall back to its default view"


def test_hostile_language_parameter_falls_back_to_vietnamese(app_env, tally):
    handled = []
    for kind, value in HOSTILE.items():
        at = run_page("sector_targets", lang=value)
        ok = not at.exception and at.title[0].value == t("nav.sector_targets", "vi")
        handled.append(ok)
        tally.record(f"lang={kind}", ok)
    assert all(handled)


@pytest.mark.parametrize("value", ["xx", "fr", HOSTILE["script"]], ids=["xx", "fr", "script"])
def test_an_unknown_language_is_reported_like_any_other_parameter(app_env, tally, value):
    """?lang=xx fell back to Vietnamese silently: it now gets the notice the other parameters get, once."""
    at = run_page("overview", lang=value)
    text = notice(at)
    ok = not at.exception and text is not None and "lang" in text.split(":", 1)[1] and value not in text
    tally.record(f"lang={value[:10]} notice", ok)
    assert not at.exception
    assert text is not None and text.split(":", 1)[1].strip().split("; ") == ["lang"], text
    assert value not in text  # the notice never echoes the value
    assert at.query_params["lang"] in ("vi", ["vi"])  # the link now says what the page shows
    at.run()
    assert notice(at) is None, "reported once, on the page the link opened"


@pytest.mark.browser
def test_an_unknown_language_in_a_deep_link_is_reported(app_url, browser, tally):
    page, errors = open_page(browser, f"{app_url}/sector_targets?lang=xx", "hostile_lang_sector.png",
                             wait_for=".js-plotly-plot")
    try:
        body = page.locator('[data-testid="stMain"]').inner_text()
        ok = t("state.invalid_url", "vi") in body and "lang" in body and not errors
        tally.record("browser: sector_targets?lang=xx notice", ok)
        assert t("state.invalid_url", "vi") + " lang" in body
        assert t("nav.sector_targets", "vi") in page.locator("h1").first.inner_text()
        assert not errors, errors
    finally:
        page.close()


@pytest.mark.parametrize("kind", ["sql", "script", "path", "huge"])
def test_hostile_search_text_is_searched_literally(app_env, tally, kind):
    """The plans search (q) takes free text: it is searched for as text, cut to 200 characters when longer."""
    at = run_page("plans", q=HOSTILE[kind])
    errors = [e.message for e in at.exception]
    box = at.text_input(key="plans_query")
    shown = [i.value for i in at.info]
    expected = HOSTILE[kind][:200]
    ok = (not errors and box.value == expected
          and any(t("plans.search.none", "vi", query=expected).split("“")[0] in s for s in shown)
          and ((notice(at) is not None) == (kind == "huge")))
    tally.record(f"plans?q={kind}", ok)
    assert not errors, errors
    assert box.value == expected
    assert (notice(at) is not None) == (kind == "huge"), "only an over-long search is reported"
    # Nothing was executed: the warehouse still holds every target.
    with duckdb.connect(str(app_env), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM targets").fetchone()[0] > 0
    assert ok


MARKDOWN_LINK = "[Session expired – click here](https://evil.example/login)"
MARKDOWN_IMAGE = "![i](https://evil.example/t.png)"
_UNESCAPED_LINK = re.compile(r"(?<!\\)\]\s*\(")  # "](" not preceded by a backslash: Markdown link or image


def _unescaped(markdown: str) -> str:
    """What Markdown shows of escaped text: backslash escapes resolved, the invisible word joiner left out."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def test_escaped_text_makes_no_link_of_a_bare_address():
    """Streamlit links bare addresses after parsing (escapes do not stop it): the escaper breaks the pattern with
    an invisible word joiner, and the text reads the same."""
    from dashboard_lib.widgets import escape_markdown
    for text in ("https://evil.example/login", "HTTP://evil.example", "www.evil.example", "me@evil.example",
                 "mailto:me@evil.example"):
        escaped = escape_markdown(text)
        assert not re.search(r"(?i)(https?|mailto):|www\\?\.|\w@", escaped), escaped
        assert _unescaped(escaped) == text


def test_escaped_text_cannot_reorder_what_follows():
    """A right-to-left override (and the other direction controls) in data text or a file name is dropped."""
    from dashboard_lib.widgets import escape_html, escape_markdown
    name = "ke-hoach\u202etxt.exe \u2067a\u2069 \u200fb"
    assert escape_html(name) == "ke-hoachtxt.exe a b"
    assert _unescaped(escape_markdown(name)) == "ke-hoachtxt.exe a b"


@pytest.mark.parametrize("query", [MARKDOWN_LINK, MARKDOWN_IMAGE], ids=["link", "image"])
def test_markdown_in_the_search_link_reaches_the_notice_escaped(app_env, tally, query):
    """The "no citation contains …" notice repeats the search text of the link: as text, never as a link or image."""
    at = run_page("plans", q=query)
    notices = [i.value for i in at.info if t("plans.search.none", "vi", query="").split("“")[0] in i.value]
    ok = (not at.exception and len(notices) == 1 and not _UNESCAPED_LINK.search(notices[0])
          and query in _unescaped(notices[0]))
    tally.record(f"plans?q=markdown {query[:2]}", ok)
    assert not at.exception
    assert len(notices) == 1, [i.value for i in at.info]
    assert not _UNESCAPED_LINK.search(notices[0]), notices[0]
    assert query in _unescaped(notices[0])  # the reader's text as typed


@pytest.mark.browser
@pytest.mark.parametrize("query", [MARKDOWN_LINK, MARKDOWN_IMAGE], ids=["link", "image"])
def test_markdown_in_the_search_link_in_the_browser(app_url, browser, tally, query):
    """Opened in Chromium: no link or image is made of the search text and the browser asks nothing of the
    foreign host; the notice shows the text as typed."""
    from urllib.parse import quote, urlsplit
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url)
            if urlsplit(request.url).hostname == "evil.example" else None)
    try:
        page.goto(f"{app_url}/plans?lang=en&q={quote(query)}")
        page.wait_for_selector('[data-testid="stAlertContentInfo"]', timeout=60_000)
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(ARTIFACTS / f"hostile_plans_q_{'image' if query.startswith('!') else 'link'}.png"))
        # as the reader reads it (the word joiner that keeps an address from becoming a link is invisible)
        notice_text = page.locator('[data-testid="stAlertContentInfo"]').last.inner_text().replace("\u2060", "")
        made = (page.locator('[data-testid="stMain"] a[href*="evil.example"]').count()
                + page.locator('[data-testid="stMain"] img[src*="evil.example"]').count())
        ok = made == 0 and not requested and query in notice_text
        tally.record(f"browser: plans?q=markdown {query[:2]}", ok)
        assert made == 0, "a link or image was made of the search text"
        assert not requested, requested
        assert query in notice_text, notice_text
    finally:
        page.close()


@pytest.mark.browser
def test_hostile_link_in_the_browser(app_url, browser, tally):
    """A link carrying a script in every sector-targets parameter: defaults, the notice, nothing executed."""
    payload = '<img src=x onerror="window.__xss=1">'
    query = "&".join(f"{name}={payload}" for name in PAGE_PARAMS["sector_targets"])
    page, errors = open_page(browser, f"{app_url}/sector_targets?lang=vi&{query}", "hostile_link_sector.png",
                             wait_for=".js-plotly-plot")
    try:
        body = page.locator('[data-testid="stMain"]').inner_text()
        ok = (page.evaluate("() => window.__xss") is None and page.locator('img[src="x"]').count() == 0
              and t("state.invalid_url", "vi") in body and page.locator('[data-testid="stException"]').count() == 0)
        tally.record("browser: sector_targets link with a script in every parameter", ok)
        assert page.evaluate("() => window.__xss") is None
        assert page.locator('img[src="x"]').count() == 0
        assert t("state.invalid_url", "vi") in body
        assert page.locator('[data-testid="stException"]').count() == 0
        assert not errors, errors
    finally:
        page.close()


@pytest.mark.browser
def test_huge_link_in_the_browser(app_url, browser, tally):
    """A 100 000-character parameter: the server answers (Tornado refuses an over-long request line with a
    4xx status, or the page opens on its defaults); the app never shows an exception."""
    page = browser.new_page()
    try:
        response = page.goto(f"{app_url}/sector_targets?lang=vi&indicator={HUGE}")
        status = response.status if response is not None else None
        if status == 200:
            page.wait_for_selector(".js-plotly-plot", timeout=60_000)
            ok = (t("state.invalid_url", "vi") in page.locator('[data-testid="stMain"]').inner_text()
                  and page.locator('[data-testid="stException"]').count() == 0)
        else:
            ok = status is not None and 400 <= status < 500
        print(f"\n100 000-character link parameter: HTTP {status}")
        tally.record("browser: 100 000-character link parameter", ok)
        assert ok, status
    finally:
        page.close()


# ---------------------------------------------------------------- 2. text from the data

XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=2</script>"
MARKDOWN = "**bold** [link](javascript:alert(1))"
PAYLOAD = f"{XSS_IMG} {XSS_SCRIPT} {MARKDOWN}"
PROVINCE = "31"  # Hải Phòng: has a plan with services targets and tasks
NO_PLAN_PROVINCE = "01"  # Hà Nội: no plan loaded
ARCHIPELAGO_HOST = "56"  # Khánh Hòa: Trường Sa is drawn as a trace of its own, named after it
TARGET_ID = "HPG-117-2020-001"  # services_growth: on the sector page's default chart
LINK_TARGET_ID = "HPG-117-2020-002"
HOSTILE_TARGET_ID = "HPG-2) [Session expired](https://evil.example/login) (x"


def _rewrite(path: Path, change) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns, rows = reader.fieldnames, list(reader)
    rows = [change(row) or row for row in rows]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory) -> tuple[Path, Path, str]:
    """A copy of data/ with markup in a citation, a task and a province name, and its warehouse (no citation check)."""
    from etl.warehouse import build
    folder = tmp_path_factory.mktemp("hostile")
    data = folder / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("warehouse.duckdb*", "cache", ".*"))

    # Citations are kept under 200 characters and task titles under 80 (the ETL's limits).
    def citation(row):
        if row["target_id"] == TARGET_ID:
            row["citation"] = f"Năm 2020 đạt khoảng 9,89% {PAYLOAD}"
        if row["target_id"] == LINK_TARGET_ID:  # an ID that would end the clause's permalink and add its own
            row["target_id"] = HOSTILE_TARGET_ID
    _rewrite(data / "targets" / "HPG-117-2020.csv", citation)

    task_ids = []

    def task(row):
        if not task_ids:
            task_ids.append(row["task_id"])
            row["title_vi"] = f"Nhiệm vụ {MARKDOWN}"
            row["title_en"] = f"Task {MARKDOWN}"
            row["citation"] = f"Triển khai {PAYLOAD}"
    _rewrite(data / "tasks" / "HPG-117-2020.csv", task)

    def province(row):
        if row["province_code"] == PROVINCE:
            row["name_vi"] = f"Hải Phòng {PAYLOAD}"
            row["name_en"] = f"Hai Phong {PAYLOAD}"
    _rewrite(data / "provinces.csv", province)

    def no_plan_province(row):  # Hà Nội has no plan: its name reaches the map panel's "no plan loaded" notice
        if row["province_code"] == NO_PLAN_PROVINCE:
            row["name_vi"] = f"Hà Nội {PAYLOAD}"
            row["name_en"] = f"Hanoi {PAYLOAD}"
        if row["province_code"] == ARCHIPELAGO_HOST:  # its name is in the name of Trường Sa's map trace
            row["name_vi"] = f"Khánh Hòa {PAYLOAD}"
    _rewrite(data / "provinces.csv", no_plan_province)

    warehouse = folder / "warehouse.duckdb"
    result = build(data, warehouse, None, progress=lambda message: None)
    assert result.ok, "\n".join(map(str, result.errors))
    return data, warehouse, task_ids[0]


@pytest.fixture(scope="module")
def hostile_url(hostile_data):
    data, warehouse, _task = hostile_data
    with serve_app(warehouse, DV2030_DATA_DIR=str(data)) as url:
        yield url


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _inert(page) -> list[str]:
    """What went wrong on the page: a script that ran, or markup made of the data's text."""
    problems = []
    if page.evaluate("() => window.__xss") is not None:
        problems.append(f"script ran: window.__xss = {page.evaluate('() => window.__xss')}")
    if page.locator('img[src="x"]').count():
        problems.append("an <img> element was made of the text")
    if page.locator('a[href^="javascript"]').count() or page.locator("a", has_text=re.compile(r"^link$")).count():
        problems.append("a link was made of the text")
    bold = page.locator("strong, b", has_text=re.compile(r"^bold$"))
    if bold.count():
        problems.append(f"Markdown bold rendered ({bold.count()}×)")
    return problems


def _literal(page, scope: str = '[data-testid="stMain"]') -> bool:
    """The payload appears as text (whitespace aside: tables and hover labels wrap long lines)."""
    text = _squash(page.locator(scope).first.text_content() or "")
    return all(_squash(part) in text for part in (XSS_IMG, XSS_SCRIPT, MARKDOWN))


def _open(browser, url: str, shot: str, wait_for: str | None = None):
    page, errors = open_page(browser, url, shot, wait_for=wait_for, height=2400)
    assert page.locator('[data-testid="stException"]').count() == 0
    return page, errors


@pytest.mark.browser
def test_markup_in_data_is_text_on_the_sector_page(hostile_url, hostile_data, browser, tally, monkeypatch):
    page, errors = _open(browser, f"{hostile_url}/sector_targets?lang=vi", "hostile_sector_chart.png",
                         ".js-plotly-plot")
    try:
        # Hover the point whose clause holds the markup (values are grouped by encoding, each point with its own
        # hover text; a trace draws a marker for each point that is not a None gap between ranges).
        index, point = page.evaluate("""() => {
            const data = document.querySelector('.js-plotly-plot').data;
            for (let i = 0; i < data.length; i++) {
                const hovers = data[i].hovertext || [];
                const j = hovers.findIndex(text => (text || '').includes('**bold**'));
                if (j >= 0) return [i, data[i].x.slice(0, j).filter(x => x !== null).length];
            }
            return [-1, -1];
        }""")
        assert index >= 0, "the chart does not show the value with the marked-up citation"
        page.locator(".js-plotly-plot .scatterlayer .trace").nth(index).locator(".points path").nth(point).hover(
            force=True)
        page.wait_for_selector(".js-plotly-plot .hoverlayer .hovertext", timeout=10_000)
        hover_literal = _literal(page, ".js-plotly-plot .hoverlayer")
        chart_problems = _inert(page)
        page.screenshot(path=str(ARTIFACTS / "hostile_sector_hover.png"))
        page.get_by_role("tab", name=t("sector.tab.table", "vi")).click()
        page.wait_for_timeout(1500)
        table_problems = _inert(page)
        ok = hover_literal and not chart_problems and not table_problems and _literal(page)
        tally.record("data markup: sector targets hover, labels and table", ok)
        assert hover_literal, page.locator(".js-plotly-plot .hoverlayer").text_content()
        assert not chart_problems and not table_problems, chart_problems + table_problems
        assert _literal(page), "the province name is not shown literally in the chart"
        assert not errors, errors
    finally:
        page.close()
    # The table (a canvas in the browser) holds the text as it is.
    data, warehouse, _task = hostile_data
    monkeypatch.setenv("DV2030_DATA_DIR", str(data))
    monkeypatch.setenv("DV2030_WAREHOUSE", str(warehouse))
    at = run_page("sector_targets")
    table = at.dataframe[0].value
    assert any(PAYLOAD in str(v) for v in table[t("col.citation", "vi")])




def test_a_target_id_cannot_add_a_link_to_its_permalink(hostile_data, monkeypatch, tally):
    """The clause card links to itself with ?target=<ID>: the ID is percent-encoded in the link, and so in the
    table's link column."""
    from urllib.parse import quote
    data, warehouse, _task = hostile_data
    monkeypatch.setenv("DV2030_DATA_DIR", str(data))
    monkeypatch.setenv("DV2030_WAREHOUSE", str(warehouse))
    at = run_page("plans", target=HOSTILE_TARGET_ID)
    assert not at.exception, [e.message for e in at.exception]
    links = [m.value for m in at.markdown if "?target=" in m.value]
    encoded = f"?target={quote(HOSTILE_TARGET_ID, safe='')}&"
    ok = len(links) == 1 and encoded in links[0] and "](https://evil" not in links[0]
    tally.record("data markup: target ID in the clause permalink", ok)
    assert len(links) == 1, [m.value for m in at.markdown]
    assert encoded in links[0] and "](https://evil" not in links[0], links[0]
    column = at.dataframe[-1].value[t("plans.col.link", "vi")]
    assert any(encoded in str(link) for link in column)


def test_map_trace_names_carry_no_markup(hostile_data, monkeypatch, tally):
    """Plotly shows a trace's name in its legend and hover, as HTML: data text in it is escaped even where it is
    hidden today."""
    from dashboard_lib.widgets import escape_html
    data, warehouse, _task = hostile_data
    monkeypatch.setenv("DV2030_DATA_DIR", str(data))
    monkeypatch.setenv("DV2030_WAREHOUSE", str(warehouse))
    names = []
    for view in ("63", "34"):
        at = run_page("map", view=view)
        assert not at.exception, [e.message for e in at.exception]
        names += [trace.get("name") or "" for trace in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]]
    raw = [name for name in names if "<img" in name or "<script" in name]
    shown = any(escape_html(XSS_IMG) in name for name in names)
    tally.record("data markup: map trace names", not raw and shown)
    assert not raw, raw
    assert shown, "no trace is named after the archipelago's host province"


@pytest.mark.browser
@pytest.mark.parametrize("case, path, wait_for", [
    pytest.param("plans clause", f"plans?lang=vi&target={TARGET_ID}", '[data-testid="stDataFrame"]', id="plans-clause"),
    pytest.param("plans search", "plans?lang=vi&q=bold", '[data-testid="stDataFrame"]', id="plans-search"),
    pytest.param("map side panel", f"map?lang=vi&view=63&province={PROVINCE}", ".js-plotly-plot", id="map-panel"),
    pytest.param("map side panel, no plan", f"map?lang=vi&view=63&province={NO_PLAN_PROVINCE}", ".js-plotly-plot",
                 id="map-panel-no-plan"),
    pytest.param("overview", "?lang=vi", ".js-plotly-plot", id="overview-vi"),
    pytest.param("overview (English)", "?lang=en", ".js-plotly-plot", id="overview-en"),
    pytest.param("trajectories", "trajectories?lang=vi", ".js-plotly-plot", id="trajectories"),
    pytest.param("sector targets, other sector", "sector_targets?lang=vi&sector=tourism", ".js-plotly-plot",
                 id="sector-tourism"),
])
def test_markup_in_data_is_text_on_other_pages(hostile_url, browser, tally, case, path, wait_for):
    shot = "hostile_" + re.sub(r"\W+", "_", case) + ".png"
    page, errors = _open(browser, f"{hostile_url}/{path}", shot, wait_for)
    try:
        problems = _inert(page)
        literal = _literal(page)
        tally.record(f"data markup: {case}", not problems and literal)
        assert not problems, problems
        assert literal, "the marked-up text is not shown literally"
        assert not errors, errors
    finally:
        page.close()


@pytest.mark.browser
def test_markup_in_data_is_text_on_the_tasks_page(hostile_url, hostile_data, browser, tally):
    """The task list (a canvas) and the task card opened by selecting the marked-up task's row."""
    _data, _warehouse, task_id = hostile_data
    page, errors = _open(browser, f"{hostile_url}/tasks?lang=vi&province={PROVINCE}", "hostile_tasks.png",
                         '[data-testid="stDataFrame"]')
    try:
        listed = _inert(page)
        # The marked-up task is the first of its plan: select the list's first row (the row-marker column).
        grid = page.locator('[data-testid="stDataFrame"]').last
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 35 // 2)
        page.wait_for_selector('[data-testid="stMain"] blockquote', timeout=30_000)
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "hostile_tasks_card.png"), full_page=True)
        card = page.locator('[data-testid="stMain"]').inner_text()
        problems = listed + _inert(page)
        literal = task_id in card and _literal(page)
        tally.record("data markup: tasks list and card", not problems and literal)
        assert not problems, problems
        assert task_id in card, "the selected row is not the marked-up task"
        assert literal, "the marked-up task text is not shown literally in its card"
        assert not errors, errors
    finally:
        page.close()
