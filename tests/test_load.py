"""Load: 20 concurrent browser sessions on one local server, then warehouse rebuilds while the same sessions browse.

- Phase 1: 20 sessions (Playwright contexts in one headless Chromium, driven concurrently with asyncio) each open
  the home page and then every page through the sidebar: every page must render (its heading, the end of the
  script run, and the chart on chart pages) and none may show an exception or an error box.
- Phase 2: the same sessions keep browsing (overview, plans, out of step) while the served warehouse
  is rebuilt again and again (etl.warehouse.build into the served path: a temporary file swapped in atomically),
  alternating a 10× synthetic dataset and the real data: no session may error, and every overview a session
  renders must show the counts of one dataset or the other (plans, values, indicators: never a mix, never a
  half-built file).
p50/p95 render times per page are printed for both phases.

The dashboard rebuilds its warehouse itself when the warehouse does not match its curated folder (data/): the
synthetic build would be replaced by the real data at once. So in this test the builds are stamped with the
fingerprint of data/ (etl.warehouse.data_fingerprint patched in this process only): each swap stands until the
next one, as after an ETL run on changed curated files.

Bounded: 20 sessions × 7 pages, then 20 sessions × 2–12 page visits during at least 4 rebuilds; loopback only;
no timing assertions (the timings are printed).
"""
from __future__ import annotations

import asyncio
import random
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
MAX_LAPS = 6  # phase 2: laps of the rebuild route per session, at most
REBUILD_PAUSE_S = 2.0
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
    """Open a page (by URL for the session's first page, else through the sidebar) and wait until it has rendered:
    its heading, the end of the script run, and its chart on chart pages.

    Returns {page, seconds, errors}: `errors` holds the text of any exception or error box (or what is missing)."""
    started = time.perf_counter()
    if first:
        await tab.goto(f"{base}/{path}?lang=vi", wait_until="commit", timeout=TIMEOUT_MS)
    else:
        await tab.locator(f'[data-testid="stSidebarNav"] a[href="{base}/{path}"]').click()
    heading = tab.locator("h1", has_text=t(heading_key, "vi"))
    await heading.or_(tab.locator(ERRORS)).first.wait_for(timeout=TIMEOUT_MS)
    await _idle(tab)
    errors = [await e.inner_text() for e in await tab.locator(ERRORS).all()]
    if not errors and chart:
        await tab.wait_for_selector(CHART, timeout=TIMEOUT_MS)
    seconds = time.perf_counter() - started
    if not errors and not await heading.count():
        errors.append(f"no heading '{t(heading_key, 'vi')}'")
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


class _Summary:
    """Prints the render times in pytest's terminal summary, where a passing test's output is not captured away."""

    def __init__(self, text: str) -> None:
        self.text = text

    def pytest_terminal_summary(self, terminalreporter) -> None:
        for line in self.text.splitlines():
            terminalreporter.write_line(line)


# ---------------------------------------------------------------- the datasets

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


@pytest.fixture(scope="module")
def datasets(warehouse, tmp_path_factory) -> dict:
    """The served warehouse (a private copy of the session's), the 10× synthetic dataset, and what the overview
    shows for each (counts from warehouses built apart from the served one)."""
    from etl.warehouse import build
    folder = tmp_path_factory.mktemp("load")
    served = folder / "served" / "warehouse.duckdb"
    served.parent.mkdir()
    shutil.copy2(warehouse, served)
    synthetic = folder / "data-10x"
    generate(synthetic, 10)
    staging = folder / "staging" / "warehouse.duckdb"
    assert build(synthetic, staging, None, with_maps=False, progress=QUIET).ok
    expected = {"real": _counts(served), "synthetic": _counts(staging)}
    assert expected["real"] != expected["synthetic"]
    return {"served": served, "synthetic": synthetic, "expected": expected}


# ---------------------------------------------------------------- 20 sessions, every page, then rebuilds

REBUILD_ROUTE = [("", "app.title", True), ("plans", "nav.plans", False)]


