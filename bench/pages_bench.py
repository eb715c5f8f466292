"""Page benchmarks: server-side run time (AppTest), first chart in headless Chromium, map bytes, peak memory.

    python bench/pages_bench.py                                   # everything, 1× and 100× (~20–40 min on 2 cores)
    python bench/pages_bench.py --sections apptest --scales 1 100 --repeat 3
    python bench/pages_bench.py --sections browser bytes memory --scales 1
    python bench/pages_bench.py --profile trajectories --scales 100   # pyinstrument of one warm page run
    python bench/pages_bench.py --workdir /tmp/dv2030-pages       # keep (and reuse) the datasets and warehouses

Prints tables, never asserts. Every figure is measured in the same run as its floor, alternating with it, so the
ratio stays meaningful on a busy shared machine; medians of --repeat runs.

The floor is bench/floor_page.py: a bare Streamlit page with one Plotly chart and one selectbox.
- apptest: a page's run in AppTest (streamlit.testing) with warm caches, i.e. what one user's rerun costs the
  server: `default` = the page opened in a session that has shown the home page (one run of dashboard.py + the
  page), `filter` = one widget changed on it (see _set_filter), `cold` = the page opened right after all Streamlit
  caches were cleared (first visit after a start or a rebuild; one run, no floor), `new selection` = the first
  filter change after that (nobody has made that selection yet: what is cached per selection is not; the `filter`
  column is the median of the later repeats, other sessions making the same change). Floor: a rerun of floor_page.py
  in its session, and its selectbox changed. AppTest's own per-session set-up (about 70 ms) is in neither.
  The CPU ratio uses this process's CPU seconds (the script runs in a thread of this process), which other
  processes on the machine disturb less than wall time.
- browser: time from navigation start to the first rendered chart (`.js-plotly-plot .main-svg`) in a fresh
  Chromium context (nothing cached), server caches warm, beside the floor page served the same way. Pages without
  a chart: the plans page is timed to its first table, the slide deck (empty) to its heading.
- bytes: what the browser receives over Streamlit's websocket while the map page loads (63 and 34 provinces),
  beside the Plotly figure JSON of that map (raw and gzip) and the floor page's websocket bytes.
- memory: RSS of the Streamlit server process (/proc/<pid>/status: VmRSS, peak VmHWM) with 10 concurrent browser
  sessions each opening every page (through the sidebar), beside the floor page served to 10 sessions.
Scales: 1 = the real data (data/), 100 = bench/synthetic.py's 100× dataset (seeded), built with etl.warehouse.build
into the work folder (never into data/).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# AppTest runs pages outside a server: Streamlit warns "missing ScriptRunContext" on every run; keep the tables readable.
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from dashboard_lib.i18n import t  # noqa: E402

FLOOR = REPO / "bench" / "floor_page.py"
DASHBOARD = REPO / "dashboard.py"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHART = ".js-plotly-plot .main-svg"
TABLE = '[data-testid="stDataFrame"]'
# page (file stem), heading key, what "first chart" waits for
PAGES = [("overview", "app.title", CHART), ("map", "map.title", CHART),
         ("sector_targets", "nav.sector_targets", CHART), ("trajectories", "nav.trajectories", CHART),
         ("tasks", "tasks.title", CHART), ("plans", "nav.plans", TABLE), ("slide_deck", "deck.title", "h1")]
TARGET_RERUN = 3.0
TARGET_FIRST_CHART = 1.5
TARGET_MAP_BYTES = 250_000
QUIET = lambda message: None  # noqa: E731
TIMEOUT_S = 600


# ---------------------------------------------------------------- datasets and warehouses

@dataclass
class Scale:
    name: str
    data_dir: Path
    warehouse: Path

    def env(self) -> dict[str, str]:
        return {"DV2030_DATA_DIR": str(self.data_dir), "DV2030_WAREHOUSE": str(self.warehouse)}


def _sources_dir() -> Path | None:
    configured = os.environ.get("DV2030_SOURCES_DIR", "").strip()
    if configured:
        return Path(configured)
    default = REPO.parent / "shared" / "seeds"
    return default if default.is_dir() else None


def _geo_env() -> None:
    """Synthetic data folders have no geo cache: reuse the repository's (or $DV2030_GEO_DIR), never the network."""
    if not os.environ.get("DV2030_GEO_DIR") and not os.environ.get("DV2030_CACHE_DIR"):
        os.environ["DV2030_CACHE_DIR"] = str(REPO / "data" / "cache")


