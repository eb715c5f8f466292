"""Bad input corpus: each case mutates a private copy of data/, states the clear error it must produce (file,
row, field and a message fragment) or that it must be accepted, and checks that nothing is lost: after a
rejected build the previously built warehouse is byte-for-byte unchanged and still opens read-only and
serves the same rows. test_etl.py covers the single bad cells of one targets file; this corpus covers whole
files (encodings, headers, size), other tables and cross-table rules. The session ends with a line
"bad inputs: N tried, M expected outcomes, K with nothing lost".

Cases whose outcome reveals an ETL defect are xfail(strict=True) with the defect in the reason.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import subprocess
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import duckdb
import pytest

from conftest import REPO
from etl.warehouse import build
from test_etl import _copy_data, _digest, _rows, _write

DATA = REPO / "data"
QUIET = lambda message: None  # noqa: E731
MILLION = 1_000_000
MILLION_ROWS_BOUND_S = 90  # the bounded time of the 1-million-row case (a hang is killed, then reported)


# ---------------------------------------------------------------- helpers to write the bad copies

def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _table(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(_text(path))))
    return rows[0], rows[1:]


def _write_table(path: Path, header: list[str], body: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(body)


def _edit(data: Path, name: str, where: Callable[[dict], bool], **changes) -> int:
    """Change the first row of data/<name> matching `where`; returns its spreadsheet row (header = 1)."""
    rows = _rows(data / name)
    index = next(i for i, row in enumerate(rows) if where(row))
    rows[index].update(changes)
    _write(data / name, rows)
    return index + 2


def _row_of(data: Path, name: str, where: Callable[[dict], bool]) -> int:
    return next(i for i, row in enumerate(_rows(data / name)) if where(row)) + 2


def _first_target(data: Path, where: Callable[[dict], bool]) -> tuple[str, int]:
    for path in sorted((data / "targets").glob("*.csv")):
        for i, row in enumerate(_rows(path)):
            if where(row):
                return f"targets/{path.name}", i + 2
    raise LookupError("no target row matches")


# ---------------------------------------------------------------- the cases

@dataclass
class Case:
    id: str
    what: str
    mutate: Callable[[Path], tuple[str | None, int | None]]  # edits the copy; returns (file, row) expected
    field: str | None
    fragment: str | None  # in the error's message; for accepted cases in a warning's (None: no warning needed)
    accepted: bool = False  # the input must build (Excel's BOM, decomposed Unicode, reordered columns)
    sources: bool = False  # needs the plans' source texts (the `seeds` fixture)
    defect: str | None = None  # a known ETL defect: xfail(strict=True)


def _utf16(data: Path):
    path = data / "documents.csv"
    path.write_bytes(_text(path).encode("utf-16"))
    return "data/documents.csv", None


def _cp1258(data: Path):
    # Windows-1258 writes Vietnamese tone marks as combining characters: encode the decomposed text
    path = data / "provinces.csv"
    path.write_bytes(unicodedata.normalize("NFD", _text(path)).encode("cp1258", "replace"))
    return "data/provinces.csv", 2  # the first non-ASCII byte is in Hà Nội's row


def _bom(data: Path):
    for name in ("documents.csv", "indicators.csv"):
        path = data / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    return None, None


def _mixed_nfd(data: Path):
    path = data / "targets" / "HGI-02-2024.csv"
    header, body = _table(path)
    column = header.index("citation")
    body[1][column] = unicodedata.normalize("NFD", body[1][column])  # one cell decomposed, the rest NFC
    assert body[1][column] != unicodedata.normalize("NFC", body[1][column])
    _write_table(path, header, body)
    return "targets/HGI-02-2024.csv", 3


def _missing_column(data: Path):
    rows = _rows(data / "documents.csv")
    for row in rows:
        row.pop("issue_date")
    _write(data / "documents.csv", rows)
    return "data/documents.csv", 1


def _extra_column(data: Path):
    rows = _rows(data / "provinces.csv")
    for row in rows:
        row["population"] = "1000000"
    _write(data / "provinces.csv", rows)
    return "data/provinces.csv", 1


def _reordered_columns(data: Path):
    path = data / "targets" / "THA-3572-2024.csv"
    header, body = _table(path)
    _write_table(path, header[::-1], [row[::-1] for row in body])  # header and data moved together
    return None, None


def _swapped_header(data: Path):
    path = data / "targets" / "THA-3572-2024.csv"
    header, body = _table(path)
    a, b = header.index("province_code"), header.index("sector_key")
    header[a], header[b] = header[b], header[a]  # the labels swapped, the data not: values land wrongly
    _write_table(path, header, body)
    return "targets/THA-3572-2024.csv", 2


def _empty(data: Path):
    (data / "indicators.csv").write_bytes(b"")
    return "data/indicators.csv", None


def _duplicate_province(data: Path):
    rows = _rows(data / "provinces.csv")
    rows.append(dict(rows[0]))
    _write(data / "provinces.csv", rows)
    return "data/provinces.csv", len(rows) + 1


def _duplicate_across_files(data: Path):
    reused = _rows(data / "targets" / "HGI-02-2024.csv")[0]["target_id"]
    row = _edit(data, "targets/QNG-1731-2021.csv", lambda r: True, target_id=reused)
    return "targets/QNG-1731-2021.csv", row


def _thousands_dots(data: Path):
    name, row = _first_target(data, lambda r: r["unit_key"] == "visitor_arrivals" and r["comparator"] != "range")
    _edit(data, name, lambda r: r["unit_key"] == "visitor_arrivals" and r["comparator"] != "range",
          value_low="1.200.000", value_high="1.200.000")
    return name, row


def _ambiguous_thousands_dot(data: Path):
    units = {"persons", "visitor_arrivals", "enterprises", "beds", "count"}  # units with 0 decimals
    name, row = _first_target(data, lambda r: r["unit_key"] in units and r["comparator"] != "range")
    _edit(data, name, lambda r: r["unit_key"] in units and r["comparator"] != "range",
          value_low="1.200", value_high="1.200")  # 1.200 người is 1 200 people, not 1.2
    return name, row


def _decimal_comma(data: Path):
    row = _edit(data, "targets/BTN-969-2021.csv", lambda r: r["comparator"] == "range", value_high="7,5")
    return "targets/BTN-969-2021.csv", row


def _percent_sign(data: Path):
    row = _edit(data, "targets/HPG-117-2020.csv", lambda r: r["unit_key"] == "pct", value_high="8,7%")
    return "targets/HPG-117-2020.csv", row


def _year_20300(data: Path):
    row = _edit(data, "documents.csv", lambda r: r["document_id"] == "BTN-969-2021", horizon_end="20300")
    return "data/documents.csv", row


def _before_base_year(data: Path):
    row = _edit(data, "targets/BTN-969-2021.csv",
                lambda r: r["kind"] == "target" and not r["period_start"] and r["year_basis"] == "stated",
                target_year="2010")
    return "targets/BTN-969-2021.csv", row


def _unknown_province_document(data: Path):
    row = _edit(data, "documents.csv", lambda r: r["document_id"] == "HGI-02-2024", province_code="99")
    return "data/documents.csv", row


def _citation_near_miss(data: Path):
    def has_digit(row: dict) -> bool:
        return any(ch.isdigit() for ch in row["citation"])
    rows = _rows(data / "targets" / "HGI-02-2024.csv")
    citation = next(r["citation"] for r in rows if has_digit(r))
    digit = next(ch for ch in citation if ch.isdigit())
    altered = citation.replace(digit, str((int(digit) + 1) % 10), 1)  # one figure changed: a typo
    row = _edit(data, "targets/HGI-02-2024.csv", has_digit, citation=altered)
    return "targets/HGI-02-2024.csv", row


CASES = [
    Case("utf16", "documents.csv saved as UTF-16 (Excel 'Unicode Text')", _utf16, None, "UTF-16"),
    Case("windows1258", "provinces.csv saved as Windows-1258", _cp1258, None, "Windows-1258"),
    Case("utf8-bom", "a UTF-8 BOM as Excel's 'CSV UTF-8' writes it (accepted)", _bom, None, None, accepted=True),
    Case("mixed-nfc-nfd", "one decomposed (NFD) cell among NFC text (normalised, with a warning)", _mixed_nfd,
         "citation", "NFC", accepted=True),
    Case("missing-column", "documents.csv without its issue_date column", _missing_column, "issue_date",
         "required column is missing"),
    Case("extra-column", "provinces.csv with an extra column", _extra_column, "population", "unknown column"),
    Case("reordered-columns", "a targets file with its columns in another order (accepted: read by name)",
         _reordered_columns, None, None, accepted=True),
    Case("swapped-header", "province_code and sector_key header labels swapped over unmoved data",
         _swapped_header, "province_code", "unknown province code"),
    Case("empty-file", "an empty indicators.csv", _empty, None, "file is empty"),
    Case("duplicate-key", "a province listed twice", _duplicate_province, "province_code", "duplicate id '01'"),
    Case("duplicate-across-files", "a target id reused in another plan's file", _duplicate_across_files,
         "target_id", "first used in targets/HGI-02-2024.csv, row 2"),
    Case("thousands-dots", "1.200.000 visitors written with Vietnamese thousands dots", _thousands_dots,
         "value_low", "Vietnamese separators"),
    Case("ambiguous-thousands-dot", "1.200 persons (Vietnamese for 1 200) read as 1.2", _ambiguous_thousands_dot,
         "value_low", "separators"),
    Case("decimal-comma", "7,5 with a Vietnamese decimal comma where a dot is expected", _decimal_comma,
         "value_high", "decimal dot"),
    Case("percent-sign", "'8,7%' in a numeric column", _percent_sign, "value_high", "write the number alone"),
    Case("year-20300", "a plan's horizon_end 20300", _year_20300, "horizon_end", "implausible"),
    Case("before-base-year", "a target year before the plan's base year", _before_base_year, "target_year",
         "before the plan's base period"),
    Case("unknown-province", "a plan with an unknown province code", _unknown_province_document, "province_code",
         "unknown province code '99'"),
    Case("citation-not-in-source", "a citation with one figure changed (not in the source text)",
         _citation_near_miss, "citation", "not found in the source", sources=True),
]


# ---------------------------------------------------------------- the tally printed at the end

class _Tally:
    """Counts the cases; registered as a plugin so that its line is part of pytest's terminal summary."""

    def __init__(self) -> None:
        self.tried, self.expected, self.nothing_lost, self.unexpected = 0, 0, 0, []

    def line(self) -> str:
        text = (f"bad inputs: {self.tried} tried, {self.expected} expected errors or outcomes, "
                f"{self.nothing_lost} with nothing lost")
        return text + (f" (not as expected: {', '.join(self.unexpected)})" if self.unexpected else "")

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.tried:
            terminalreporter.write_line(self.line())


