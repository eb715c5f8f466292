"""The ETL: validation errors name file, row and field; bad input never touches the built warehouse;
the build is idempotent; every citation is found in its source text."""
from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import REPO, sources_dir
from etl.warehouse import build, validate

DATA = REPO / "data"


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("warehouse.duckdb*", "cache", ".*"))
    return target


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def dataset(tmp_path):
    """A private copy of the curated data with a warehouse already built from it."""
    data = _copy_data(tmp_path)
    warehouse = tmp_path / "warehouse.duckdb"
    result = build(data, warehouse, sources_dir(), with_maps=False, progress=lambda m: None)
    assert result.ok, "\n".join(map(str, result.errors))
    return data, warehouse


TARGET_FILE = "targets/BTN-969-2021.csv"


def _edit_target(data: Path, row_index: int, **changes) -> int:
    """Change one target row; returns its spreadsheet row number (header = row 1)."""
    path = data / TARGET_FILE
    rows = _rows(path)
    rows[row_index].update(changes)
    _write(path, rows)
    return row_index + 2


def _growth_row(data: Path) -> int:
    rows = _rows(data / TARGET_FILE)
    return next(i for i, r in enumerate(rows) if r["unit_key"] == "pct_per_year")


BAD_TARGET_CELLS = [
    ("province_code", "99", "unknown province code '99'"),
    ("sector_key", "space_travel", "unknown sector 'space_travel'"),
    ("indicator_key", "happiness_index", "unknown indicator 'happiness_index'"),
    ("unit_key", "furlongs", "unknown unit 'furlongs'"),
    ("value_low", "8,7%", "is not a number"),
    ("value_low", "8,7", "decimal dot"),
    ("value_high", "abc", "is not a number"),
    ("target_year", "20300", "implausible"),
    ("kind", "wish", "not allowed"),
    ("comparator", "roughly", "not allowed"),
    ("citation", "", "needs the verbatim clause"),
    ("citation", "x" * 250, "keep it under 200"),
]


@pytest.mark.parametrize("field,value,expected", BAD_TARGET_CELLS, ids=[c[0] + ":" + c[1][:12] for c in BAD_TARGET_CELLS])
def test_bad_cell_is_reported_with_file_row_field_and_keeps_warehouse(dataset, field, value, expected):
    data, warehouse = dataset
    before = _digest(warehouse)
    row = _edit_target(data, 0, **{field: value})
    result = build(data, warehouse, None, with_maps=False, progress=lambda m: None)
    assert not result.ok
    matching = [i for i in result.errors if i.file == TARGET_FILE and i.row == row and expected in i.message]
    assert matching, "\n".join(map(str, result.errors))
    assert matching[0].field in (field, "comparator", "value_high")
    assert _digest(warehouse) == before
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM targets").fetchone()[0] > 0


def test_low_greater_than_high(dataset):
    data, warehouse = dataset
    row = _edit_target(data, 0, value_low="9", value_high="7", comparator="range")
    errors = build(data, warehouse, None, with_maps=False).errors
    assert any(e.row == row and e.field == "value_high" and "greater than" in e.message for e in errors)


def test_rate_without_period(dataset):
    data, warehouse = dataset
    index = _growth_row(data)
    row = _edit_target(data, index, period_start="", period_end="")
    errors = build(data, warehouse, None, with_maps=False).errors
    assert any(e.row == row and e.field == "period_start" and "period" in e.message for e in errors)


def test_unit_must_match_indicator(dataset):
    data, warehouse = dataset
    index = _growth_row(data)
    row = _edit_target(data, index, unit_key="pct")
    errors = build(data, warehouse, None, with_maps=False).errors
    assert any(e.row == row and e.field == "unit_key" and "differs from the unit" in e.message for e in errors)


def test_duplicate_id_names_first_occurrence(dataset):
    data, warehouse = dataset
    rows = _rows(data / TARGET_FILE)
    rows[1]["target_id"] = rows[0]["target_id"]
    _write(data / TARGET_FILE, rows)
    errors = build(data, warehouse, None, with_maps=False).errors
    assert any(e.row == 3 and e.field == "target_id" and "duplicate id" in e.message and "row 2" in e.message
               for e in errors)


def test_all_errors_reported_at_once(dataset):
    data, warehouse = dataset
    rows = _rows(data / TARGET_FILE)
    rows[0]["province_code"] = "99"
    rows[1]["value_low"] = "x"
    rows[2]["sector_key"] = "nope"
    _write(data / TARGET_FILE, rows)
    errors = build(data, warehouse, None, with_maps=False).errors
    assert {(e.row, e.field) for e in errors} >= {(2, "province_code"), (3, "value_low"), (4, "sector_key")}


