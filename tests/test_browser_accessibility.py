"""Accessibility: axe-core (WCAG 2 A and AA rules) run in headless Chromium on every page, in both languages, must
find nothing. Its first run found one broken rule, colour contrast, on every caption (Streamlit's caption grey on
white); see page.style.

Also here: what Streamlit itself shows a viewer (its menu, its status widget) carries no English on a Vietnamese
page."""
from __future__ import annotations

import pytest

from conftest import ARTIFACTS, AXE_TAGS, axe_violations, open_page
from dashboard_lib.i18n import t

pytestmark = pytest.mark.browser

# Every page a viewer can open, with what shows it has rendered (the Add-a-plan page exists only for editors).
PAGES = [("", ".js-plotly-plot"), ("map", ".js-plotly-plot"), ("sector_targets", ".js-plotly-plot"),
         ("trajectories", ".js-plotly-plot"), ("tasks", '[data-testid="stDataFrame"]'),
         ("plans", '[data-testid="stDataFrame"]'), ("slide_deck", "h1")]


def _report(violations: list[dict]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']}\n" + "\n".join(
        f"  {n['target']}\n    {n['summary'].splitlines()[-1].strip()}" for n in v["nodes"][:5]) for v in violations)


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("path, wait_for", PAGES, ids=[p or "overview" for p, _ in PAGES])
def test_axe_finds_no_wcag_violation(served, browser, axe_source, lang, path, wait_for):
    name = path or "overview"
    page, errors = open_page(browser, f"{served}/{path}?lang={lang}", f"axe_{name}_{lang}.png", wait_for=wait_for,
                             height=2400)
    try:
        violations = axe_violations(page, axe_source)
        if violations:
            (ARTIFACTS / f"axe_{name}_{lang}.txt").write_text(_report(violations), encoding="utf-8")
        assert not violations, f"axe ({', '.join(AXE_TAGS)}) on /{path}?lang={lang}:\n{_report(violations)}"
    finally:
        page.close()


def test_a_caption_meets_the_contrast_minimum(served, browser):
    """The rule behind the fix, measured: a caption's text against the page is at least 4.5:1 (WCAG AA)."""
    page, _errors = open_page(browser, f"{served}/plans?lang=vi", "caption_contrast.png",
                              wait_for='[data-testid="stCaptionContainer"]')
    try:
        ratio = page.evaluate("""() => {
            const caption = document.querySelector('[data-testid="stCaptionContainer"] p');
            let opacity = 1;
            for (let e = caption; e; e = e.parentElement) opacity *= parseFloat(getComputedStyle(e).opacity);
            const rgb = getComputedStyle(caption).color.match(/[\\d.]+/g).map(Number);
            const seen = rgb.slice(0, 3).map(c => 255 - (255 - c) * opacity * (rgb.length > 3 ? rgb[3] : 1));
            const lum = seen.map(c => c / 255).map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
            return 1.05 / (0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2] + 0.05);
        }""")
        assert ratio >= 4.5, ratio
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_streamlit_shows_a_viewer_no_english_menu_or_status(served, browser, lang):
    """Streamlit's menu (Print, Record screen) is hidden; its status widget shows neither the running figure
    (labelled "Running..." for screen readers) nor "Stop", only a label in the page's language. The widget exists
    only while a run lasts, so the page's style rules are read on a stand-in with the widget's structure."""
    page, errors = open_page(browser, f"{served}/?lang={lang}", f"chrome_{lang}.png", wait_for=".js-plotly-plot")
    try:
        menu = page.locator('[data-testid="stMainMenu"]')
        assert menu.count() == 0 or not menu.is_visible()
        styles = page.evaluate("""() => {
            const widget = document.createElement('div');
            widget.setAttribute('data-testid', 'stStatusWidget');
            widget.innerHTML = '<div><div role="img" aria-label="Running..."></div>'
                + '<span><button>Stop</button></span></div>';
            document.body.appendChild(widget);
            const label = getComputedStyle(widget.firstChild, '::after').content;
            const button = getComputedStyle(widget.querySelector('button')).display;
            const figure = getComputedStyle(widget.querySelector('[role="img"]')).display;
            widget.remove();
            return {label, button, figure};
        }""")
        assert styles["button"] == "none" and styles["figure"] == "none"
        assert styles["label"] == f'"{t("app.running", lang)}"'
        assert not errors, errors
    finally:
        page.close()