def _current(data_dir: Path, warehouse: Path) -> bool:
    from etl.warehouse import data_fingerprint, warehouse_fingerprint
    return warehouse_fingerprint(warehouse) == data_fingerprint(data_dir)


def prepare(workdir: Path, scales: list[int]) -> dict[int, Scale]:
    from etl.warehouse import build
    from synthetic import generate
    _geo_env()
    prepared = {}
    for scale in scales:
        if scale == 1:
            data_dir, warehouse = REPO / "data", workdir / "real" / "warehouse.duckdb"
        else:
            data_dir, warehouse = workdir / f"data-{scale}x", workdir / f"w{scale}" / "warehouse.duckdb"
            if not (data_dir / "documents.csv").exists():
                print(f"generating the {scale}× dataset in {data_dir} …", flush=True)
                generate(data_dir, scale)
        if not _current(data_dir, warehouse):
            print(f"building the {scale}× warehouse …", flush=True)
            started = time.perf_counter()
            result = build(data_dir, warehouse, _sources_dir() if scale == 1 else None, progress=QUIET)
            if not result.ok:
                raise SystemExit("\n".join(map(str, result.errors[:20])))
            print(f"  built in {time.perf_counter() - started:.1f} s", flush=True)
        prepared[scale] = Scale(f"{scale}×", data_dir, warehouse)
    return prepared


def _use(scale: Scale) -> None:
    os.environ.update(scale.env())


# ---------------------------------------------------------------- AppTest

def _set_filter(page: str, at) -> bool:
    """One typical filter change on each page; False when the page has none."""
    if page == "overview":
        at.button_group(key="overview_indicator").set_value("services_share_grdp")
    elif page == "map":
        at.radio(key="map_view").set_value("34")  # the 34 provinces since 1 July 2025
    elif page == "sector_targets":
        box = at.multiselect(key="sector_provinces")
        box.set_value(list(box.value)[:3])  # three provinces instead of all
    elif page == "trajectories":
        at.toggle(key="trajectory.projection").set_value(True)
    elif page == "tasks":
        at.multiselect(key="tasks_sector").set_value(["services"])
    elif page == "plans":
        at.text_input(key="plans_query").input("du lịch")
    else:
        return False
    return True


def _share_script_cache() -> None:
    """One compiled-script cache for every AppTest run, as a server has (one per process). AppTest makes a new one
    on every run, so each measured run recompiled dashboard.py and the page, Streamlit's "magic" AST rewrite
    included: 5–20 ms a run depending on the script's length, which a server pays once."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner
    if not isinstance(app_test.ScriptCache, type):
        return
    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared


def _apptest(script: Path):
    from streamlit.testing.v1 import AppTest
    _share_script_cache()
    return AppTest.from_file(str(script), default_timeout=TIMEOUT_S)


def _timed(function) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def _errors(at) -> list[str]:
    return [e.message.splitlines()[0][:160] for e in at.exception]


def _open_page(page: str):
    """A new session that has opened `page`; returns (AppTest, wall s, CPU s) of the page's run."""
    at = _apptest(DASHBOARD)
    at.query_params["lang"] = "vi"
    at.run()  # the home page (the session's first run, with AppTest's own set-up: not timed)
    for name in [n for n in at.query_params if n != "lang"]:
        del at.query_params[name]
    wall, cpu, _ = _timed(lambda: at.switch_page(f"pages/{page}.py").run())
    return at, wall, cpu


def _floor_run():
    """The floor page in a session: its run timed like a page's (the session's first run, which also pays for
    AppTest's own set-up, is not timed: the dashboard's pages are timed after the home page's run too)."""
    at = _apptest(FLOOR)
    at.run()
    wall, cpu, _ = _timed(at.run)
    return at, wall, cpu