def test_missing_and_extra_columns(dataset):
    data, warehouse = dataset
    rows = _rows(data / TARGET_FILE)
    for r in rows:
        r.pop("citation")
        r["colour"] = "blue"
    _write(data / TARGET_FILE, rows)
    errors = build(data, warehouse, None, with_maps=False).errors
    assert any(e.field == "citation" and "missing" in e.message for e in errors)
    assert any(e.field == "colour" and "unknown column" in e.message for e in errors)


@pytest.mark.parametrize("encoding,expected", [("utf-16", "UTF-16"), ("cp1258", "not valid UTF-8")])
def test_wrong_encoding(dataset, encoding, expected):
    data, warehouse = dataset
    path = data / TARGET_FILE
    import unicodedata
    # Windows-1258 writes Vietnamese tone marks as combining characters: encode the decomposed text
    path.write_bytes(unicodedata.normalize("NFD", path.read_text(encoding="utf-8")).encode(encoding, "replace"))
    errors = build(data, warehouse, None, with_maps=False).errors
    assert any(e.file == TARGET_FILE and expected in e.message for e in errors)


def test_utf8_bom_from_excel_is_accepted(dataset):
    data, warehouse = dataset
    path = data / TARGET_FILE
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert build(data, warehouse, None, with_maps=False).ok


def test_decomposed_unicode_is_normalised_with_a_warning(dataset):
    import unicodedata
    data, warehouse = dataset
    path = data / TARGET_FILE
    path.write_text(unicodedata.normalize("NFD", path.read_text(encoding="utf-8")), encoding="utf-8")
    result = build(data, warehouse, sources_dir(), with_maps=False)
    assert result.ok, "\n".join(map(str, result.errors))
    assert any("NFC" in w.message for w in result.warnings)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        citations = [r[0] for r in con.execute("SELECT citation FROM targets").fetchall()]
    assert all(unicodedata.is_normalized("NFC", c) for c in citations if c is not None)  # report values have none


def test_empty_file(dataset):
    data, warehouse = dataset
    (data / TARGET_FILE).write_text("", encoding="utf-8")
    errors = build(data, warehouse, None, with_maps=False).errors
    assert any(e.file == TARGET_FILE and "empty" in e.message for e in errors)


def test_unquoted_comma_is_reported_on_its_row(dataset):
    data, warehouse = dataset
    path = data / TARGET_FILE
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3] + ",stray"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = build(data, warehouse, None, with_maps=False).errors
    assert any(e.file == TARGET_FILE and e.row == 4 and "fields" in e.message for e in errors)


def test_citation_not_in_source(dataset, seeds):
    data, warehouse = dataset
    before = _digest(warehouse)
    row = _edit_target(data, 0, citation="Câu này không có trong văn bản gốc")
    errors = build(data, warehouse, seeds, with_maps=False).errors
    assert any(e.row == row and e.field == "citation" and "not found in the source" in e.message for e in errors)
    assert _digest(warehouse) == before


def test_missing_source_document(dataset, tmp_path, seeds):
    data, warehouse = dataset
    partial = tmp_path / "partial-seeds"
    partial.mkdir()
    for source in seeds.iterdir():
        if not source.name.startswith("003_"):
            shutil.copy(source, partial / source.name)
    errors = build(data, warehouse, partial, with_maps=False).errors
    assert any(e.file == "data/documents.csv" and e.field == "source_file" and "not found" in e.message
               for e in errors)


def test_every_citation_is_verified_against_its_source(seeds):
    result = validate(DATA, seeds)
    assert result.ok, "\n".join(map(str, result.errors))
    targets = result.tables["targets"]
    documents = result.tables["documents"].set_index("document_id")
    with_source = targets["document_id"].map(lambda d: isinstance(documents.loc[d, "source_file"], str))
    assert with_source.sum() > 100
    assert targets.loc[with_source, "citation_verified"].astype(bool).all()


