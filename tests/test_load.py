"""Load: 20 concurrent browser sessions on one local server, and warehouse rebuilds while they browse.

- 20 sessions (Playwright contexts in one headless Chromium, driven concurrently with asyncio) each open the home
  page and then every page through the sidebar: every page must render (its heading, and the chart on chart pages)
  and none may show an exception or an error box. Prints p50/p95 render time per page and overall.
- The same load while the served warehouse is rebuilt again and again (etl.warehouse.build into the served path:
  a temporary file swapped in atomically), alternating the real data and a 10× synthetic dataset: no session may
  error, and every overview a session renders must show the counts of one dataset or the other (plans, values,
  indicators: never a mix, never a half-built file).

The dashboard rebuilds its warehouse itself when the warehouse does not match its curated folder (data/). The
synthetic build would be replaced by the real data at once, so in this test the synthetic build is stamped with the
fingerprint of data/ (etl.warehouse.data_fingerprint patched in this process only): the swap then stands until the
next one, as after an ETL run on changed curated files.

Bounded: 20 sessions × 7 pages, then 20 sessions × 6 page visits during ≥ 4 rebuilds; loopback only; no timing
assertions (the timings are printed).
"""
from __future__ import annotations

import asyncio
import re
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path
from unittest import mock

import duckdb
import pytest

from conftest import ARTIFACTS, CHROMIUM, REPO, serve_app, sources_dir
from dashboard_lib.i18n import t

sys.path.insert(0, str(REPO / "bench"))
from synthetic import generate  # noqa: E402

pytestmark = pytest.mark.browser

SESSIONS = 20
CHART = ".js-plotly-plot .main-svg"
# (URL path, heading key, has a chart); add_plan (editors only) is left out.
PAGES = [("", "app.title", True), ("map", "map.title", True), ("sector_targets", "nav.sector_targets", True),
         ("trajectories", "nav.trajectories", True), ("tasks", "tasks.title", True), ("plans", "nav.plans", False),
         ("slide_deck", "deck.title", False)]
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
TIMEOUT_MS = 120_000
MIN_REBUILDS = 4
QUIET = lambda message: None  # noqa: E731


# ---------------------------------------------------------------- driving many sessions

def run_async(factory):
    """Run an asyncio coroutine in its own thread: the session's sync Playwright owns this thread's event loop."""
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(factory())
        except BaseException as err:  # noqa: BLE001 — re-raised in the test's thread
            outcome["error"] = err

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


async def _launch(playwright):
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"])


async def _idle(tab) -> None:
    await tab.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                timeout=TIMEOUT_MS)


async def visit(tab, base: str, path: str, heading_key: str, chart: bool, first: bool = False) -> dict:
    """Open a page (by URL for the session's first page, else through the sidebar) and wait until it has rendered.

    Returns {page, seconds, errors, text}: `errors` holds the text of any exception or error box."""
    started = time.perf_counter()
    if first:
        await tab.goto(f"{base}/{path}?lang=vi", wait_until="commit", timeout=TIMEOUT_MS)
    else:
        await tab.locator(f'[data-testid="stSidebarNav"] a[href="{base}/{path}"]').click()
    await tab.locator("h1", has_text=t(heading_key, "vi")).first.wait_for(timeout=TIMEOUT_MS)
    if chart:
        await tab.wait_for_selector(CHART, timeout=TIMEOUT_MS)
    await _idle(tab)
    seconds = time.perf_counter() - started
    errors = [await e.inner_text() for e in await tab.locator(ERRORS).all()]
    return {"page": path or "overview", "seconds": seconds, "errors": errors}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def report(title: str, visits: list[dict]) -> str:
    lines = [f"{title}: {len(visits)} page renders"]
    by_page: dict[str, list[float]] = {}
    for v in visits:
        by_page.setdefault(v["page"], []).append(v["seconds"])
    every = [v["seconds"] for v in visits]
    for page, seconds in [*by_page.items(), ("all pages", every)]:
        lines.append(f"  {page:<15} p50 {statistics.median(seconds):6.2f} s   p95 {_percentile(seconds, 0.95):6.2f} s"
                     f"   max {max(seconds):6.2f} s   (n={len(seconds)})")
    return "\n".join(lines)


async def _warm(browser, base: str) -> None:
    """One visit first: on a fresh server, Streamlit runs a deep link before the entry script has declared the pages."""
    context = await browser.new_context()
    tab = await context.new_page()
    await visit(tab, base, "", "app.title", True, first=True)
    await context.close()


# ---------------------------------------------------------------- 20 sessions, every page

@pytest.fixture(scope="module")
def load_server(warehouse, tmp_path_factory):
    """The app on a private copy of the session's warehouse (the rebuild test swaps files under it)."""
    folder = tmp_path_factory.mktemp("served")
    served_path = folder / "warehouse.duckdb"
    shutil.copy2(warehouse, served_path)
    with serve_app(served_path) as url:
        yield url, served_path