@pytest.fixture(scope="session")
def tally(request) -> _Tally:
    counts = _Tally()
    request.config.pluginmanager.register(counts, "dv2030-bad-input-tally")
    return counts


def _record(tally: _Tally, case_id: str, expected: bool, nothing_lost: bool) -> None:
    tally.tried += 1
    tally.expected += expected
    tally.nothing_lost += nothing_lost
    if not (expected and nothing_lost):
        tally.unexpected.append(case_id)


# ---------------------------------------------------------------- the built warehouse the cases must not lose

def _served(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {"v_targets": con.execute("SELECT count(*) FROM v_targets").fetchone()[0],
                "documents": con.execute("SELECT count(*) FROM documents").fetchone()[0],
                "provinces": con.execute("SELECT count(*) FROM v_provinces").fetchone()[0]}


@pytest.fixture(scope="session")
def baseline(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """The real data built once; each case starts from a byte copy of it."""
    path = tmp_path_factory.mktemp("baseline") / "warehouse.duckdb"
    result = build(DATA, path, None, with_maps=False, progress=QUIET)
    assert result.ok, "\n".join(map(str, result.errors))
    return path, _served(path)


def _nothing_lost(warehouse: Path, before: str, served: dict[str, int], rebuilt: bool) -> bool:
    """Rejected: the same bytes, still opening and serving. Accepted: a new build serving the same rows."""
    try:
        same_bytes = _digest(warehouse) == before
        return (rebuilt or same_bytes) and _served(warehouse) == served
    except (OSError, duckdb.Error):
        return False


def _params():
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=case.defect)] if case.defect else []
        yield pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", _params())
