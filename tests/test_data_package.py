"""The whole dataset as a Frictionless data package (python -m etl export-data, the dashboard's one-click download).

Everything is checked against the session's warehouse, read independently with DuckDB: the tables exported, every
column described, row counts, the CSVs read with the csv module and the Parquet files with pyarrow, Vietnamese text
unchanged and NFC, and a column nobody described makes the export fail."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import shutil
import unicodedata
import zipfile
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from etl import data_package
from etl.__main__ import main as etl_main

REQUIRED = {"v_targets", "v_documents", "v_achieved", "sources", "documents", "provinces", "provinces_2025",
            "indicators", "units", "sectors", "coverage_gaps", "tasks", "v_tasks"}
NAME = re.compile(r"^[a-z0-9._/-]+$")  # Frictionless resource names
FRICTIONLESS_TYPES = {"string", "number", "integer", "boolean", "date", "datetime"}


@pytest.fixture(scope="module")
def package(warehouse, tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("package") / "dich-vu-2030-data"
    return folder, data_package.export_folder(warehouse, folder)


@pytest.fixture(scope="module")
def db(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        yield con


def warehouse_objects(db) -> dict[str, str]:
    return dict(db.execute("SELECT table_name, table_type FROM information_schema.tables "
                           "WHERE table_schema = 'main'").fetchall())


def resources(descriptor: dict, fmt: str) -> dict[str, dict]:
    return {r["path"].split("/")[1].rsplit(".", 1)[0]: r for r in descriptor["resources"] if r["format"] == fmt}


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{path.name}: no byte-order mark (Excel would misread Vietnamese)"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


# ---------------------------------------------------------------- what is exported

def test_every_table_and_view_analysts_need_is_exported(package, db):
    _, descriptor = package
    objects = warehouse_objects(db)
    expected = {name for name in objects if not name.startswith(tuple(data_package.EXCLUDED_PREFIXES))}
    assert REQUIRED <= expected
    assert {"progress", "v_progress", "v_achieved", "sources", "coverage_gaps"} <= set(objects)  # the verdicts too
    assert set(resources(descriptor, "csv")) == expected
    assert set(resources(descriptor, "parquet")) == expected
    assert not any(name.startswith("map_") for name in resources(descriptor, "csv"))


def test_descriptor_is_a_tabular_data_package(package, db):
    folder, descriptor = package
    assert json.loads((folder / "datapackage.json").read_text(encoding="utf-8")) == descriptor
    assert descriptor["profile"] == "tabular-data-package"
    assert NAME.match(descriptor["name"])
    built_at = db.execute("SELECT built_at FROM build_info").fetchone()[0]
    assert descriptor["created"] == built_at
    assert descriptor["build"]["built_at"] == built_at
    licences = " ".join(licence["title"] for licence in descriptor["licenses"])
    assert "MIT" in licences and "not subject to copyright" in licences
    assert all("name" in licence or "path" in licence for licence in descriptor["licenses"])
    titles = " ".join(source["title"] for source in descriptor["sources"])
    for tier in ("primary_text", "official_report", "press"):
        assert tier in titles
    tiers = dict(db.execute("SELECT source_tier, count(*) FROM (SELECT source_tier FROM v_targets UNION ALL "
                            "SELECT source_tier FROM v_achieved) GROUP BY ALL").fetchall())
    assert {s["title"].split(":")[0]: s["n_values"] for s in descriptor["sources"]} == \
        {tier: tiers.get(tier, 0) for tier in ("primary_text", "official_report", "press")}

    names = [r["name"] for r in descriptor["resources"]]
    assert len(names) == len(set(names))
    for resource in descriptor["resources"]:
        assert NAME.match(resource["name"]), resource["name"]
        assert resource["profile"] == "tabular-data-resource"
        data = (folder / resource["path"]).read_bytes()
        if resource["format"] == "csv":
            assert resource["bytes"] == len(data)
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert resource["description"] and resource["description_vi"]
        for field in resource["schema"]["fields"]:
            assert field["type"] in FRICTIONLESS_TYPES, field
        assert set(resource["schema"].get("primaryKey", [])) <= {f["name"] for f in resource["schema"]["fields"]}


def test_every_csv_column_is_described(package, db):
    folder, descriptor = package
    for name, resource in resources(descriptor, "csv").items():
        header, _ = read_csv(folder / resource["path"])
        fields = resource["schema"]["fields"]
        assert header == [f["name"] for f in fields], name
        columns = [c for c, in db.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                                          "ORDER BY ordinal_position", [name]).fetchall()]
        assert header == columns, f"{name}: the CSV's columns are not the warehouse's"
        for field in fields:
            assert len(field["description"]) > 3 and len(field["description_vi"]) > 3, (name, field["name"])
    # Parquet resources describe the same columns the same way
    for name, resource in resources(descriptor, "parquet").items():
        assert resource["schema"] == resources(descriptor, "csv")[name]["schema"]


def test_row_counts_match_the_warehouse(package, db):
    folder, descriptor = package
    for name, resource in resources(descriptor, "csv").items():
        expected = db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        _, rows = read_csv(folder / resource["path"])
        assert len(rows) == expected == resource["rows"], name
        parquet = resources(descriptor, "parquet")[name]
        assert pq.read_metadata(folder / parquet["path"]).num_rows == expected == parquet["rows"], name
    assert resources(descriptor, "csv")["v_targets"]["rows"] > 0


def test_parquet_opens_with_pyarrow_with_the_warehouse_values(package, db):
    folder, descriptor = package
    for name, resource in resources(descriptor, "parquet").items():
        table = pq.read_table(folder / resource["path"])
        assert table.column_names == [f["name"] for f in resource["schema"]["fields"]], name
        expected = db.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall()
        assert [tuple(row.values()) for row in table.to_pylist()] == expected, name


def test_parquet_whole_numbers_stay_whole_in_pandas(package):
    """Years with gaps read as nullable integers (2021, <NA>), not floats (2021.0, NaN): pandas and the frictionless
    validator, which reads Parquet through pandas, see the types the descriptor states."""
    folder, descriptor = package
    frame = pq.read_table(folder / resources(descriptor, "parquet")["v_targets"]["path"]).to_pandas()
    assert str(frame["period_start"].dtype) == "Int64" and frame["period_start"].isna().any()
    assert str(frame["target_year"].dtype) == "Int64"
    assert str(frame["citation_verified"].dtype) == "boolean"
    assert str(frame["value_low"].dtype) == "float64"


def test_csv_cells_are_the_warehouse_values(package, db):
    """Every cell of every CSV, as the csv module reads it, is the warehouse value written as text."""
    folder, descriptor = package

    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value  # a spreadsheet would run it as a formula
        return str(value)

    for name, resource in resources(descriptor, "csv").items():
        _, rows = read_csv(folder / resource["path"])
        expected = db.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall()
        for got, want in zip(rows, expected):
            assert got == [text(v) for v in want], name


def test_csv_text_that_a_spreadsheet_would_run_is_neutralised(warehouse, tmp_path):
    """A note starting with '=' opens as text in Excel (CSV: a leading apostrophe); Parquet keeps it as written;
    a negative number stays a number."""
    copy = _copy(warehouse, tmp_path)
    with duckdb.connect(str(copy)) as con:
        target_id = con.execute("SELECT min(target_id) FROM targets").fetchone()[0]
        con.execute("UPDATE targets SET note = '=HYPERLINK(\"http://example.invalid\")' WHERE target_id = ?",
                    [target_id])
    folder = tmp_path / "pkg"
    data_package.export_folder(copy, folder)
    header, rows = read_csv(folder / "csv" / "targets.csv")
    row = next(r for r in rows if r[0] == target_id)
    assert row[header.index("note")] == "'=HYPERLINK(\"http://example.invalid\")"
    parquet = pq.read_table(folder / "parquet" / "targets.parquet").to_pylist()
    assert next(r for r in parquet if r["target_id"] == target_id)["note"] == '=HYPERLINK("http://example.invalid")'
    header, rows = read_csv(folder / "csv" / "achieved.csv")
    values = [float(r[header.index("value")]) for r in rows]
    assert all(isinstance(v, float) for v in values)


def test_vietnamese_text_round_trips_nfc(package, db):
    folder, descriptor = package
    csvs = resources(descriptor, "csv")
    seen = set()
    for name, resource in csvs.items():
        header, rows = read_csv(folder / resource["path"])
        for row in rows:
            for cell in row:
                assert unicodedata.is_normalized("NFC", cell), (name, cell)
                seen.update(ch for ch in cell if ord(ch) > 127)
    assert {"ạ", "ắ", "ệ", "ố", "ư", "đ", "Đ", "ợ"} <= seen
    # Names as the reference spells them, in both formats
    names = {row[1] for row in read_csv(folder / csvs["provinces_2025"]["path"])[1]}
    expected = {n for n, in db.execute("SELECT name_vi FROM provinces_2025").fetchall()}
    assert names == expected and {"Thanh Hóa", "Hải Phòng", "Đắk Lắk"} <= names
    parquet = pq.read_table(folder / resources(descriptor, "parquet")["provinces_2025"]["path"])
    assert set(parquet.column("name_vi").to_pylist()) == expected
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", readme)


def test_keys_are_unique(package):
    folder, descriptor = package
    for name, resource in resources(descriptor, "csv").items():
        key = resource["schema"].get("primaryKey")
        if not key:
            continue
        header, rows = read_csv(folder / resource["path"])
        positions = [header.index(column) for column in key]
        keys = [tuple(row[p] for p in positions) for row in rows]
        assert len(keys) == len(set(keys)), name
    assert resources(descriptor, "csv")["v_targets"]["schema"]["primaryKey"] == ["target_id"]


def test_readme_explains_tiers_eras_comparators_and_vintages(package):
    folder, _ = package
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "## Tiếng Việt" in readme and "## English" in readme
    for term in ("primary_text", "official_report", "press", "31-2025", "province_era", "at_least", "at_most",
                 "range", "about", "estimate", "preliminary", "official", "revised", "is_latest", "v_targets",
                 "Natural Earth", "Art. 15", "Điều 15", "utf-8-sig"):
        assert term in readme, term
    assert "$" not in readme.replace("$$", "")  # every placeholder filled


# ---------------------------------------------------------------- the dictionary stays complete

def _copy(warehouse: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    return copy


def _add_column_to_view(warehouse: Path, view: str, column: str) -> None:
    with duckdb.connect(str(warehouse)) as con:
        sql = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = ?", [view]).fetchone()[0]
        body = re.sub(r"^\s*CREATE\s+VIEW\s+\S+\s+AS\s+", "", sql, flags=re.IGNORECASE).rstrip().rstrip(";")
        con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT *, 42 AS {column} FROM ({body})")


def test_a_column_added_to_a_view_without_a_description_fails_the_export(warehouse, tmp_path, capsys):
    broken = _copy(warehouse, tmp_path)
    _add_column_to_view(broken, "v_targets", "mystery_share")
    with pytest.raises(data_package.DataDictionaryError) as failure:
        data_package.export_zip(broken)
    assert "v_targets.mystery_share" in str(failure.value)
    assert failure.value.problems == [p for p in failure.value.problems if "mystery_share" in p]  # nothing else
    assert not (tmp_path / "out").exists()
    # the command says so and exits non-zero, writing nothing
    assert etl_main(["export-data", "--warehouse", str(broken), "-o", str(tmp_path / "out")]) == 1
    assert "v_targets.mystery_share" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_new_table_without_a_description_fails_the_export(warehouse, tmp_path):
    broken = _copy(warehouse, tmp_path)
    with duckdb.connect(str(broken)) as con:
        con.execute("CREATE TABLE forecasts AS SELECT 'x' AS province_code, 1.5 AS share_done, ['a'] AS tags")
    with pytest.raises(data_package.DataDictionaryError) as failure:
        data_package.export_zip(broken)
    message = str(failure.value)
    assert "table forecasts has no description" in message
    assert "forecasts.province_code" in message and "forecasts.share_done" in message
    assert "forecasts.tags has type VARCHAR[]" in message  # a type the descriptor cannot state fails too


def test_the_dictionary_describes_nothing_that_is_not_there(warehouse, tmp_path):
    text = data_package.DICTIONARY.read_text(encoding="utf-8")
    stale = tmp_path / "dictionary.csv"
    stale.write_text(text + "v_targets,old_column,Gone,Đã bỏ\nno_such_view,,Gone,Đã bỏ\n", encoding="utf-8")
    with pytest.raises(data_package.DataDictionaryError) as failure:
        data_package.export_zip(warehouse, dictionary=stale)
    assert "v_targets.old_column" in str(failure.value) and "no_such_view" in str(failure.value)

    missing = tmp_path / "missing.csv"
    missing.write_text("\n".join(line for line in text.splitlines() if not line.startswith("v_achieved,vintage,"))
                       + "\n", encoding="utf-8")
    with pytest.raises(data_package.DataDictionaryError, match=r"v_achieved\.vintage"):
        data_package.export_zip(warehouse, dictionary=missing)

    twice = tmp_path / "twice.csv"
    twice.write_text(text + "units,decimals,Again,Lại\n", encoding="utf-8")
    with pytest.raises(data_package.DataDictionaryError, match="described twice"):
        data_package.export_zip(warehouse, dictionary=twice)


def test_every_dictionary_row_has_both_languages():
    with data_package.DICTIONARY.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(row["description_en"].strip() and row["description_vi"].strip() for row in rows)
    assert all(unicodedata.is_normalized("NFC", value) for row in rows for value in row.values())


# ---------------------------------------------------------------- the zip

def test_zip_is_deterministic_and_holds_the_package(warehouse, package, tmp_path):
    folder, _ = package
    first = data_package.export_zip(warehouse, tmp_path / "a.zip")
    second = data_package.export_zip(warehouse)
    assert first == second == (tmp_path / "a.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert all(n.startswith(f"{data_package.ZIP_FOLDER}/") for n in names)
        files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        assert [n.split("/", 1)[1] for n in names] == files
        for name in names:
            assert archive.read(name) == (folder / name.split("/", 1)[1]).read_bytes(), name
        assert archive.testzip() is None


def test_command_writes_folder_and_zip(warehouse, tmp_path, capsys):
    out, zipped = tmp_path / "pkg", tmp_path / "pkg.zip"
    assert etl_main(["export-data", "--warehouse", str(warehouse), "-o", str(out), "--zip", str(zipped)]) == 0
    assert (out / "datapackage.json").is_file() and (out / "csv" / "v_targets.csv").is_file()
    assert zipped.read_bytes() == data_package.export_zip(warehouse)
    assert "tables and views" in capsys.readouterr().out
    # Exporting again replaces the package whole; a folder holding something else is left alone.
    (out / "csv" / "stale.csv").write_text("x", encoding="utf-8")
    assert etl_main(["export-data", "--warehouse", str(warehouse), "-o", str(out)]) == 0
    assert not (out / "csv" / "stale.csv").exists()
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep", encoding="utf-8")
    assert etl_main(["export-data", "--warehouse", str(warehouse), "-o", str(other)]) == 1
    assert (other / "notes.txt").read_text(encoding="utf-8") == "keep"
