"""dashboard.py: first run builds the warehouse; the home page lists the five plans with correct counts."""
from __future__ import annotations

import csv
from collections import Counter

import pytest
from streamlit.testing.v1 import AppTest

from conftest import REPO
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
def test_home_lists_the_five_plans_with_their_counts(app_env, lang):
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    table = _plans_table(at, lang)
    shown = dict(zip(table[t("col.document", lang)], table[t("col.n_values", lang)].astype(int)))
    assert shown == _expected_counts()
    assert len(shown) == 5
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
