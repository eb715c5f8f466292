"""dashboard.py: first run builds the warehouse; the home page lists the five plans with correct counts."""
from __future__ import annotations

import csv
import json
import re
from collections import Counter

import pytest
from streamlit.testing.v1 import AppTest

from conftest import REPO
from dashboard_lib import data, formatting
from dashboard_lib.i18n import t


def _expected_counts() -> dict[str, int]:
    """Values per provincial document, counted straight from the curated CSV files."""
    with (REPO / "data" / "documents.csv").open(encoding="utf-8") as handle:
        numbers = {r["document_id"]: r["document_number"] for r in csv.DictReader(handle) if r["scope"] == "provincial"}
    counts: Counter[str] = Counter()
    for path in (REPO / "data" / "targets").glob("*.csv"):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["document_id"] in numbers:
                    counts[numbers[row["document_id"]]] += 1
    return dict(counts)


def _plans_table(at: AppTest, lang: str):
    for frame in at.dataframe:
        value = frame.value
        if t("col.document", lang) in value.columns and t("col.n_values", lang) in value.columns:
            return value
    raise AssertionError("no plans table on the page")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_home_lists_every_provincial_document_with_its_counts(app_env, lang):
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    table = _plans_table(at, lang)
    shown = dict(zip(table[t("col.document", lang)], table[t("col.n_values", lang)].astype(int)))
    assert shown == _expected_counts()
    with (REPO / "data" / "documents.csv").open(encoding="utf-8", newline="") as handle:
        provincial = [d for d in csv.DictReader(handle) if d["scope"] == "provincial"]
    assert len(shown) == len(provincial) >= 5 + 25  # the five plans, the congress resolutions, the master plans
    assert at.title[0].value == t("app.title", lang)


def test_first_run_builds_the_warehouse(tmp_path, monkeypatch):
    warehouse = tmp_path / "fresh" / "warehouse.duckdb"
    monkeypatch.setenv("DV2030_WAREHOUSE", str(warehouse))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    assert warehouse.exists()
    assert not at.error


def test_invalid_data_keeps_serving_the_previous_build(tmp_path, monkeypatch, warehouse):
    import shutil
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns("warehouse.duckdb*", "cache"))
    served = tmp_path / "served.duckdb"
    shutil.copy(warehouse, served)
    broken = data / "targets" / "BTN-969-2021.csv"
    broken.write_text(broken.read_text(encoding="utf-8").replace(",60,", ",99,", 1), encoding="utf-8")
    monkeypatch.setenv("DV2030_DATA_DIR", str(data))
    monkeypatch.setenv("DV2030_WAREHOUSE", str(served))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    assert any("unknown province code '99'" in e.value for e in at.error)
    assert _plans_table(at, "vi") is not None  # the previous build is still shown


def test_changed_curated_files_are_noticed_at_most_a_second_later(tmp_path, monkeypatch):
    """dashboard.py checks the curated files on every run; the walk over them is looked at once a second per
    process, so an edit is picked up at the next run after that (never missed, never a walk per rerun)."""
    from dashboard_lib import data
    folder = tmp_path / "data"
    (folder / "targets").mkdir(parents=True)
    plan = folder / "targets" / "X-1.csv"
    plan.write_text("a,b\n1,2\n", encoding="utf-8")
    monkeypatch.setenv("DV2030_DATA_DIR", str(folder))
    monkeypatch.setenv("DV2030_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    now = [1000.0]
    monkeypatch.setattr(data.time, "monotonic", lambda: now[0])
    first = data._data_state_key()
    plan.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    (folder / "cache").mkdir()
    (folder / "cache" / "ignored.csv").write_text("x\n", encoding="utf-8")
    now[0] += data.STATE_CHECK_SECONDS / 2
    assert data._data_state_key() == first  # within the second: the last look is reused
    now[0] += data.STATE_CHECK_SECONDS
    changed = data._data_state_key()
    assert changed != first
    assert not any(entry[0].endswith("ignored.csv") for entry in data._data_state()[0])  # data/cache is not data
    (folder / "targets" / "X-2.csv").write_text("a\n", encoding="utf-8")
    now[0] += data.STATE_CHECK_SECONDS
    assert data._data_state_key() != changed  # a new plan file too


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_chart_dates_its_source_line_in_the_readers_format(app_env, lang):
    """Each page's chart names its plans and the build date, as 22/11/2026 (vi) or 22 Nov 2026 (en), never ISO."""
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    expected = formatting.date_text(data.build_date(at.session_state["warehouse_version"]), lang).replace(" ", "\u00a0")
    assert expected  # with non-breaking spaces: a chart wrapping its source line never splits the date
    for page in ["overview", "map", "sector_targets", "trajectories", "tasks"]:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        spec = json.loads(at.get("plotly_chart")[0].proto.spec)
        source = " ".join(a.get("text", "") for a in spec["layout"].get("annotations", []))
        assert expected in source, (page, source)
        assert not re.search(r"\d{4}-\d{2}-\d{2}", source), (page, source)