def test_build_is_idempotent(tmp_path):
    first, second = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    for path in (first, second):
        assert build(DATA, path, sources_dir(), with_maps=False, progress=lambda m: None).ok
    with duckdb.connect(str(first), read_only=True) as a, duckdb.connect(str(second), read_only=True) as b:
        tables = [r[0] for r in a.execute("SELECT table_name FROM information_schema.tables "
                                          "WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        assert "targets" in tables and "documents" in tables
        for table in tables:
            left = a.execute(f'SELECT * FROM "{table}"').df()
            right = b.execute(f'SELECT * FROM "{table}"').df()
            if table == "build_info":
                left, right = left.drop(columns=["built_at", "had_previous_build"]), \
                    right.drop(columns=["built_at", "had_previous_build"])
            pd.testing.assert_frame_equal(left, right, obj=table)


def test_rebuild_records_changes(dataset):
    data, warehouse = dataset
    rows = _rows(data / TARGET_FILE)
    changed_id = rows[0]["target_id"]
    rows[0]["value_high"] = str(float(rows[0]["value_high"]) + 1)
    if rows[0]["comparator"] != "range":
        rows[0]["comparator"] = "range"
    removed_id = rows.pop()["target_id"]
    _write(data / TARGET_FILE, rows)
    assert build(data, warehouse, None, with_maps=False).ok
    with duckdb.connect(str(warehouse), read_only=True) as con:
        changes = dict(con.execute("SELECT target_id, change FROM build_changes").fetchall())
    assert changes == {changed_id: "changed", removed_id: "removed"}


def test_v_targets_has_the_documented_columns(warehouse):
    required = {"province_code", "province_name_vi", "sector", "indicator", "kind", "value_low", "value_high",
                "unit", "comparator", "period_start", "period_end", "target_year", "document_number", "citation"}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = {r[0] for r in con.execute("DESCRIBE v_targets").fetchall()}
        national = con.execute("SELECT count(*) FROM v_targets WHERE province_code = 'VN'").fetchone()[0]
        counts = dict(con.execute("SELECT province_era || ':' || province_code, count(*) FROM v_targets "
                                  "WHERE province_name_vi IS NOT NULL GROUP BY 1").fetchall())
    assert required <= columns
    assert national > 0
    eras = {d["document_id"]: d.get("province_era") or ("national" if d["scope"] == "national" else "63")
            for d in _rows(DATA / "documents.csv")}
    merged = {r["province_2025_code"] for r in _rows(DATA / "provinces_2025.csv") if r["merged"] == "true"}
    expected = {}
    for path in (DATA / "targets").glob("*.csv"):
        for row in _rows(path):
            era, code = eras[row["document_id"]], row["province_code"]
            key = f"{era}:{code}-2025" if era == "34" and code in merged else f"{era}:{code}"  # a merged province's key
            expected[key] = expected.get(key, 0) + 1
    assert counts == expected  # every value labelled, none lost, each under its era's province


def test_cli_check_reports_errors_and_builds_nothing(tmp_path):
    data = _copy_data(tmp_path)
    rows = _rows(data / TARGET_FILE)
    rows[0]["province_code"] = "99"
    _write(data / TARGET_FILE, rows)
    warehouse = tmp_path / "w.duckdb"
    env = {"DV2030_DATA_DIR": str(data), "DV2030_WAREHOUSE": str(warehouse), "PATH": "/usr/bin:/bin"}
    process = subprocess.run([sys.executable, "-m", "etl", "build", "--no-maps"], cwd=REPO, env=env,
                             capture_output=True, text=True)
    assert process.returncode == 1
    assert f"{TARGET_FILE}, row 2, field 'province_code'" in process.stderr
    assert not warehouse.exists()


def test_cli_check_mode_succeeds_without_writing(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    env = {"DV2030_WAREHOUSE": str(warehouse), "PATH": "/usr/bin:/bin"}
    process = subprocess.run([sys.executable, "-m", "etl", "check"], cwd=REPO, env=env, capture_output=True,
                             text=True)
    assert process.returncode == 0, process.stderr
    assert "by province" in process.stdout
    assert not warehouse.exists()


def test_english_text_names_provinces_as_the_english_province_list_does():
    """English names dropped diacritics in some places ('Binh Thuan', 'Haiphong') and kept them in others (plan
    titles 'in Hải Phòng city', task titles 'the Thanh Hóa tourism brand'). One convention: every curated English
    text (columns ending in _en) names a province as data/provinces*.csv name_en does, without diacritics."""
    data = Path(__file__).resolve().parent.parent / "data"
    renamed = {}
    for name in ("provinces.csv", "provinces_2025.csv"):
        frame = pd.read_csv(data / name, dtype=str)
        renamed.update({vi: en for vi, en in zip(frame["name_vi"], frame["name_en"]) if vi != en})
    found = []
    for path in [data / "documents.csv", data / "indicators.csv", data / "sectors.csv", data / "agencies.csv",
                 *sorted((data / "tasks").glob("*.csv")), *sorted((data / "targets").glob("*.csv"))]:
        frame = pd.read_csv(path, dtype=str)
        for column in [c for c in frame.columns if c.endswith("_en")]:
            found += [(path.name, column, vi, text) for text in frame[column].dropna() for vi in renamed
                      if vi in text]
    assert not found, found[:5]
