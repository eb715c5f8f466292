"""Shared fixtures: a warehouse built from the repository's data, the app served on 127.0.0.1, a browser."""
from __future__ import annotations

import contextlib
from collections import Counter
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

ARTIFACTS = Path(os.environ.get("DV2030_ARTIFACTS", REPO / "artifacts"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def sources_dir() -> Path | None:
    """The plans' source texts: $DV2030_SOURCES_DIR, else ../shared/seeds beside the repository."""
    configured = os.environ.get("DV2030_SOURCES_DIR")
    if configured:
        return Path(configured)
    default = REPO.parent / "shared" / "seeds"
    return default if default.is_dir() else None


@pytest.fixture(scope="session")
def seeds() -> Path:
    path = sources_dir()
    if path is None or not path.is_dir():
        pytest.skip("source texts not available (set DV2030_SOURCES_DIR)")
    return path


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory) -> Path:
    """The real data built once per test session into a private folder (maps included when available)."""
    from etl.warehouse import build
    target = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    result = build(warehouse=target, sources_dir=sources_dir(), progress=lambda message: None)
    assert result.ok, "\n".join(map(str, result.errors))
    return target


@pytest.fixture(autouse=True)
def _fresh_sign_in_counts():
    """Wrong editor passwords are counted per server process: each test starts from none."""
    from dashboard_lib import editor
    editor.reset_counts()


@pytest.fixture
def app_env(warehouse, monkeypatch):
    """Point the in-process app (AppTest) at the session's warehouse."""
    monkeypatch.setenv("DV2030_WAREHOUSE", str(warehouse))
    return warehouse


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve_app(warehouse: Path, **extra_env: str | None):
    """The dashboard served on 127.0.0.1 by a real Streamlit process; yields its base URL."""
    port = _free_port()
    env = {**os.environ, "DV2030_WAREHOUSE": str(warehouse), **extra_env}
    env = {key: value for key, value in env.items() if value is not None}  # None: unset that variable
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "dashboard.py"), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(process.stdout.read().decode())
            time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError("Streamlit did not start within 60 s")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def app_url(warehouse):
    """The dashboard served for browser tests (shared by the session)."""
    with serve_app(warehouse) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright. In CI a missing browser is a failure, not a skip."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed (apt-get install -y chromium)")
        pytest.skip("Chromium not installed")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"])
        yield instance
        instance.close()


# Console messages a healthy Streamlit page may print in a sandbox without network access.
HARMLESS_CONSOLE = ("Failed to load resource", "net::ERR", "favicon", "WebSocket", "Permissions-Policy",
                    "was preloaded using link preload")


def open_page(browser, url: str, screenshot: str, wait_for: str | None = None, height: int = 1600):
    """Open a page, wait for it to render, save a screenshot under artifacts/, return (page, console errors)."""
    page = browser.new_page(viewport={"width": 1400, "height": height})
    errors = console_errors(page)
    load(page, url, wait_for)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
    serious = [e for e in errors if not any(h in e for h in HARMLESS_CONSOLE)]
    return page, serious


def load(page, url: str, wait_for: str | None = None) -> None:
    """Go to `url` and wait until the app is there, its run finished and `wait_for` (a selector) drawn."""
    page.goto(url)
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=60_000)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
    if wait_for:
        page.wait_for_selector(wait_for, timeout=60_000)
    page.wait_for_timeout(1500)


PLOT = ".js-plotly-plot"


@pytest.fixture(scope="session")
def served(app_url, browser):
    """The served app, its home page opened once (its first chart rendered) before the tests browse."""
    page = browser.new_page()
    page.goto(app_url)
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_selector(PLOT, timeout=60_000)
    page.close()
    return app_url


def wait_idle(page, settle_ms: int = 1500) -> None:
    """Wait until Streamlit has finished the current run."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
    page.wait_for_timeout(settle_ms)


def settle(page) -> None:
    """Let a click or a keystroke start its rerun, then wait for the run to finish (wait_idle after a pause)."""
    page.wait_for_timeout(500)
    wait_idle(page, settle_ms=1200)


def console_errors(page, ignore: tuple[str, ...] = ()) -> list[str]:
    """The page's console errors (but those containing a text of `ignore`) and uncaught exceptions, collected
    from now on into the list returned."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and not any(
        h in m.text for h in ignore) else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def open_add_plan_signed_in(page, url: str, lang: str, password: str, plan: Path) -> None:
    """What an editor does: open the app, sign in from the sidebar, open "Add a plan" (offered only once signed in),
    upload `plan` and wait for its extracted targets (row #4 of the review table)."""
    from dashboard_lib.i18n import t
    page.goto(f"{url}/?lang={lang}")
    page.wait_for_selector('[data-testid="stSidebar"]', timeout=90_000)
    settle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.get_by_text(t("nav.add_plan", lang)).count() == 0  # not offered before signing in
    sidebar.get_by_text(t("add.sign_in.title", lang)).click()
    sidebar.locator('input[type="password"]').fill(password)
    sidebar.get_by_role("button", name=t("add.sign_in.submit", lang)).click()
    settle(page)
    sidebar.get_by_role("link", name=t("nav.add_plan", lang)).click()
    page.wait_for_selector('[data-testid="stFileUploaderDropzoneInput"]', state="attached", timeout=90_000)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(plan))
    page.wait_for_selector('span[title^="#4"]', timeout=90_000)
    settle(page)


