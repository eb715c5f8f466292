"""The candidate-target extractor on real plans (the five source texts, when DV2030_SOURCES_DIR is set) and
on small synthetic documents in every supported format (tests/fixtures/extract), plus its CLI.

Expected headline values are read from the curated data/targets/<document_id>.csv files (rows with
indicator services_growth or services_share_grdp), not typed in here.
"""
from __future__ import annotations

import csv
import io
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from etl import config  # noqa: E402
from etl.extract import (DocumentError, UnreadableDocument, UnsupportedDocument, extract_document,  # noqa: E402
                         load_document)
from etl.extract.cli import main as cli_main  # noqa: E402
from etl.extract.text import fold_whitespace  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "extract"
HEADLINE = ("services_growth", "services_share_grdp")


def _sources_dir() -> Path | None:
    """$DV2030_SOURCES_DIR, else ../shared/seeds beside the repository (as in conftest); None: skip."""
    value = os.environ.get("DV2030_SOURCES_DIR", "").strip()
    path = Path(value) if value else ROOT.parent / "shared" / "seeds"
    return path if path.is_dir() else None


def _documents() -> list[tuple[str, str]]:
    path = config.data_dir() / "documents.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return [(r["document_id"], r["source_file"]) for r in csv.DictReader(f)
                if (r.get("source_file") or "").strip()]


def _curated(doc_id: str) -> list[dict]:
    path = config.data_dir() / "targets" / f"{doc_id}.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


_CACHE: dict[str, object] = {}


def _extract_source(name: str):
    src = _sources_dir()
    if src is None:
        pytest.skip("source plans not available (set DV2030_SOURCES_DIR)")
    path = src / name
    if not path.is_file():
        pytest.skip(f"source {name} not found in {src}")
    if name not in _CACHE:
        _CACHE[name] = extract_document(path)
    return _CACHE[name], path


def _same(c, row) -> bool:
    return (c.value_low == pytest.approx(float(row["value_low"])) and
            c.value_high == pytest.approx(float(row["value_high"])) and c.unit == row["unit_key"] and
            c.target_year == int(float(row["target_year"])))


# ------------------------------------------------------------------------------------ the five plans
@pytest.mark.parametrize("doc_id, source", _documents() or [pytest.param("-", "-", marks=pytest.mark.skip)])
def test_plan_headline_targets(doc_id, source):
    """Services growth and services share of GRDP are found with the curated value, unit and year."""
    headline = [r for r in _curated(doc_id) if r["indicator_key"] in HEADLINE]
    if not headline:
        pytest.skip(f"no curated headline targets for {doc_id} yet")
    result, _ = _extract_source(source)
    for row in headline:
        matches = [c for c in result.candidates if _same(c, row)]
        assert matches, (f"{row['target_id']}: {row['value_low']}–{row['value_high']} {row['unit_key']} "
                         f"{row['target_year']} not proposed")
        assert any(c.indicator == row["indicator_key"] for c in matches), \
            f"{row['target_id']}: found, but the indicator guess is {[c.indicator for c in matches]}"
        assert any(c.comparator == row["comparator"] for c in matches), \
            f"{row['target_id']}: comparator {[c.comparator for c in matches]} ≠ {row['comparator']}"


@pytest.mark.parametrize("doc_id, source", _documents() or [pytest.param("-", "-", marks=pytest.mark.skip)])
def test_plan_candidates_are_sound(doc_id, source):
    """Citations are verbatim excerpts of the source (≤ 200 characters) containing the value; no year,
    decision number or date is proposed as a value; offsets point at the cleaned text."""
    result, path = _extract_source(source)
    folded = fold_whitespace(path.read_text(encoding="utf-8"))
    assert result.candidates, f"{doc_id}: no candidates"
    for c in result.candidates:
        assert c.citation and len(c.citation) <= 200
        assert c.citation in folded, c.citation
        assert result.text[c.start:c.end] == c.matched_text
        assert c.cite_start <= c.start and c.end <= c.cite_end
        assert not (c.unit == "" or (1990 <= c.value_low <= 2100 and c.unit == "count"))
        assert c.comparator in ("exact", "about", "at_least", "at_most", "range")
        assert c.kind in ("target", "baseline", "project_scale")
        assert (c.value_low < c.value_high) == (c.comparator == "range")
        if c.unit == "pct_per_year":
            assert c.period_start and c.period_end and c.period_start <= c.period_end == c.target_year


# ------------------------------------------------------------------------------- synthetic documents
def _rows(result):
    return [(c.value_low, c.value_high, c.unit, c.target_year) for c in result.candidates]