def test_twenty_sessions_open_every_page(load_server):
    base, _path = load_server

    async def session(browser, number: int) -> list[dict]:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            tab = await context.new_page()
            visits = []
            for index, (path, key, chart) in enumerate(PAGES):
                visits.append(await visit(tab, base, path, key, chart, first=index == 0))
            if number == 0:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                await tab.screenshot(path=str(ARTIFACTS / "load_session0_last_page.png"))
            return visits
        finally:
            await context.close()

    async def main() -> list[list[dict]]:
        from playwright.async_api import async_playwright
        async with async_playwright() as playwright:
            browser = await _launch(playwright)
            try:
                await _warm(browser, base)
                return await asyncio.gather(*(session(browser, n) for n in range(SESSIONS)))
            finally:
                await browser.close()

    started = time.perf_counter()
    sessions = run_async(main)
    visits = [v for s in sessions for v in s]
    print("\n" + report(f"{SESSIONS} concurrent sessions in {time.perf_counter() - started:.0f} s", visits))
    assert len(sessions) == SESSIONS and all(len(s) == len(PAGES) for s in sessions)
    failed = [(v["page"], v["errors"]) for v in visits if v["errors"]]
    assert not failed, failed


# ---------------------------------------------------------------- rebuilds while the sessions browse

def _counts(warehouse: Path) -> tuple[str, str, str]:
    """What the overview's first three metrics show for a warehouse: plans, values, indicators (digits only)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        plans, values = con.execute("SELECT count(*), sum(n_values) FROM v_documents WHERE scope = 'provincial'"
                                    ).fetchone()
        indicators = con.execute("SELECT count(DISTINCT indicator) FROM v_targets WHERE scope = 'provincial'"
                                 ).fetchone()[0]
    return str(plans), str(int(values)), str(indicators)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def test_rebuilds_while_twenty_sessions_browse(load_server, tmp_path):
    from etl import warehouse as etl_warehouse
    base, served_path = load_server
    synthetic = tmp_path / "data-10x"
    generate(synthetic, 10)
    # What each dataset shows on the overview, from warehouses built apart from the served one.
    real_fingerprint = etl_warehouse.data_fingerprint(REPO / "data")
    expected = {"real": _counts(served_path)}
    staging = tmp_path / "staging" / "warehouse.duckdb"
    assert etl_warehouse.build(synthetic, staging, None, with_maps=False, progress=QUIET).ok
    expected["synthetic"] = _counts(staging)
    assert expected["real"] != expected["synthetic"]

    rebuilds: list[str] = []
    failures: list[str] = []
    stop = threading.Event()

    def rebuild_loop() -> None:
        """Alternate the two datasets into the served path until the sessions are done (at least MIN_REBUILDS)."""
        with mock.patch.object(etl_warehouse, "data_fingerprint", lambda data_dir=None: real_fingerprint):
            while not stop.is_set() or len(rebuilds) < MIN_REBUILDS:
                name = "synthetic" if len(rebuilds) % 2 == 0 else "real"
                result = etl_warehouse.build(synthetic if name == "synthetic" else REPO / "data", served_path,
                                             None if name == "synthetic" else sources_dir(), progress=QUIET)
                if not result.ok:
                    failures.append(f"{name}: {result.errors[:3]}")
                    return
                rebuilds.append(name)
                time.sleep(1.0)

    route = [("", "app.title", True), ("sector_targets", "nav.sector_targets", True), ("", "app.title", True),
             ("plans", "nav.plans", False), ("", "app.title", True), ("map", "map.title", True)]

    async def session(browser, number: int) -> list[dict]:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            tab = await context.new_page()
            visits = []
            for index, (path, key, chart) in enumerate(route):
                await asyncio.sleep(0.2 * (number % 5))  # spread the sessions over the swaps
                v = await visit(tab, base, path, key, chart, first=index == 0)
                if not path:
                    metrics = await tab.locator('[data-testid="stMetricValue"]').all_inner_texts()
                    v["counts"] = tuple(_digits(m) for m in metrics[:3])
                visits.append(v)
            return visits
        finally:
            await context.close()

    async def main() -> list[list[dict]]:
        from playwright.async_api import async_playwright
        async with async_playwright() as playwright:
            browser = await _launch(playwright)
            try:
                await _warm(browser, base)
                return await asyncio.gather(*(session(browser, n) for n in range(SESSIONS)))
            finally:
                await browser.close()

    builder = threading.Thread(target=rebuild_loop)
    started = time.perf_counter()
    builder.start()
    try:
        sessions = run_async(main)
    finally:
        stop.set()
        builder.join(timeout=300)
    visits = [v for s in sessions for v in s]
    seen = [v["counts"] for v in visits if "counts" in v]
    tally = {name: sum(c == counts for c in seen) for name, counts in expected.items()}
    print("\n" + report(f"{SESSIONS} sessions during {len(rebuilds)} rebuilds ({', '.join(rebuilds)}) in "
                        f"{time.perf_counter() - started:.0f} s", visits))
    print(f"  overviews seen: {len(seen)}; real data {tally['real']}, synthetic data {tally['synthetic']}")

    assert not failures, failures
    assert len(rebuilds) >= MIN_REBUILDS
    failed = [(v["page"], v["errors"]) for v in visits if v["errors"]]
    assert not failed, failed
    assert all(c in expected.values() for c in seen), (expected, [c for c in seen if c not in expected.values()])
    assert len(seen) == SESSIONS * 3
    # The served warehouse is whole and current (the last build), and opens read-only.
    assert _counts(served_path) == expected[rebuilds[-1]]