def assert_clean(page, errors) -> None:
    """No exception or error box on the page and no console errors (beyond the known harmless ones)."""
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    assert not errors, errors
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert "Traceback" not in body and "KeyError" not in body


# ---------------------------------------------------------------- pages as drawn at a given size

PHONE = {"width": 390, "height": 844}

# Per chart: its rectangle, its plot area's, its legend's and its title's, and every text drawn in it.
CHART_BOXES = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => {
    const box = node => { if (!node) return null; const r = node.getBoundingClientRect();
                          return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
    const texts = Array.from(gd.querySelectorAll('.main-svg text'))
        .filter(node => node.textContent.trim() && node.getBoundingClientRect().width > 0)
        .map(node => ({text: node.textContent, kind: node.getAttribute('class') || '', ...box(node)}));
    return {chart: box(gd.querySelector('.main-svg')), plot: box(gd.querySelector('.draglayer .nsewdrag')),
            legend: box(gd.querySelector('g.legend')), title: box(gd.querySelector('.gtitle-subtitle'))
                || box(gd.querySelector('.gtitle')), texts};
})"""


def open_sized(context, url: str, screenshot: str, width: int, wait_for: str | None = PLOT):
    """Open `url` in a new page of `context` at `width`, wait until it has rendered (and `wait_for` is there),
    make the viewport as tall as the page (Streamlit scrolls an inner element, so every chart is laid out) and save
    a full-page screenshot under ARTIFACTS. Returns (page, page errors)."""
    page = context.new_page()
    errors = console_errors(page, ignore=HARMLESS_CONSOLE)
    load(page, url, wait_for)
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": width, "height": min(int(height) + 100, 16_000)})
    page.wait_for_timeout(1500)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
    return page, errors


def phone_context(browser):
    """A 390 px phone: touch, mobile viewport."""
    return browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=1)


def open_phone(browser, url: str, screenshot: str):
    """`url` on a phone of its own (a new context): (context, page, page errors)."""
    context = phone_context(browser)
    page, errors = open_sized(context, url, screenshot, PHONE["width"])
    return context, page, errors


def overflows(chart: dict) -> list[str]:
    """The texts of a drawn chart that run past its left or right edge (1 px of rounding allowed)."""
    edge = chart["chart"]
    return [item["text"] for item in chart["texts"]
            if item["left"] < edge["left"] - 1 or item["right"] > edge["right"] + 1]


# ---------------------------------------------------------------- reading the range chart back

def unwrapped(text: str) -> str:
    """A chart text as one line: the line breaks Plotly needs (it does not wrap) turned back into spaces."""
    return str(text).replace("<br>", " ")


def plotted_values(fig: dict) -> list[tuple[float, float, str]]:
    """(low, high, hover text) of every value drawn (benchmark bands left out). Values are grouped into one trace
    per encoding: a range is a segment of its trace's x (segments separated by None), a point is one point."""
    values = []
    for trace in fig["data"]:
        if trace.get("legendgroup") == "benchmark" or trace["mode"] == "text":  # benchmarks, labels
            continue
        assert trace["hovertemplate"] == "%{hovertext}<extra></extra>"
        points = list(zip(trace["x"], trace["hovertext"]))
        if "lines" in trace["mode"]:
            segment = []
            for x, hover in points + [(None, "")]:
                if x is not None:
                    segment.append((x, hover))
                    continue
                if segment:
                    assert len(segment) == 2 and segment[0][1] == segment[1][1], segment  # low and high, one hover
                    values.append((float(segment[0][0]), float(segment[1][0]), segment[0][1]))
                segment = []
        else:
            values += [(float(x), float(x), hover) for x, hover in points]
    assert all(hover for _, _, hover in values), "a value without its hover text"
    return values


def plotted_pairs(fig: dict) -> Counter:
    """(low, high) of every value drawn (benchmark bands left out)."""
    return Counter((low, high) for low, high, _ in plotted_values(fig))


# ---------------------------------------------------------------- accessibility (axe-core)

AXE_JS = Path(os.environ.get("DV2030_AXE_JS", REPO / "tests" / "axe" / "node_modules" / "axe-core" / "axe.min.js"))
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script (installed by scripts/test.sh from tests/axe). In CI a missing checker is a failure."""
    if not AXE_JS.exists():
        if os.environ.get("CI"):
            pytest.fail(f"axe-core is not installed ({AXE_JS}): run scripts/test.sh")
        pytest.skip("axe-core not installed (cd tests/axe && npm ci)")
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page, source: str) -> list[dict]:
    """axe-core run on the page as it is now, WCAG 2 A and AA rules: each violation with its elements."""
    page.add_script_tag(content=source)
    return page.evaluate("""async tags => {
        const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
    }""", AXE_TAGS)
