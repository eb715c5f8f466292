"""The source model and the 34 provinces: each rule of the ETL gives its clear file:row:field error and keeps the
warehouse; every one of the 34 provinces has an adopted GRDP growth target or a reviewed 'not found' entry."""
from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from etl.warehouse import build

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
CONGRESS_FILE = "targets/DH-68-2025.csv"  # Lâm Đồng, 34-era, read in news reports


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def dataset(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("warehouse.duckdb*", "cache", ".*"))
    warehouse = tmp_path / "warehouse.duckdb"
    result = build(data, warehouse, None, with_maps=False, progress=lambda m: None)
    assert result.ok, "\n".join(map(str, result.errors))
    return data, warehouse


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _edit(data: Path, file: str, index: int, **changes) -> int:
    rows = _rows(data / file)
    rows[index].update(changes)
    _write(data / file, rows)
    return index + 2


def _fails_with(data: Path, warehouse: Path, file: str, row: int, field: str, expected: str) -> None:
    before = _digest(warehouse)
    result = build(data, warehouse, None, with_maps=False, progress=lambda m: None)
    assert not result.ok
    found = [i for i in result.errors if i.file == file and i.row == row and i.field == field and expected in i.message]
    assert found, "\n".join(map(str, result.errors))
    assert _digest(warehouse) == before  # nothing already loaded is lost


def test_bad_tier(dataset):
    data, warehouse = dataset
    row = _edit(data, "sources.csv", 0, tier="blog")
    _fails_with(data, warehouse, "data/sources.csv", row, "tier", "'blog' is not allowed")


def test_missing_url(dataset):
    data, warehouse = dataset
    row = _edit(data, "sources.csv", 0, url="")
    _fails_with(data, warehouse, "data/sources.csv", row, "url", "required")
    row = _edit(data, "sources.csv", 0, url="vietnamplus.vn/x")
    _fails_with(data, warehouse, "data/sources.csv", row, "url", "not a web address")


def test_a_draft_is_not_a_target(dataset):
    data, warehouse = dataset
    source_id = _rows(data / CONGRESS_FILE)[0]["source_id"]
    sources = _rows(data / "sources.csv")
    index = next(i for i, s in enumerate(sources) if s["source_id"] == source_id)
    _edit(data, "sources.csv", index, reports="draft")
    _fails_with(data, warehouse, CONGRESS_FILE, 2, "source_id", "a value from a draft (before adoption) is not a target")


def test_unknown_source_and_copied_sentence(dataset):
    data, warehouse = dataset
    row = _edit(data, CONGRESS_FILE, 0, source_id="SRC-9999")
    _fails_with(data, warehouse, CONGRESS_FILE, row, "source_id", "unknown source 'SRC-9999'")
    row = _edit(data, CONGRESS_FILE, 0, source_id=_rows(DATA / CONGRESS_FILE)[0]["source_id"],
                citation="Phấn đấu tốc độ tăng trưởng GRDP bình quân khoảng 10-10,5%")
    _fails_with(data, warehouse, CONGRESS_FILE, row, "citation", "carries no copied sentence")


def test_a_value_must_name_its_source(dataset):
    data, warehouse = dataset
    row = _edit(data, CONGRESS_FILE, 0, source_id="", locator="")
    _fails_with(data, warehouse, CONGRESS_FILE, row, "citation", "needs the verbatim clause")


def test_a_2026_2030_target_keyed_to_a_pre_2025_province(dataset):
    data, warehouse = dataset
    documents = _rows(data / "documents.csv")
    index = next(i for i, d in enumerate(documents) if d["document_id"] == "DH-92-2025")
    documents[index]["province_code"] = "93"  # Hậu Giang: part of Cần Thơ since 1 July 2025
    _write(data / "documents.csv", documents)
    rows = _rows(data / "targets/DH-92-2025.csv")
    for r in rows:
        r["province_code"] = "93"
    _write(data / "targets/DH-92-2025.csv", rows)
    _fails_with(data, warehouse, "targets/DH-92-2025.csv", 2, "province_code",
                "'93' (Hậu Giang) is a province code from before 1 July 2025; since then it is part of 92")
    documents[index]["province_code"], documents[index]["province_era"] = "92", "63"
    _write(data / "documents.csv", documents)
    _fails_with(data, warehouse, "data/documents.csv", index + 2, "province_era", "after the merger of 1 July 2025")


def test_achieved_value_keyed_across_eras(dataset):
    data, warehouse = dataset
    rows = _rows(data / "achieved/provinces_34.csv")
    row = _edit(data, "achieved/provinces_34.csv", 0, province_code="60")  # Bình Thuận no longer exists
    _fails_with(data, warehouse, "achieved/provinces_34.csv", row, "province_code", "from before 1 July 2025")
    assert rows


def test_every_province_has_a_growth_target_or_a_reviewed_gap(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        provinces = {r[0] for r in con.execute("SELECT province_2025_code FROM provinces_2025").fetchall()}
        with_target = {r[0] for r in con.execute(
            "SELECT DISTINCT province_2025_code FROM v_targets WHERE indicator = 'grdp_growth' AND kind = 'target' "
            "AND province_2025_code IS NOT NULL AND (province_era = '34' OR document_type_key = 'decision' "
            "AND document_issue_date >= DATE '2023-01-01')").fetchall()}
        gaps = con.execute("SELECT province_2025_code, searches FROM coverage_gaps "
                           "WHERE indicator_key = 'grdp_growth'").fetchall()
    assert len(provinces) == 34
    gap_codes = {code for code, _ in gaps}
    assert provinces == with_target | gap_codes, sorted(provinces - with_target - gap_codes)
    assert not with_target & gap_codes  # a gap is removed once a target is found
    for code, searches in gaps:
        assert searches.count("|") >= 2, f"{code}: a reviewed gap names the searches made"


def test_sources_are_shown_with_every_value(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        missing = con.execute("SELECT count(*) FROM v_targets WHERE source_tier IS NULL OR source_publisher IS NULL"
                              ).fetchone()[0]
        tiers = dict(con.execute("SELECT source_tier, count(*) FROM v_targets GROUP BY 1").fetchall())
        reported = con.execute("SELECT count(*) FROM v_targets WHERE source_tier <> 'primary_text' AND "
                               "(source_url IS NULL OR locator IS NULL OR citation IS NOT NULL)").fetchone()[0]
    assert missing == 0 and reported == 0
    assert {"primary_text", "official_report", "press"} <= set(tiers)