def apptest_section(scales: dict[int, Scale], pages: list[str], repeat: int) -> list[dict]:
    import streamlit as st
    rows = []
    for scale in scales.values():
        _use(scale)
        _floor_run()  # imports, first-run costs
        for page in pages:
            row = {"scale": scale.name, "page": page, "errors": set()}
            st.cache_data.clear()
            st.cache_resource.clear()
            at, wall, _cpu = _open_page(page)
            row["cold"] = wall
            row["errors"].update(_errors(at))
            samples = {k: [] for k in ("d_wall", "d_cpu", "fd_wall", "fd_cpu", "f_wall", "f_cpu", "ff_wall", "ff_cpu")}
            has_filter = True
            for _ in range(repeat):
                floor_at, fw, fc = _floor_run()
                at, w, c = _open_page(page)
                row["errors"].update(_errors(at))
                samples["fd_wall"].append(fw), samples["fd_cpu"].append(fc)
                samples["d_wall"].append(w), samples["d_cpu"].append(c)
                floor_at.selectbox(key="floor_series").set_value("share")
                fw, fc, _ = _timed(floor_at.run)
                try:
                    has_filter = _set_filter(page, at)
                except Exception as err:  # noqa: BLE001 — a page that errored has no widgets to change
                    row["errors"].add(f"filter: {type(err).__name__}: {err}"[:160])
                    has_filter = False
                if has_filter:
                    w, c, _ = _timed(at.run)
                    row["errors"].update(_errors(at))
                    samples["ff_wall"].append(fw), samples["ff_cpu"].append(fc)
                    samples["f_wall"].append(w), samples["f_cpu"].append(c)
            # The first filter change is the first time anyone makes that selection (its derived results are not
            # cached yet); later repeats are other sessions making the same selection.
            first_filter = (samples["f_wall"][0], samples["ff_wall"][0]) if samples["f_wall"] else None
            for key in ("f_wall", "f_cpu", "ff_wall", "ff_cpu"):
                if len(samples[key]) > 1:
                    samples[key] = samples[key][1:]
            med = {k: statistics.median(v) if v else None for k, v in samples.items()}
            row["filter_new"] = first_filter[0] if first_filter else None
            row["filter_new_ratio"] = first_filter[0] / first_filter[1] if first_filter else None
            row.update(default=med["d_wall"], floor_default=med["fd_wall"],
                       default_ratio=med["d_wall"] / med["fd_wall"], default_cpu_ratio=med["d_cpu"] / med["fd_cpu"],
                       filter=med["f_wall"], floor_filter=med["ff_wall"],
                       filter_ratio=med["f_wall"] / med["ff_wall"] if med["f_wall"] else None,
                       filter_cpu_ratio=med["f_cpu"] / med["ff_cpu"] if med["f_cpu"] else None)
            rows.append(row)
            print(f"  apptest {scale.name:>4} {page:<15} default {row['default']:.3f} s "
                  f"({row['default_ratio']:.1f}× floor)"
                  + (f", filter {row['filter']:.3f} s ({row['filter_ratio']:.1f}×), new selection "
                     f"{row['filter_new']:.3f} s ({row['filter_new_ratio']:.1f}×)" if row["filter"] else "")
                  + (f"  ERRORS: {sorted(row['errors'])}" if row["errors"] else ""), flush=True)
    return rows


def _fmt(value, digits=2, suffix="") -> str:
    return "–" if value is None else f"{value:.{digits}f}{suffix}"


