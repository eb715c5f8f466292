"""Add a plan in a real browser: an editor signs in, opens the page, uploads the synthetic plan and sees the
document with its four highlighted values, the review table and the prefilled form (both languages), then a
save with a missing English title lists the problem and writes nothing. Screenshots go to artifacts/.

The app is served by its own Streamlit process with an editor password and a private copy of data/."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ARTIFACTS, HARMLESS_CONSOLE, REPO, console_errors, open_add_plan_signed_in, serve_app, settle
from dashboard_lib.i18n import t
from test_add_plan import PASSWORD, PLAN_TEXT, folder_hash

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1400, "height": 2700}


@pytest.fixture(scope="module")
def editor_app(tmp_path_factory):
    """(url, data folder, uploaded file): the dashboard with an editor password, on a copy of the data."""
    folder = tmp_path_factory.mktemp("editor_app")
    data = folder / "data"
    shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns("warehouse.duckdb*", ".*"))
    plan = folder / "ke-hoach-bac-giang.txt"
    plan.write_text(PLAN_TEXT, encoding="utf-8")
    # no sources folder: a configured one would receive the saved text
    with serve_app(folder / "warehouse.duckdb", DV2030_DATA_DIR=str(data), DV2030_EDITOR_PASSWORD=PASSWORD,
                   DV2030_GEO_OFFLINE="1", DV2030_SOURCES_DIR=None) as url:
        yield url, data, plan


def _open_editor_page(browser, url: str, lang: str, plan: Path):
    page = browser.new_page(viewport=VIEWPORT)
    errors = console_errors(page)
    open_add_plan_signed_in(page, url, lang, PASSWORD, plan)
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=90_000)
    return page, errors


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_add_plan_page_with_a_loaded_document(browser, editor_app, lang):
    url, data, plan = editor_app
    before = folder_hash(data)
    page, errors = _open_editor_page(browser, url, lang, plan)
    main = page.locator('[data-testid="stMain"]')
    assert main.get_by_role("heading", name=t("add.title", lang)).count() == 1
    marks = page.locator('span[title^="#"]')
    assert marks.count() == 4
    assert [marks.nth(i).inner_text() for i in range(4)] == [
        "8,5%/năm", "khoảng 35%", "trên 60.000 tỷ đồng", "khoảng 3,5 triệu lượt khách du lịch"]
    assert main.get_by_text(t("add.step.metadata", lang)).count() == 1
    assert page.locator('input[aria-label="%s"]' % t("add.meta.document_id", lang)).input_value().startswith(
        "BGI-215-2022")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"add_plan_review_{lang}.png"), full_page=True)
    serious = [e for e in errors if not any(h in e for h in HARMLESS_CONSOLE)]
    assert not serious, serious
    assert folder_hash(data) == before  # looking changes nothing
    page.close()


def test_add_plan_validation_error_then_save(browser, editor_app):
    """Saving without the English title lists the problem and writes nothing; with it, the plan is saved."""
    url, data, plan = editor_app
    before = folder_hash(data)
    page, errors = _open_editor_page(browser, url, "en", plan)
    page.get_by_role("button", name=t("add.save.button", "en", n=4)).click()  # the English title is still empty
    page.wait_for_selector(f'text={t("add.result.invalid", "en")}', timeout=120_000)
    settle(page)
    problems = page.locator('[data-testid="stDataFrame"]').last
    problems.scroll_into_view_if_needed()
    assert page.get_by_text(t("add.issues.note", "en")).count() == 1
    page.screenshot(path=str(ARTIFACTS / "add_plan_invalid_en.png"), full_page=True)
    assert folder_hash(data) == before

    document_id = page.locator('input[aria-label="%s"]' % t("add.meta.document_id", "en")).input_value()
    page.get_by_label(t("add.meta.title_en", "en")).fill("Plan implementing the services strategy in Bắc Giang")
    page.get_by_label(t("add.meta.title_en", "en")).press("Control+Enter")
    settle(page)
    page.get_by_role("button", name=t("add.save.button", "en", n=4)).click()
    page.wait_for_selector(f'text={t("add.result.saved", "en", document_id=document_id, n=4)}', timeout=120_000)
    settle(page)
    page.screenshot(path=str(ARTIFACTS / "add_plan_saved_en.png"), full_page=True)
    saved = (data / "targets" / f"{document_id}.csv").read_text(encoding="utf-8").splitlines()
    assert len(saved) == 5 and saved[1].startswith(f"{document_id}-001,{document_id},24,services,services_growth")
    serious = [e for e in errors if not any(h in e for h in HARMLESS_CONSOLE)]
    assert not serious, serious
    page.close()