def test_bad_input(case: Case, tmp_path, baseline, tally, request):
    seeds = request.getfixturevalue("seeds") if case.sources else None
    data = _copy_data(tmp_path)
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(baseline[0], warehouse)
    before = _digest(warehouse)
    file, row = case.mutate(data)

    result = build(data, warehouse, seeds, with_maps=False, progress=QUIET)

    if case.accepted:
        notes = [w for w in result.warnings if case.fragment and case.fragment in w.message
                 and (file is None or w.file == file) and (row is None or w.row == row)
                 and (case.field is None or w.field == case.field)]
        expected = result.ok and (case.fragment is None or bool(notes))
    else:
        matching = [e for e in result.errors if e.file == file and e.row == row and e.field == case.field
                    and case.fragment in e.message]
        expected = not result.ok and bool(matching)
    lost_nothing = _nothing_lost(warehouse, before, baseline[1], rebuilt=case.accepted and result.ok)
    _record(tally, case.id, expected, lost_nothing)

    issues = "\n".join(map(str, result.issues)) or "(no issues: it built)"
    if case.accepted:
        assert result.ok, issues
        assert expected, f"expected a warning '{case.fragment}' at {file}, row {row}, field {case.field}:\n{issues}"
    else:
        assert not result.ok, f"{case.what}: accepted, but should be rejected\n{issues}"
        assert expected, f"expected '{case.fragment}' at {file}, row {row}, field {case.field}; got:\n{issues}"
    assert lost_nothing, "the previously built warehouse changed or no longer serves"