def print_apptest(rows: list[dict]) -> None:
    print("\n### Server-side run time (AppTest), medians; ratio = page ÷ floor in the same run\n")
    print("| scale | page | default s | floor s | **ratio** | CPU ratio | filter change s | floor s | **ratio** "
          "| CPU ratio | new selection s | **ratio** | cold s | errors |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        errors = "; ".join(sorted(r["errors"])) or ""
        miss = lambda ratio: "" if ratio is None or ratio <= TARGET_RERUN else " ✗"  # noqa: E731
        print(f"| {r['scale']} | {r['page']} | {_fmt(r['default'], 3)} | {_fmt(r['floor_default'], 3)} | "
              f"**{_fmt(r['default_ratio'], 1, '×')}**{miss(r['default_ratio'])} | {_fmt(r['default_cpu_ratio'], 1, '×')} | "
              f"{_fmt(r['filter'], 3)} | {_fmt(r['floor_filter'], 3)} | "
              f"**{_fmt(r['filter_ratio'], 1, '×')}**{miss(r['filter_ratio'])} | {_fmt(r['filter_cpu_ratio'], 1, '×')} | "
              f"{_fmt(r['filter_new'], 3)} | **{_fmt(r['filter_new_ratio'], 1, '×')}**{miss(r['filter_new_ratio'])} | "
              f"{_fmt(r['cold'], 2)} | {errors} |")
    print(f"\n✗ = over the target (reruns within {TARGET_RERUN:.0f}× the floor; the target applies at 100×).")


# ---------------------------------------------------------------- serving

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(script: Path, env: dict[str, str]):
    """`streamlit run script` on 127.0.0.1; yields (base URL, server pid)."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=REPO, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            break
        if process.poll() is not None:
            raise RuntimeError(f"streamlit run {script.name} exited")
        time.sleep(0.3)
    try:
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


def _launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"])


def _page_url(base: str, page: str, query: str = "lang=vi") -> str:
    return f"{base}/?{query}" if page == "overview" else f"{base}/{page}?{query}"


def _first_render(browser, url: str, selector: str) -> float:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        tab = context.new_page()
        started = time.perf_counter()
        tab.goto(url, wait_until="commit")
        tab.wait_for_selector(selector, timeout=TIMEOUT_S * 1000)
        return time.perf_counter() - started
    finally:
        context.close()


def _idle(tab) -> None:
    tab.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                          timeout=TIMEOUT_S * 1000)


# ---------------------------------------------------------------- browser: first chart

def browser_section(scales: dict[int, Scale], pages: list[str], repeat: int) -> list[dict]:
    from playwright.sync_api import sync_playwright
    rows = []
    with sync_playwright() as playwright:
        browser = _launch(playwright)
        for scale in scales.values():
            with serve(DASHBOARD, scale.env()) as (base, _pid), serve(FLOOR, {}) as (floor, _fpid):
                _first_render(browser, _page_url(base, "overview"), CHART)  # the entry script has run once
                _first_render(browser, floor, CHART)
                for page, _key, selector in [p for p in PAGES if p[0] in pages]:
                    url = _page_url(base, page)
                    _first_render(browser, url, selector)  # warm the server's caches for this page
                    page_times, floor_times = [], []
                    for _ in range(repeat):
                        floor_times.append(_first_render(browser, floor, CHART))
                        page_times.append(_first_render(browser, url, selector))
                    row = {"scale": scale.name, "page": page, "what": {CHART: "chart", TABLE: "table"}.get(selector, "heading"),
                           "page_s": statistics.median(page_times), "floor_s": statistics.median(floor_times)}
                    row["ratio"] = row["page_s"] / row["floor_s"]
                    rows.append(row)
                    print(f"  browser {scale.name:>4} {page:<15} first {row['what']} {row['page_s']:.2f} s, floor "
                          f"{row['floor_s']:.2f} s ({row['ratio']:.2f}×)", flush=True)
        browser.close()
    return rows


def print_browser(rows: list[dict]) -> None:
    print("\n### First rendered chart in headless Chromium (fresh context, warm server), medians\n")
    print("| scale | page | waits for | page s | floor s | **ratio** |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        miss = " ✗" if r["what"] == "chart" and r["ratio"] > TARGET_FIRST_CHART else ""
        print(f"| {r['scale']} | {r['page']} | {r['what']} | {r['page_s']:.2f} | {r['floor_s']:.2f} | "
              f"**{r['ratio']:.2f}×**{miss} |")
    print(f"\n✗ = over the target (first chart within {TARGET_FIRST_CHART}× the floor).")


# ---------------------------------------------------------------- bytes of the map page

def _websocket_bytes(browser, url: str, selector: str) -> tuple[int, int]:
    """(bytes, frames) the page receives over Streamlit's websocket until it has rendered and gone idle."""
    received = {"bytes": 0, "frames": 0}

    def on_socket(socket) -> None:
        def on_frame(payload) -> None:
            received["bytes"] += len(payload.encode("utf-8") if isinstance(payload, str) else payload)
            received["frames"] += 1
        socket.on("framereceived", on_frame)

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        tab = context.new_page()
        tab.on("websocket", on_socket)
        tab.goto(url)
        tab.wait_for_selector(selector, timeout=TIMEOUT_S * 1000)
        _idle(tab)
        tab.wait_for_timeout(1500)
        return received["bytes"], received["frames"]
    finally:
        context.close()


def _map_figure_json(scale: Scale, view: str) -> int:
    _use(scale)
    at = _apptest(DASHBOARD)
    at.query_params["lang"] = "vi"
    at.run()
    for name in [n for n in at.query_params if n != "lang"]:
        del at.query_params[name]
    at.query_params["view"] = view
    at.switch_page("pages/map.py").run()
    charts = at.get("plotly_chart")
    if at.exception or not charts:
        raise RuntimeError(f"map page failed: {_errors(at)}")
    return charts[0].proto.spec.encode("utf-8")


def bytes_section(scales: dict[int, Scale]) -> list[dict]:
    from playwright.sync_api import sync_playwright
    rows = []
    with sync_playwright() as playwright:
        browser = _launch(playwright)
        for scale in scales.values():
            with serve(DASHBOARD, scale.env()) as (base, _pid), serve(FLOOR, {}) as (floor, _fpid):
                _first_render(browser, _page_url(base, "overview"), CHART)
                floor_bytes, floor_frames = _websocket_bytes(browser, floor, CHART)
                for view in ("63", "34"):
                    ws, frames = _websocket_bytes(browser, _page_url(base, "map", f"lang=vi&view={view}"), CHART)
                    spec = _map_figure_json(scale, view)
                    rows.append({"scale": scale.name, "view": view, "ws": ws, "frames": frames, "json": len(spec),
                                 "gzip": len(gzip.compress(spec)), "floor_ws": floor_bytes})
                    print(f"  bytes {scale.name:>4} map {view}: websocket {ws:,} B in {frames} frames, figure JSON "
                          f"{len(spec):,} B ({len(gzip.compress(spec)):,} gzip); floor page {floor_bytes:,} B",
                          flush=True)
        browser.close()
    return rows


def print_bytes(rows: list[dict]) -> None:
    print("\n### Bytes sent for the map page (boundary map, default indicator)\n")
    print("| scale | map | websocket bytes received | frames | Plotly figure JSON | figure JSON gzip | floor page websocket |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        miss = " ✗" if r["view"] == "63" and r["ws"] > TARGET_MAP_BYTES else ""
        print(f"| {r['scale']} | {r['view']} provinces | **{r['ws']:,}**{miss} | {r['frames']} | {r['json']:,} | "
              f"{r['gzip']:,} | {r['floor_ws']:,} |")
    print(f"\n✗ = over the target (63-province map payload under {TARGET_MAP_BYTES:,} bytes).")


# ---------------------------------------------------------------- memory with 10 sessions

def _rss(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in bytes."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            name, amount, _unit = line.split()
            values[name[:-1]] = int(amount) * 1024
    return values["VmRSS"], values["VmHWM"]


async def _session(browser, base: str, pages: list[tuple[str, str, str]], floor: bool) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        tab = await context.new_page()
        await tab.goto(base if floor else _page_url(base, "overview"))
        await tab.wait_for_selector(CHART, timeout=TIMEOUT_S * 1000)
        if floor:
            return
        for page, key, selector in pages:
            if page != "overview":
                await tab.locator(f'[data-testid="stSidebarNav"] a[href$="/{page}"]').click()
            await tab.locator("h1", has_text=t(key, "vi")).first.wait_for(timeout=TIMEOUT_S * 1000)
            await tab.wait_for_selector(selector, timeout=TIMEOUT_S * 1000)
            await tab.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                        timeout=TIMEOUT_S * 1000)
    finally:
        await context.close()


def _sessions(base: str, n: int, pages, floor: bool = False) -> None:
    from playwright.async_api import async_playwright

    async def main() -> None:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
            try:
                await asyncio.gather(*(_session(browser, base, pages, floor) for _ in range(n)))
            finally:
                await browser.close()

    errors = []

    def run() -> None:
        try:
            asyncio.run(main())
        except Exception as err:  # noqa: BLE001
            errors.append(err)
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def memory_section(scales: dict[int, Scale], pages: list[str], sessions: int) -> list[dict]:
    chosen = [p for p in PAGES if p[0] in pages]
    rows = []
    for scale in scales.values():
        for label, script, env, floor in (("dashboard", DASHBOARD, scale.env(), False), ("floor page", FLOOR, {}, True)):
            with serve(script, env) as (base, pid):
                _sessions(base, 1, chosen, floor)  # one visit of every page: caches warm
                idle, _ = _rss(pid)
                peak = [idle]
                stop = threading.Event()

                def sample() -> None:
                    while not stop.is_set():
                        with contextlib.suppress(OSError, KeyError):
                            peak.append(_rss(pid)[0])
                        time.sleep(0.1)
                sampler = threading.Thread(target=sample)
                sampler.start()
                started = time.perf_counter()
                try:
                    _sessions(base, sessions, chosen, floor)
                finally:
                    stop.set()
                    sampler.join()
                seconds = time.perf_counter() - started
                rss, hwm = _rss(pid)
                rows.append({"scale": scale.name, "server": label, "idle": idle, "peak": max(max(peak), hwm),
                             "after": rss, "seconds": seconds})
                print(f"  memory {scale.name:>4} {label:<10} one session {idle / 2**20:.0f} MiB, peak with {sessions} "
                      f"sessions {max(max(peak), hwm) / 2**20:.0f} MiB, after {rss / 2**20:.0f} MiB "
                      f"({seconds:.0f} s)", flush=True)
    return rows


def print_memory(rows: list[dict], sessions: int) -> None:
    print(f"\n### Peak memory (RSS) of the Streamlit process, {sessions} concurrent browser sessions\n")
    print(f"| scale | server | RSS after 1 session, MiB | **peak RSS with {sessions} sessions, MiB** | RSS after, MiB "
          f"| {sessions} sessions took s |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['scale']} | {r['server']} | {r['idle'] / 2**20:.0f} | **{r['peak'] / 2**20:.0f}** | "
              f"{r['after'] / 2**20:.0f} | {r['seconds']:.0f} |")


# ---------------------------------------------------------------- profile one page

def profile(scale: Scale, page: str, filter_change: bool, show_all: bool = False) -> None:
    """pyinstrument of one warm run of the page, recorded inside AppTest's script thread."""
    from pyinstrument import Profiler
    from streamlit.navigation import page as navigation
    _use(scale)
    recorded = {}
    original = navigation.StreamlitPage.run

    def run(self):
        if recorded.get("on") and str(self._page).endswith(f"{page}.py"):
            profiler = Profiler(async_mode="disabled", interval=0.002)
            profiler.start()
            try:
                return original(self)
            finally:
                profiler.stop()
                recorded["profiler"] = profiler
        return original(self)

    navigation.StreamlitPage.run = run
    try:
        _open_page(page)  # warm caches
        if filter_change:
            at, _w, _c = _open_page(page)
            _set_filter(page, at)
            recorded["on"] = True
            at.run()
        else:
            recorded["on"] = True
            at, _w, _c = _open_page(page)
    finally:
        navigation.StreamlitPage.run = original
    print(f"errors: {_errors(at)}")
    print(recorded["profiler"].output_text(unicode=True, color=False, show_all=show_all))


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", nargs="+", default=["apptest", "browser", "bytes", "memory"],
                        choices=["apptest", "browser", "bytes", "memory"])
    parser.add_argument("--scales", nargs="+", type=int, default=[1, 100])
    parser.add_argument("--pages", nargs="+", default=[p[0] for p in PAGES], choices=[p[0] for p in PAGES])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--workdir", type=Path, help="keep datasets and warehouses here (default: a temporary folder)")
    parser.add_argument("--profile", choices=[p[0] for p in PAGES], help="profile one page (first --scales)")
    parser.add_argument("--filter", action="store_true", help="with --profile: profile the filter change")
    parser.add_argument("--all-frames", action="store_true", help="with --profile: show library frames too")
    args = parser.parse_args(argv)

    temporary = None
    if args.workdir is None:
        temporary = tempfile.TemporaryDirectory(prefix="dv2030-pages-")
        args.workdir = Path(temporary.name)
    args.workdir.mkdir(parents=True, exist_ok=True)
    try:
        scales = prepare(args.workdir, args.scales)
        if args.profile:
            profile(scales[args.scales[0]], args.profile, args.filter, args.all_frames)
            return 0
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; repeat {args.repeat}", flush=True)
        results = {}
        if "apptest" in args.sections:
            results["apptest"] = apptest_section(scales, args.pages, args.repeat)
        if "browser" in args.sections:
            results["browser"] = browser_section(scales, args.pages, args.repeat)
        if "bytes" in args.sections:
            results["bytes"] = bytes_section(scales)
        if "memory" in args.sections:
            results["memory"] = memory_section(scales, args.pages, args.sessions)
        print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
        if "apptest" in results:
            print_apptest(results["apptest"])
        if "browser" in results:
            print_browser(results["browser"])
        if "bytes" in results:
            print_bytes(results["bytes"])
        if "memory" in results:
            print_memory(results["memory"], args.sessions)
    finally:
        if temporary is not None:
            temporary.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