def test_scraped_text_with_boilerplate_and_repeated_opening():
    result = extract_document(FIXTURES / "plan_scraped.txt")
    assert "Đăng nhập" not in result.text and "DMCA" not in result.text
    assert result.text.count("Ủy ban nhân dân tỉnh ban hành Kế hoạch") == 1
    info = result.info
    assert (info.document_number, str(info.issue_date), info.horizon_start, info.horizon_end) == \
        ("88/KH-UBND", "2022-06-12", 2022, 2025)
    assert (info.province_name, info.document_type_vi) == ("Nam Sơn", "Kế hoạch")
    from etl.extract import CURATED_COLUMNS, curated_rows
    rows_out = curated_rows(result.candidates, "NSN-88-2022", "99")
    assert list(rows_out[0]) == CURATED_COLUMNS
    assert rows_out[0]["target_id"] == "NSN-88-2022-001" and rows_out[0]["value_high"] == "7.5"
    rows = _rows(result)
    for expected in [(7, 7.5, "pct_per_year", 2025), (8, 8.5, "pct_per_year", 2030), (41, 41, "pct", 2025),
                     (45, 45, "pct", 2030), (38.6, 38.6, "pct", 2021), (3200000, 3200000, "visitor_arrivals", 2025),
                     (250000, 250000, "visitor_arrivals", 2025), (6500, 6500, "billion_vnd", 2025),
                     (11, 11, "per_10k_people", 2025), (32, 32, "per_10k_people", 2025), (92, 92, "pct", 2025),
                     (25, 25, "per_100_people", 2025), (1250, 1250, "million_usd", 2025),
                     (10, 10, "pct_per_year", 2025), (16, 16, "pct", 2025), (35, 35, "hectares", 2025)]:
        assert expected in rows, expected
    values = {r[0] for r in rows}
    # the list count, roads, decision numbers, dates, phone and article numbers are not proposed
    assert not values & {531, 15, 1452, 12, 477, 3, 5, 229}
    assert [r for r in rows if r[0] == 45] == [(45, 45, "pct", 2030)]      # not the QL.45 road
    by_value = {c.value_low: c for c in result.candidates}
    assert by_value[38.6].kind == "baseline" and by_value[9].kind == "baseline"
    assert by_value[35].kind == "project_scale"
    assert by_value[8].period_start == 2026 and by_value[8].comparator == "range"
    assert by_value[92].comparator == "at_least" and by_value[16].comparator == "at_most"
    assert by_value[7].indicator == "services_growth" and by_value[41].indicator == "services_share_grdp"
    assert by_value[7].section == "I.2.a.-"


def test_html_page_with_indicator_table():
    result = extract_document((FIXTURES / "plan_table.html").read_bytes(), "plan_table.html")
    assert "dataLayer" not in result.text and "Đăng nhập" not in result.text and "Copyright" not in result.text
    rows = _rows(result)
    for expected in [(6.8, 6.8, "pct_per_year", 2022), (7.5, 7.5, "pct_per_year", 2025),
                     (8, 8, "pct_per_year", 2030), (35.2, 35.2, "pct", 2022), (40, 40, "pct", 2030),
                     (2500000, 2500000, "visitor_arrivals", 2022), (6000000, 6000000, "visitor_arrivals", 2030),
                     (12, 12, "per_10k_people", 2030), (80, 80, "pct", 2030), (2500, 2500, "million_usd", 2030)]:
        assert expected in rows, expected
    assert len(rows) == 14
    by = {(c.value_low, c.target_year): c for c in result.candidates}
    assert by[(6.8, 2022)].kind == "baseline" and by[(8, 2030)].kind == "target"
    assert by[(40, 2030)].indicator == "services_share_grdp"
    assert by[(40, 2030)].citation.startswith("Tỷ trọng khu vực dịch vụ trong GRDP | % |")


def test_docx_with_table():
    result = extract_document((FIXTURES / "plan_table.docx").read_bytes(), "plan_table.docx")
    rows = _rows(result)
    assert rows == [(7, 7.5, "pct_per_year", 2025), (41, 41, "pct", 2025),
                    (3200000, 3200000, "visitor_arrivals", 2025), (6500, 6500, "billion_vnd", 2025),
                    (92, 92, "pct", 2025)]
    assert result.candidates[-1].comparator == "at_least"
    assert result.info.document_number == "88/KH-UBND"


def test_pdf_text_layer_with_hard_line_breaks():
    result = extract_document(FIXTURES / "plan_wrapped.pdf")
    assert "tốc độ tăng trưởng khu vực dịch vụ bình quân đạt 8 - 8,5%/năm" in result.text
    rows = _rows(result)
    assert rows == [(8, 8.5, "pct_per_year", 2025), (42, 42, "pct", 2025),
                    (1500000, 1500000, "visitor_arrivals", 2025), (3000, 3000, "billion_vnd", 2025),
                    (10, 10, "per_10k_people", 2025), (30, 30, "per_10k_people", 2025)]