def test_twenty_sessions_browse_every_page_and_survive_rebuilds(datasets, request):
    """Phase 1: 20 sessions open every page. Phase 2: the same sessions keep browsing (overview, plans, at random
    moments, until at least MIN_REBUILDS swaps happened and both datasets were seen) while the warehouse is rebuilt
    underneath."""
    from etl import warehouse as etl_warehouse
    served, synthetic, expected = datasets["served"], datasets["synthetic"], datasets["expected"]
    real_fingerprint = etl_warehouse.data_fingerprint(REPO / "data")
    rebuilds: list[str] = []
    failures: list[str] = []
    go, stop = threading.Event(), threading.Event()

    def rebuild_loop() -> None:
        """Alternate the synthetic and the real data into the served path while phase 2 runs."""
        go.wait(timeout=900)
        with mock.patch.object(etl_warehouse, "data_fingerprint", lambda data_dir=None: real_fingerprint):
            while not stop.is_set() and go.is_set():
                name = "synthetic" if len(rebuilds) % 2 == 0 else "real"
                result = etl_warehouse.build(synthetic if name == "synthetic" else REPO / "data", served,
                                             None if name == "synthetic" else sources_dir(), progress=QUIET)
                if not result.ok:
                    failures.append(f"{name}: {result.errors[:3]}")
                    return
                rebuilds.append(name)
                stop.wait(REBUILD_PAUSE_S)

    with serve_app(served) as base:
        phase1_done = 0
        seen_names: set[str] = set()

        async def session(browser, number: int) -> tuple[list[dict], list[dict]]:
            nonlocal phase1_done
            context = await browser.new_context(viewport={"width": 1200, "height": 800})
            try:
                tab = await context.new_page()
                first = [await visit(tab, base, path, key, chart, first=i == 0)
                         for i, (path, key, chart) in enumerate(PAGES)]
                if number == 0:
                    ARTIFACTS.mkdir(parents=True, exist_ok=True)
                    await tab.screenshot(path=str(ARTIFACTS / "load_session0_last_page.png"))
                phase1_done += 1
                if phase1_done == SESSIONS:
                    go.set()  # every session has opened every page: start rebuilding
                while not go.is_set():
                    await asyncio.sleep(0.2)
                second = []
                pause = random.Random(number)
                for lap in range(MAX_LAPS):
                    for path, key, chart in REBUILD_ROUTE:
                        await asyncio.sleep(pause.uniform(0, 3))  # sessions out of step, sampling every moment
                        v = await visit(tab, base, path, key, chart)
                        if not path and not v["errors"]:
                            metrics = await tab.locator('[data-testid="stMetricValue"]').all_inner_texts()
                            v["counts"] = tuple(_digits(m) for m in metrics[:3])
                            seen_names.update(n for n, c in expected.items() if c == v["counts"])
                        second.append(v)
                    if len(rebuilds) >= MIN_REBUILDS and len(seen_names) == len(expected):
                        break
                return first, second
            finally:
                await context.close()

        async def main():
            from playwright.async_api import async_playwright
            async with async_playwright() as playwright:
                browser = await _launch(playwright)
                try:
                    await _warm(browser, base)
                    return await asyncio.gather(*(session(browser, n) for n in range(SESSIONS)))
                finally:
                    await browser.close()

        builder = threading.Thread(target=rebuild_loop)
        builder.start()
        started = time.perf_counter()
        try:
            sessions = run_async(main)
        finally:
            stop.set()
            go.set()
            builder.join(timeout=300)
        seconds = time.perf_counter() - started

    phase1 = [v for first, _ in sessions for v in first]
    phase2 = [v for _, second in sessions for v in second]
    seen = [v["counts"] for v in phase2 if "counts" in v]
    tally = {name: sum(c == counts for c in seen) for name, counts in expected.items()}
    summary = "\n".join([
        report(f"load: phase 1, {SESSIONS} concurrent sessions opening every page", phase1),
        report(f"load: phase 2, the same sessions during {len(rebuilds)} rebuilds ({', '.join(rebuilds)})", phase2),
        f"  overviews seen during rebuilds: {len(seen)}: real data {tally['real']}, synthetic data "
        f"{tally['synthetic']}; total {seconds:.0f} s"])
    print("\n" + summary)
    request.config.pluginmanager.register(_Summary(summary), "dv2030-load-summary")  # shown even under -q

    assert len(sessions) == SESSIONS and all(len(first) == len(PAGES) for first, _ in sessions)
    failed = [(v["page"], v["errors"]) for v in phase1 if v["errors"]]
    assert not failed, f"phase 1: {failed}"
    assert not failures, failures
    assert len(rebuilds) >= MIN_REBUILDS, rebuilds
    failed = [(v["page"], v["errors"]) for v in phase2 if v["errors"]]
    assert not failed, f"during rebuilds: {failed}"
    assert seen and all(c in expected.values() for c in seen), \
        (expected, [c for c in seen if c not in expected.values()])
    assert tally["real"] and tally["synthetic"], "the sessions did not see the rebuilt data"
    # The served warehouse is whole and holds the last build's data.
    assert _counts(served) == expected[rebuilds[-1]]