# ---------------------------------------------------------------- 1 million rows

def _million_rows(data: Path) -> Path:
    """targets/BTN-969-2021.csv grown to 1 000 000 valid rows (~150 MB), written in chunks."""
    path = data / "targets" / "BTN-969-2021.csv"
    header, body = _table(path)
    template = next(r for r in body if r[header.index("comparator")] == "exact" and not r[header.index("period_start")])
    template[header.index("citation")] = "Đến năm 2025 đạt 50%."
    template[header.index("note")] = ""
    ident = header.index("target_id")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for start in range(0, MILLION, 50_000):
            chunk = []
            for i in range(start, start + 50_000):
                row = list(template)
                row[ident] = f"BTN-969-2021-{i:07d}"
                chunk.append(row)
            writer.writerows(chunk)
    return path


def test_one_million_rows_gives_a_clear_answer_within_bounded_time(tmp_path, baseline, tally):
    data = _copy_data(tmp_path)
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(baseline[0], warehouse)
    before = _digest(warehouse)
    big = _million_rows(data)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DV2030_")}
    env.update(DV2030_DATA_DIR=str(data), DV2030_WAREHOUSE=str(warehouse))
    process = subprocess.Popen([sys.executable, "-m", "etl", "build", "--no-maps"], cwd=REPO, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    start = time.monotonic()
    try:
        stdout, stderr = process.communicate(timeout=MILLION_ROWS_BOUND_S)
        outcome = process.returncode
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        outcome = None
    elapsed = time.monotonic() - start
    big.unlink()
    if outcome == 0:  # built: every row is there
        expected = True
        with duckdb.connect(str(warehouse), read_only=True) as con:
            expected = con.execute("SELECT count(*) FROM targets WHERE document_id = 'BTN-969-2021'"
                                   ).fetchone()[0] == MILLION
        lost_nothing = expected
    else:  # refused (or hung and killed): a clear message naming the file, and the old warehouse intact
        expected = outcome == 1 and "targets/BTN-969-2021.csv" in stderr and "rows" in stderr
        lost_nothing = _nothing_lost(warehouse, before, baseline[1], rebuilt=False)
    _record(tally, "one-million-rows", expected, lost_nothing)
    assert lost_nothing, "the previously built warehouse changed or no longer serves"
    assert outcome is not None, f"no answer within {MILLION_ROWS_BOUND_S} s for 1 000 000 rows (killed)"
    assert expected, f"rc {outcome} after {elapsed:.0f} s:\n{stderr[-2000:]}"


# ---------------------------------------------------------------- one cause, one error


@pytest.mark.parametrize("mutate", [_utf16, _cp1258, _year_20300], ids=["utf16", "windows1258", "year-20300"])
def test_one_bad_file_or_row_is_reported_once_not_in_every_file_that_refers_to_it(mutate, tmp_path):
    data = _copy_data(tmp_path)
    file, _ = mutate(data)
    result = build(data, tmp_path / "warehouse.duckdb", None, with_maps=False, progress=QUIET)
    assert not result.ok
    follow_on = [str(e) for e in result.errors if e.file != file]
    assert follow_on == [], f"{len(follow_on)} follow-on errors, e.g. {follow_on[:2]}"