def test_table_scraped_one_cell_per_line():
    text = ("KẾ HOẠCH PHÁT TRIỂN DỊCH VỤ TỈNH LONG THÀNH GIAI ĐOẠN 2021 - 2025\n"
            "Long Thành, ngày 12 tháng 3 năm 2021\nPHỤ LỤC I\nCÁC CHỈ TIÊU CHỦ YẾU\n"
            "STT |\nChỉ tiêu |\nĐơn vị |\nNăm 2020 |\nNăm 2025 |\n"
            "1 |\nTốc độ tăng trưởng khu vực dịch vụ |\n%/năm |\n7,1 |\n8,5 |\n"
            "2 |\nTỷ trọng khu vực dịch vụ trong GRDP |\n% |\n|\n40 |\n"
            "3 |\nTổng thu từ khách du lịch |\ntỷ đồng |\n2.100 |\n4.500 |\n")
    from etl.extract import extract_text
    result = extract_text(text)
    got = [(c.value_low, c.unit, c.target_year, c.kind, c.indicator) for c in result.candidates]
    assert got == [(7.1, "pct_per_year", 2020, "baseline", "services_growth"),
                   (8.5, "pct_per_year", 2025, "target", "services_growth"),
                   (40, "pct", 2025, "target", "services_share_grdp"),
                   (2100, "billion_vnd", 2020, "baseline", "tourism_revenue"),
                   (4500, "billion_vnd", 2025, "target", "tourism_revenue")]
    assert result.candidates[2].citation == "Tỷ trọng khu vực dịch vụ trong GRDP | % | | 40"
    assert result.candidates[2].section == "Phụ lục I.2"


# ------------------------------------------------------------------------------- unreadable input
@pytest.mark.parametrize("data, name, error, code", [
    (b"", "plan.txt", UnreadableDocument, "empty"),
    (b"   \n\t ", "plan.txt", UnreadableDocument, "empty"),
    (bytes(range(256)) * 20, "plan.txt", UnreadableDocument, "binary"),
    (b"\x89PNG\r\n\x1a\n" + bytes(500), "plan.txt", UnreadableDocument, "binary"),
    (b"hello", "plan.exe", UnsupportedDocument, "unsupported_type"),
    (b"hello", "plan.doc", UnsupportedDocument, "unsupported_type"),
    (b"plain text, not a pdf", "plan.pdf", UnreadableDocument, "not_pdf"),
    (b"plain text, not a docx", "plan.docx", UnreadableDocument, "not_docx"),
    (b"PK\x03\x04 broken zip", "plan.docx", UnreadableDocument, "damaged"),
    (b"%PDF-1.4\n broken", "plan.pdf", UnreadableDocument, "damaged"),
    (b"12345 67890 !!!", "plan.txt", UnreadableDocument, "no_text"),
    (b"%PDF-1.4 disguised", "plan.txt", UnreadableDocument, "wrong_type"),
])
def test_unreadable_or_unsupported(data, name, error, code):
    with pytest.raises(error) as exc:
        load_document(data, name)
    assert isinstance(exc.value, DocumentError) and str(exc.value) and exc.value.code == code


def test_oversized_upload_is_refused():
    with pytest.raises(UnreadableDocument, match="larger than"):
        load_document(b"a" * 2048, "plan.txt", max_bytes=1024)


def test_text_encodings():
    text = "Tỷ trọng khu vực dịch vụ đạt 40% GRDP."
    for data in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8"), text.encode("utf-16")):
        assert load_document(data, "plan.txt").strip() == text


# ---------------------------------------------------------------------------------------------- CLI
def test_cli_writes_csv_to_stdout(capsysbinary):
    assert cli_main([str(FIXTURES / "plan_scraped.txt")]) == 0
    out = capsysbinary.readouterr().out.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and {"value_low", "value_high", "unit", "comparator", "period_start", "period_end",
                     "target_year", "sector", "citation", "indicator", "kind", "section"} <= set(rows[0])
    assert rows[0]["value_low"] == "7" and rows[0]["value_high"] == "7.5" and rows[0]["unit"] == "pct_per_year"


def test_cli_output_file_and_errors(tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert cli_main(["extract", str(FIXTURES / "plan_table.docx"), "-o", str(out)]) == 0
    assert len(list(csv.DictReader(out.open(encoding="utf-8")))) == 5
    assert cli_main([str(tmp_path / "missing.pdf")]) == 2
    bad = tmp_path / "junk.pdf"
    bad.write_bytes(b"not a pdf at all")
    assert cli_main([str(bad)]) == 2
    odd = tmp_path / "plan.xyz"
    odd.write_text("Tỷ lệ đạt 40%.", encoding="utf-8")
    assert cli_main([str(odd)]) == 2
    assert cli_main([]) == 2
    err = capsys.readouterr().err
    assert "not a PDF" in err and "unsupported file type" in err
