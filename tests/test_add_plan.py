"""Add a plan: the editor gate, upload → review → save, malformed uploads, validation failures, and the
writing logic of etl.plan_intake (a copy of the data is validated first; nothing is written on error).

Every test works on a private copy of data/ (DV2030_DATA_DIR) and a private warehouse (DV2030_WAREHOUSE).
The synthetic plan below is written for these tests; its four targets are typed here, not taken from the
extractor."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard_lib import add_plan as ui
from dashboard_lib import editor as editor_gate
from dashboard_lib.i18n import t
from dashboard_lib.widgets import t_markdown
from etl import plan_intake
from etl.citations import fold
from etl.extract import MAX_BYTES, extract_document

REPO = Path(__file__).resolve().parent.parent
PAGE = "pages/add_plan.py"
PASSWORD = "mật-khẩu-thử 42"
DOCUMENT_ID = "BGI-215-2022"

PLAN_TEXT = """ỦY BAN NHÂN DÂN TỈNH BẮC GIANG
Số: 215/KH-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Bắc Giang, ngày 12 tháng 5 năm 2022

KẾ HOẠCH
Thực hiện Chiến lược tổng thể phát triển khu vực dịch vụ trên địa bàn tỉnh Bắc Giang giai đoạn 2021 - 2030

Căn cứ Quyết định số 531/QĐ-TTg ngày 01/4/2021 của Thủ tướng Chính phủ phê duyệt Chiến lược tổng thể phát
triển khu vực dịch vụ của Việt Nam thời kỳ 2021 - 2030, tầm nhìn đến năm 2050; Ủy ban nhân dân tỉnh ban hành Kế
hoạch thực hiện như sau:

I. MỤC TIÊU
1. Mục tiêu chung
Phát triển khu vực dịch vụ trở thành động lực quan trọng cho tăng trưởng kinh tế của tỉnh.
2. Mục tiêu cụ thể
a) Tốc độ tăng trưởng khu vực dịch vụ bình quân giai đoạn 2021 - 2030 đạt 8,5%/năm.
b) Đến năm 2030, tỷ trọng khu vực dịch vụ chiếm khoảng 35% GRDP của tỉnh.
c) Tổng mức bán lẻ hàng hóa và doanh thu dịch vụ tiêu dùng đến năm 2025 đạt trên 60.000 tỷ đồng.
d) Đến năm 2030, đón khoảng 3,5 triệu lượt khách du lịch.
II. NHIỆM VỤ VÀ GIẢI PHÁP
1. Các sở, ngành, Ủy ban nhân dân các huyện, thành phố triển khai thực hiện Kế hoạch này theo chức năng,
nhiệm vụ được giao.
2. Sở Kế hoạch và Đầu tư theo dõi, tổng hợp, báo cáo Ủy ban nhân dân tỉnh trước ngày 15 tháng 12 hằng năm.
"""
# (indicator, value_low, value_high, unit, comparator, period_start, period_end, target_year), in text order
EXPECTED = [
    ("services_growth", 8.5, 8.5, "pct_per_year", "exact", 2021, 2030, 2030),
    ("services_share_grdp", 35.0, 35.0, "pct", "about", None, None, 2030),
    ("retail_sales", 60000.0, 60000.0, "billion_vnd", "at_least", None, None, 2025),
    ("tourism_visitors", 3_500_000.0, 3_500_000.0, "visitor_arrivals", "about", None, None, 2030),
]
TITLE_EN = "Plan implementing the services strategy in Bắc Giang province, 2021–2030"


# ---------------------------------------------------------------- fixtures and helpers

def folder_hash(folder: Path) -> str:
    """Every file's relative path and bytes: any write, rename or new file changes it. The editors' lock file
    (plan_intake.INTAKE_LOCK, empty, created by the first save) holds no data and is left out."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != plan_intake.INTAKE_LOCK):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def data_copy(tmp_path, monkeypatch) -> Path:
    """A private copy of data/ (without the warehouse) and a private warehouse path, viewers' defaults."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns("warehouse.duckdb*", ".*"))
    monkeypatch.setenv("DV2030_DATA_DIR", str(data))
    monkeypatch.setenv("DV2030_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("DV2030_GEO_OFFLINE", "1")
    monkeypatch.delenv("DV2030_SOURCES_DIR", raising=False)
    monkeypatch.delenv(ui.SECRET_ENV, raising=False)
    return data


@pytest.fixture
def editor(data_copy, monkeypatch) -> Path:
    monkeypatch.setenv(ui.SECRET_ENV, PASSWORD)
    return data_copy


def warehouse_path() -> Path:
    return Path(os.environ["DV2030_WAREHOUSE"])


def page_app(lang: str = "vi") -> AppTest:
    """The page on its own (as a viewer who typed its address would reach it)."""
    at = AppTest.from_file(str(REPO / PAGE), default_timeout=90)
    at.session_state["lang"] = lang
    at.session_state["warehouse_version"] = None  # set by dashboard.py; this page does not read it
    return at.run()


def sign_in(at: AppTest, password: str = PASSWORD, key: str = "add_password") -> AppTest:
    at.text_input(key=key).input(password)
    form = next(b for b in at.button if b.label == t("add.sign_in.submit", at.session_state["lang"]))
    return form.click().run()


def upload(at: AppTest, name: str, content: bytes, mime: str = "text/plain") -> AppTest:
    uploader = at.file_uploader[0]
    uploader.upload(name, content, mime)
    return at.run()


def editor_key(at: AppTest) -> str:
    keys = [k for k in at.session_state if str(k).startswith("add_review_")]
    assert len(keys) == 1, keys
    return keys[0]


def edit_rows(at: AppTest, edited: dict) -> AppTest:
    at.session_state[editor_key(at)] = {"edited_rows": edited, "added_rows": [], "deleted_rows": []}
    return at.run()


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


def document_row(**changes) -> dict:
    row = {"document_id": DOCUMENT_ID, "scope": "provincial", "province_code": "24",
           "document_number": "215/KH-UBND", "document_type_key": "plan", "document_type_vi": "Kế hoạch",
           "title_vi": "Kế hoạch thực hiện Chiến lược tổng thể phát triển khu vực dịch vụ trên địa bàn tỉnh Bắc Giang",
           "title_en": TITLE_EN, "issue_date": dt.date(2022, 5, 12), "issuer_vi": "Ủy ban nhân dân tỉnh Bắc Giang",
           "signer": "", "signer_title_vi": "", "implements": "TTG-531-2021", "horizon_start": 2021,
           "horizon_end": 2030, "vision_year": None, "source_file": "", "note": ""}
    row.update(changes)
    return row


def synthetic_rows(document_id: str = DOCUMENT_ID) -> tuple[list[dict], str]:
    extraction = extract_document(PLAN_TEXT.encode("utf-8"), "upload.txt")
    indicators = plan_intake.read_table(Path(os.environ["DV2030_DATA_DIR"]), "indicators.csv")
    review = plan_intake.review_frame(extraction, indicators)
    return plan_intake.target_rows(review, document_id, "24"), extraction.text


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def warehouse_targets(document_id: str = DOCUMENT_ID) -> pd.DataFrame:
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        return con.execute("SELECT * FROM v_targets WHERE document_id = ? ORDER BY target_id",
                           [document_id]).df()


def assert_saved(data: Path, expected=EXPECTED, document_id: str = DOCUMENT_ID) -> None:
    """The new targets file, the documents row and the warehouse hold the expected values."""
    rows = read_csv(data / "targets" / f"{document_id}.csv")
    assert [r["target_id"] for r in rows] == [f"{document_id}-{n:03d}" for n in range(1, len(expected) + 1)]
    for row, (indicator, low, high, unit, comparator, start, end, year) in zip(rows, expected):
        assert (row["indicator_key"], float(row["value_low"]), float(row["value_high"]), row["unit_key"],
                row["comparator"], row["target_year"]) == (indicator, low, high, unit, comparator, str(year))
        assert (row["period_start"], row["period_end"]) == ("" if start is None else str(start),
                                                            "" if end is None else str(end))
        assert row["province_code"] == "24" and row["document_id"] == document_id
        assert row["citation"] in fold(PLAN_TEXT)  # verbatim excerpt (after whitespace folding)
    documents = {r["document_id"]: r for r in read_csv(data / "documents.csv")}
    new = documents[document_id]
    assert (new["province_code"], new["document_number"], new["document_type_key"], new["issue_date"],
            new["implements"], new["horizon_start"], new["horizon_end"], new["title_en"], new["scope"]) == (
        "24", "215/KH-UBND", "plan", "2022-05-12", "TTG-531-2021", "2021", "2030", TITLE_EN, "provincial")
    stored = warehouse_targets(document_id)
    assert list(stored["target_id"]) == [r["target_id"] for r in rows]
    assert list(stored["indicator"]) == [e[0] for e in expected]
    assert list(stored["value_low"]) == [e[1] for e in expected]
    assert set(stored["province_name_vi"]) == {"Bắc Giang"}
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        n_documents = con.execute("SELECT n_documents FROM build_info").fetchone()[0]
    assert len(documents) == n_documents


# ---------------------------------------------------------------- etl.plan_intake (no Streamlit)

def test_add_plan_writes_the_files_and_rebuilds_the_warehouse(data_copy):
    before_documents = (data_copy / "documents.csv").read_bytes()
    rows, text = synthetic_rows()
    result = plan_intake.add_plan(data_copy, document_row(), rows, text, None, warehouse=warehouse_path())
    assert result.ok and result.code == "saved", [str(i) for i in result.issues]
    assert result.citations == "memory" and result.source_file is None and result.n_targets == 4
    assert result.targets_file == data_copy / "targets" / f"{DOCUMENT_ID}.csv"
    assert_saved(data_copy)
    after = (data_copy / "documents.csv").read_bytes()
    assert after.startswith(before_documents) and after.count(b"\n") == before_documents.count(b"\n") + 1
    assert not [p for p in data_copy.rglob("*") if p.name.endswith(".tmp")]  # no temporary file left behind


def test_add_plan_refuses_an_existing_document_id(data_copy):
    before = folder_hash(data_copy)
    rows, text = synthetic_rows("HGI-02-2024")
    result = plan_intake.add_plan(data_copy, document_row(document_id="HGI-02-2024"), rows, text, None,
                                  warehouse=warehouse_path())
    assert not result.ok and result.code == "duplicate_id"
    assert result.errors[0].field == "document_id"
    assert folder_hash(data_copy) == before and not warehouse_path().exists()


@pytest.mark.parametrize("document_id", ["../../etc/passwd", "BGI/215/2022", "bgi 215", "", "BGI-215-2022.csv",
                                         "A" * 50])
def test_add_plan_refuses_a_malformed_document_id(data_copy, document_id):
    before = folder_hash(data_copy)
    rows, text = synthetic_rows("BGI-215-2022")
    result = plan_intake.add_plan(data_copy, document_row(document_id=document_id), rows, text, None,
                                  warehouse=warehouse_path())
    assert result.code == "invalid_id" and not result.ok
    assert folder_hash(data_copy) == before


def test_validation_failure_writes_nothing_and_names_file_row_and_field(data_copy):
    before = folder_hash(data_copy)
    rows, text = synthetic_rows()
    rows[1]["unit_key"] = "furlongs"          # row 3 of the targets file (header = row 1)
    rows[2]["target_year"] = "20x5"
    result = plan_intake.add_plan(data_copy, document_row(title_en=""), rows, text, None,
                                  warehouse=warehouse_path())
    assert not result.ok and result.code == "invalid"
    where = {(i.file, i.row, i.field) for i in result.errors}
    assert (f"targets/{DOCUMENT_ID}.csv", 3, "unit_key") in where
    assert (f"targets/{DOCUMENT_ID}.csv", 4, "target_year") in where
    n_documents = len(read_csv(data_copy / "documents.csv"))
    assert ("data/documents.csv", n_documents + 2, "title_en") in where
    assert any("furlongs" in i.message for i in result.errors)
    assert folder_hash(data_copy) == before and not warehouse_path().exists()
    assert not [i for i in result.main_errors if i.message.startswith("unknown document")]


def test_main_errors_leave_out_the_echo_of_a_rejected_document_row():
    from etl.curated import Issue
    own = Issue("data/documents.csv", 9, "title_en", "is empty but required")
    echo = Issue(f"targets/{DOCUMENT_ID}.csv", 2, "document_id", f"unknown document '{DOCUMENT_ID}' (see …)")
    unit = Issue(f"targets/{DOCUMENT_ID}.csv", 3, "unit_key", "unknown unit 'furlongs'")
    result = plan_intake.IntakeResult(False, "invalid", DOCUMENT_ID, [own, echo, unit])
    assert result.main_errors == [own, unit] and result.errors == [own, echo, unit]
    assert plan_intake.IntakeResult(False, "invalid", DOCUMENT_ID, [echo]).main_errors == [echo]


def test_a_citation_missing_from_the_uploaded_text_is_an_error(data_copy):
    before = folder_hash(data_copy)
    rows, text = synthetic_rows()
    rows[0]["citation"] = "Tốc độ tăng trưởng khu vực dịch vụ đạt 9%/năm"   # not in the document
    result = plan_intake.add_plan(data_copy, document_row(), rows, text, None, warehouse=warehouse_path())
    assert not result.ok and result.citations == "memory"
    assert [(i.row, i.field) for i in result.errors] == [(2, "citation")]
    assert folder_hash(data_copy) == before


def test_the_source_text_is_stored_when_a_writable_sources_folder_is_configured(data_copy, seeds, tmp_path):
    sources = tmp_path / "sources"
    shutil.copytree(seeds, sources)
    rows, text = synthetic_rows()
    result = plan_intake.add_plan(data_copy, document_row(), rows, text, sources, warehouse=warehouse_path())
    assert result.ok, [str(i) for i in result.errors]
    assert result.citations == "source_file" and result.source_file == f"{DOCUMENT_ID}.txt"
    assert (sources / result.source_file).read_text(encoding="utf-8") == text
    documents = {r["document_id"]: r for r in read_csv(data_copy / "documents.csv")}
    assert documents[DOCUMENT_ID]["source_file"] == f"{DOCUMENT_ID}.txt"
    stored = warehouse_targets()
    assert len(stored) == 4 and stored["citation_verified"].all()


def test_stored_source_citations_are_checked_against_the_stored_text(data_copy, seeds, tmp_path):
    sources = tmp_path / "sources"
    shutil.copytree(seeds, sources)
    before, before_sources = folder_hash(data_copy), folder_hash(sources)
    rows, text = synthetic_rows()
    rows[3]["citation"] = "đón 4 triệu lượt khách"
    result = plan_intake.add_plan(data_copy, document_row(), rows, text, sources, warehouse=warehouse_path())
    assert not result.ok and [(i.row, i.field) for i in result.errors] == [(5, "citation")]
    assert folder_hash(data_copy) == before and folder_hash(sources) == before_sources


def test_a_failed_build_restores_the_files(data_copy, monkeypatch):
    from etl import warehouse
    from etl.curated import Issue
    before = folder_hash(data_copy)

    def failing_build(*args, **kwargs):
        return warehouse.BuildResult(False, [Issue("tile_grid.csv", None, None, "broken on purpose")])

    monkeypatch.setattr(warehouse, "build", failing_build)
    rows, text = synthetic_rows()
    result = plan_intake.add_plan(data_copy, document_row(), rows, text, None, warehouse=warehouse_path())
    assert not result.ok and result.code == "build_failed"
    assert any("broken on purpose" in i.message for i in result.errors)
    assert folder_hash(data_copy) == before


def test_two_editors_saving_the_same_id_at_once_write_it_once(data_copy):
    from concurrent.futures import ThreadPoolExecutor
    rows, text = synthetic_rows()
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: plan_intake.add_plan(data_copy, document_row(), rows, text, None,
                                                               rebuild=False), range(2)))
    assert sorted(r.code for r in results) == ["duplicate_id", "saved"]
    assert [r["document_id"] for r in read_csv(data_copy / "documents.csv")].count(DOCUMENT_ID) == 1
    assert len(read_csv(data_copy / "targets" / f"{DOCUMENT_ID}.csv")) == 4


def test_no_accepted_row_is_refused(data_copy):
    before = folder_hash(data_copy)
    result = plan_intake.add_plan(data_copy, document_row(), [], PLAN_TEXT, None, warehouse=warehouse_path())
    assert result.code == "no_targets" and folder_hash(data_copy) == before


def test_review_frame_presets_accept_and_target_rows_renumber(data_copy):
    extraction = extract_document(PLAN_TEXT.encode("utf-8"), "upload.txt")
    indicators = plan_intake.read_table(data_copy, "indicators.csv")
    review = plan_intake.review_frame(extraction, indicators)
    assert list(review["n"]) == [1, 2, 3, 4] and review["accept"].all()
    got = [(r.indicator_key, r.value_low, r.value_high, r.unit_key, r.comparator,
            None if pd.isna(r.period_start) else r.period_start, None if pd.isna(r.period_end) else r.period_end,
            r.target_year) for r in review.itertuples()]
    assert got == EXPECTED
    review.loc[1, "accept"] = False
    review.loc[3, "indicator_key"] = "no_such_indicator"
    rows = plan_intake.target_rows(review, "BGI-1-2022", "24")
    assert [r["target_id"] for r in rows] == ["BGI-1-2022-001", "BGI-1-2022-002", "BGI-1-2022-003"]
    assert [r["indicator_key"] for r in rows] == ["services_growth", "retail_sales", "no_such_indicator"]
    units = dict(zip(indicators["indicator_key"], indicators["unit_key"]))
    assert plan_intake.review_hints({"indicator_key": "no_such_indicator", "unit_key": "pct", "target_year": 2030},
                                    units) == ["unknown_indicator"]
    assert plan_intake.review_hints({"indicator_key": "services_growth", "unit_key": "pct", "target_year": None},
                                    units) == ["unit_mismatch", "no_year"]


def test_document_defaults_from_the_opening(data_copy):
    extraction = extract_document(PLAN_TEXT.encode("utf-8"), "upload.txt")
    defaults = plan_intake.document_defaults(extraction, plan_intake.read_table(data_copy, "provinces.csv"),
                                             plan_intake.read_table(data_copy, "documents.csv"))
    assert defaults["document_id"] == DOCUMENT_ID
    assert (defaults["province_code"], defaults["document_number"], defaults["document_type_key"],
            defaults["issue_date"], defaults["implements"], defaults["horizon_start"], defaults["horizon_end"]) == (
        "24", "215/KH-UBND", "plan", dt.date(2022, 5, 12), "TTG-531-2021", 2021, 2030)
    assert defaults["title_vi"] == ("Kế hoạch thực hiện Chiến lược tổng thể phát triển khu vực dịch vụ trên địa bàn "
                                    "tỉnh Bắc Giang giai đoạn 2021 - 2030")
    assert defaults["issuer_vi"] == "Ủy ban nhân dân tỉnh Bắc Giang"


def test_helpers_for_ids_titles_and_cells():
    provinces = pd.read_csv(REPO / "data" / "provinces.csv", dtype=str, keep_default_na=False)
    assert plan_intake.suggest_document_id("93", "02/CTr-UBND", 2024, provinces) == "HGI-02-2024"
    assert plan_intake.suggest_document_id("93", "02/CTr-UBND", 2024, provinces, {"HGI-02-2024"}) == "HGI-02-2024-2"
    assert plan_intake.suggest_document_id("79", "5/KH-UBND", 2023, provinces).startswith("HCM-5-2023")
    assert plan_intake.sentence_case("KẾ HOẠCH PHÁT TRIỂN DU LỊCH TỈNH BẮC GIANG ĐẾN NĂM 2030",
                                     ["Bắc Giang"]) == "Kế hoạch phát triển du lịch tỉnh Bắc Giang đến năm 2030"
    assert plan_intake.match_province("BẮC GIANG", provinces) == "24"
    assert [plan_intake.cell(v) for v in (8.5, 3_500_000.0, 7.300000000000001, None, float("nan"), 2030,
                                          dt.date(2022, 5, 12), "  a\nb ", pd.NA)] == [
        "8.5", "3500000", "7.3", "", "", "2030", "2022-05-12", "a b", ""]


# ---------------------------------------------------------------- dashboard_lib.add_plan (UI helpers)

def test_highlight_escapes_the_document_before_marking_candidates():
    text = "Mở đầu <script>alert('x')</script> & <b>đậm</b>. Tỷ trọng dịch vụ đạt 35% GRDP. Tăng 8,5%/năm."
    review = pd.DataFrame({
        "n": [1, 2], "accept": [True, False], "value_low": [35.0, 8.5], "value_high": [35.0, 8.5],
        "unit_key": ["pct", "pct_per_year"], "comparator": ["exact", "exact"], "target_year": [2030, None],
        "start": [text.index("35%"), text.index("8,5%")], "end": [text.index("35%") + 3, text.index("/năm") + 4],
        "cite_start": [text.index("Tỷ"), text.index("Tăng")], "cite_end": [text.index(" GRDP") + 6, len(text)]})
    page = ui.highlight_html(text, review, "vi", ui.References.load(REPO / "data"))
    assert "<script" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;" in page
    assert page.count("line-through") == 1 and page.count("rgba(230,159,0,0.32)") == 1
    assert ">35%</span>" in page and ">8,5%/năm</span>" in page
    assert 'title="#1 · 35% · 2030"' in page
    badges = [chunk.split("</span>")[0] for chunk in page.split("vertical-align:super;line-height:1\">")[1:]]
    assert badges == ["1", "2"]


def test_compact_view_shows_only_the_lines_with_candidates():
    text = "Mở đầu của văn bản.\nMột dòng không có số liệu.\nTỷ trọng dịch vụ đạt 35% GRDP.\nKết thúc."
    start = text.index("35%")
    review = pd.DataFrame({"n": [1], "accept": [True], "value_low": [35.0], "value_high": [35.0],
                           "unit_key": ["pct"], "comparator": ["exact"], "target_year": [None], "start": [start],
                           "end": [start + 3], "cite_start": [text.index("Tỷ")], "cite_end": [text.index(" GRDP")]})
    full = ui.highlight_html(text, review, "en")
    compact = ui.highlight_html(text, review, "en", compact=True)
    assert "Mở đầu" in full and "Kết thúc" in full and "⋯" not in full
    assert "Mở đầu" not in compact and "Kết thúc" not in compact and compact.count("⋯") == 2
    assert "Tỷ trọng dịch vụ đạt" in compact and ">35%</span>" in compact


@pytest.mark.parametrize("name,content,code", [
    ("ke-hoach.txt", bytes(range(256)) * 64, "binary"),
    ("ke-hoach.txt", b"", "empty"),
    ("ke-hoach.txt", b"   \n\t  ", "empty"),
    ("ke-hoach.exe", b"MZ\x90\x00 not a plan", "unsupported_type"),
    ("ke-hoach.doc", b"\xd0\xcf\x11\xe0 legacy word", "unsupported_type"),
    ("ke-hoach", PLAN_TEXT.encode(), "unsupported_type"),
    ("ke-hoach.pdf", PLAN_TEXT.encode(), "not_pdf"),
    ("ke-hoach.docx", PLAN_TEXT.encode(), "not_docx"),
    ("ke-hoach.txt", b"a" * (MAX_BYTES + 1), "too_large"),
])
def test_read_upload_gives_a_stable_error_code(name, content, code):
    with pytest.raises(ui.UploadError) as raised:
        ui.read_upload(name, content)
    assert raised.value.code == code
    assert ui.error_text(code, "vi") and ui.error_text(code, "en")


def test_upload_names_only_give_their_extension():
    assert ui.extension("../../etc/ke-hoach.TXT") == ".txt"
    assert ui.extension("C:\\Users\\x\\plan.Docx") == ".docx"
    assert ui.extension(".htaccess") == "" and ui.extension("README") == ""
    loaded = ui.read_upload("../../../tmp/evil.txt", PLAN_TEXT.encode("utf-8"))
    assert len(loaded.extraction.candidates) == 4


# ---------------------------------------------------------------- the page (AppTest)

def test_without_an_editor_secret_the_page_refuses(data_copy, tmp_path_factory):
    at = page_app("en")
    no_exception(at)
    assert t("add.refused.no_secret", "en") in texts(at.error)
    assert not at.file_uploader and not at.text_input  # no upload, not even a password box
    app = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90).run()
    no_exception(app)
    assert not app.sidebar.expander  # no sign-in box without a configured secret
    with pytest.raises(ValueError):
        app.switch_page(PAGE)  # not in the navigation


def test_the_page_asks_for_the_password(editor):
    at = page_app("vi")
    assert t("add.refused.sign_in", "vi") in texts(at.warning) and not at.file_uploader
    at = sign_in(at, "wrong")
    assert t("add.sign_in.wrong", "vi") in texts(at.error) and not at.file_uploader
    assert at.session_state["add_password"] == ""  # the typed password is not kept
    at = sign_in(at)
    no_exception(at)
    assert len(at.file_uploader) == 1 and t("add.upload.none", "vi") in texts(at.info)


def test_a_streamlit_secret_also_enables_editing(data_copy):
    at = AppTest.from_file(str(REPO / PAGE), default_timeout=90)
    at.secrets[ui.SECRET_NAME] = PASSWORD
    at.session_state["lang"] = "en"
    at.session_state["warehouse_version"] = None
    at = sign_in(at.run())
    assert len(at.file_uploader) == 1


def test_sign_in_attempts_are_limited_across_reloads(editor):
    """Reloading the page (a new session) does not reset the count of wrong passwords: it is the server's."""
    locked = t("add.sign_in.locked", "en", minutes=1)
    at = page_app("en")
    for attempt in range(editor_gate.SERVER_FREE_ATTEMPTS):
        if attempt and attempt % 3 == 0:
            at = page_app("en")  # a reload: a new session, with nothing of the old one
        assert at.text_input, f"no password box before attempt {attempt + 1}"
        at = sign_in(at, "guess")
    assert locked in texts(at.error)
    assert not at.text_input  # no more password box
    at = page_app("en")
    assert locked in texts(at.error) and not at.text_input, "a reload gave the password box back"


def test_upload_review_save_through_the_navigation(editor, tmp_path_factory):
    """The whole flow as an editor: sign in in the sidebar, open the page, upload, review, fill, save."""
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
    at.query_params["lang"] = "vi"
    at.run()
    no_exception(at)
    with pytest.raises(ValueError):
        at.switch_page(PAGE)  # not offered before signing in
    at = sign_in(at, key="add_sidebar_password")
    at.switch_page(PAGE).run()
    no_exception(at)
    at = upload(at, "kế hoạch Bắc Giang.txt", PLAN_TEXT.encode("utf-8"))
    no_exception(at)
    assert any("4" in s and "Bắc Giang" in s for s in texts(at.success))

    review = at.data_editor[0].value
    assert list(review["n"]) == [1, 2, 3, 4] and review["accept"].all()
    assert list(review["indicator_key"]) == [e[0] for e in EXPECTED]
    assert list(review["value_low"]) == [e[1] for e in EXPECTED]
    document = next(h.value for h in at.html if "white-space:pre-wrap" in h.value)
    assert document.count("rgba(230,159,0,0.32)") == 4  # four highlighted values
    assert "Tốc độ tăng trưởng khu vực dịch vụ bình quân" in document

    # prefilled metadata
    assert at.text_input(key="add_meta_document_id").value == DOCUMENT_ID
    assert at.selectbox(key="add_meta_province_code").value == "24"
    assert at.selectbox(key="add_meta_implements").value == "TTG-531-2021"
    assert at.date_input(key="add_meta_issue_date").value == dt.date(2022, 5, 12)

    # review: reject the visitors target, correct the retail value; fill the English title; save
    at = edit_rows(at, {"3": {"accept": False}, "2": {"value_low": 65000, "value_high": 65000}})
    at.text_area(key="add_meta_title_en").input(TITLE_EN)
    at.run()
    assert t("add.review.counts", "vi", accepted=3, total=4) in texts(at.caption)
    document = next(h.value for h in at.html if "white-space:pre-wrap" in h.value)
    assert document.count("line-through") == 1
    at.button(key="add_save").click().run()
    no_exception(at)
    assert t_markdown("add.result.saved", "vi", document_id=DOCUMENT_ID, n=3) in texts(at.success)
    assert at.button(key="add_save").disabled
    assert not [w for w in texts(at.warning) if DOCUMENT_ID in w]  # its own ID is not "already used"

    expected = [EXPECTED[0], EXPECTED[1], ("retail_sales", 65000.0, 65000.0, "billion_vnd", "at_least", None, None,
                                           2025)]
    assert_saved(Path(os.environ["DV2030_DATA_DIR"]), expected)
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:  # built by the app before: a diff exists
        added = con.execute("SELECT target_id FROM build_changes WHERE change = 'added' ORDER BY 1").df()
    assert list(added["target_id"]) == [f"{DOCUMENT_ID}-{n:03d}" for n in (1, 2, 3)]

    at.button(key="add_again").click().run()  # start over: an empty uploader and no review
    no_exception(at)
    assert t("add.upload.none", "vi") in texts(at.info) and not at.data_editor

    at.switch_page("pages/plans.py").run()  # the other pages read the rebuilt warehouse
    no_exception(at)
    shown = " ".join(" ".join(map(str, d.value.astype(str).to_numpy().ravel())) for d in at.dataframe)
    shown += " ".join(texts(at.markdown) + texts(at.caption))
    assert "215/KH-UBND" in shown


def test_a_right_to_left_override_in_a_file_name_is_not_shown(editor):
    """'ke-hoach\u202Etxt.exe.txt' would read as 'ke-hoachtxt.exe…' reversed: the name is shown without the
    characters that change the direction of text, in the page's message and in the highlighted document."""
    at = sign_in(page_app("en"))
    at = upload(at, "ke-hoach-\u202etxt.exe\u2066.txt", ("\u202e" + PLAN_TEXT).encode("utf-8"))
    no_exception(at)
    shown = texts(at.success) + [h.value for h in at.html]
    assert any("ke" in s and "hoach" in s and "txt" in s for s in texts(at.success)), texts(at.success)
    assert not [s for s in shown if re.search("[\u202a-\u202e\u2066-\u2069\u200e\u200f]", s)]


@pytest.mark.parametrize("name,content,code", [
    ("rac.txt", os.urandom(4096) + b"\x00" * 64, "binary"),
    ("rong.txt", b"", "empty"),
    ("ke-hoach.xlsx", b"PK\x03\x04 spreadsheet", "unsupported_type"),
    ("ke-hoach.txt", b"x" * (MAX_BYTES + 1), "too_large"),
    ("ke-hoach.pdf", b"<html>not a pdf</html>", "not_pdf"),
])
def test_a_malformed_upload_gets_its_error_and_changes_nothing(editor, name, content, code):
    before = folder_hash(editor)
    at = sign_in(page_app("en"))
    at = upload(at, name, content, "application/octet-stream")
    no_exception(at)
    errors = " ".join(texts(at.error))
    assert t("add.error.title", "en") in errors and ui.error_text(code, "en") in errors
    assert not at.data_editor and not [b for b in at.button if b.key == "add_save"]
    assert folder_hash(editor) == before and not warehouse_path().exists()


def test_a_validation_failure_writes_nothing_and_shows_where(editor):
    before = folder_hash(editor)
    at = sign_in(page_app("en"))
    at = upload(at, "plan.txt", PLAN_TEXT.encode("utf-8"))
    at = edit_rows(at, {"0": {"unit_key": "furlongs"}})
    at.text_area(key="add_meta_title_en").input(TITLE_EN)
    at.run()
    at.button(key="add_save").click().run()
    no_exception(at)
    assert t("add.result.invalid", "en") in texts(at.error)
    issues = at.dataframe[-1].value
    row = issues[issues[t("add.issues.field", "en")] == "unit_key"].iloc[0]
    assert row[t("add.issues.where", "en")] == t("add.issues.candidate", "en", n=1)
    assert row[t("add.issues.file", "en")] == f"targets/{DOCUMENT_ID}.csv" and row[t("add.issues.row", "en")] == 2
    assert "furlongs" in row[t("add.issues.message", "en")]
    assert folder_hash(editor) == before and not warehouse_path().exists()

    at = edit_rows(at, {})  # the reviewer puts the unit back: the same upload now saves
    at.button(key="add_save").click().run()
    assert t_markdown("add.result.saved", "en", document_id=DOCUMENT_ID, n=4) in texts(at.success)
    assert_saved(editor)


def test_a_busy_data_folder_asks_to_try_again_and_a_save_offers_the_plan_for_the_repository(editor, monkeypatch):
    """Another process (another replica) holds the editors' lock: the save answers "try again" and writes nothing;
    once it is free the same click saves, and the page offers the git patch and the two CSV files."""
    import subprocess
    import sys
    monkeypatch.setenv("DV2030_INTAKE_WAIT_SECONDS", "0.3")
    before = folder_hash(editor)
    at = sign_in(page_app("en"))
    at = upload(at, "plan.txt", PLAN_TEXT.encode("utf-8"))
    at.text_area(key="add_meta_title_en").input(TITLE_EN)
    at.run()
    holder = subprocess.Popen([sys.executable, "-c", (
        f"import sys, time; sys.path.insert(0, {str(REPO)!r}); from etl.plan_intake import intake_lock\n"
        f"with intake_lock({str(editor)!r}):\n    print('held', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        at.button(key="add_save").click().run()
    finally:
        holder.kill()
        holder.wait()
    no_exception(at)
    assert t("add.result.busy", "en") in texts(at.error)
    assert [d.key for d in at.dataframe] == [editor_key(at)]  # the review only: no table of problems
    assert folder_hash(editor) == before and not warehouse_path().exists()

    at.button(key="add_save").click().run()
    assert t_markdown("add.result.saved", "en", document_id=DOCUMENT_ID, n=4) in texts(at.success)
    assert_saved(editor)
    downloads = [e for e in at.get("download_button")]
    assert len(downloads) == 3
    labels = [e.proto.label for e in downloads]
    assert labels == [t("add.repo.patch", "en"), t("add.repo.targets", "en", name=f"{DOCUMENT_ID}.csv"),
                      t("add.repo.document", "en", name=f"documents-{DOCUMENT_ID}.csv")]


def test_an_existing_document_id_is_flagged_and_refused(editor):
    before = folder_hash(editor)
    at = sign_in(page_app("en"))
    at = upload(at, "plan.txt", PLAN_TEXT.encode("utf-8"))
    at.text_input(key="add_meta_document_id").input("HGI-02-2024")
    at.text_area(key="add_meta_title_en").input(TITLE_EN)
    at.run()
    assert t("add.meta.id_exists", "en", document_id="HGI\\-02\\-2024") in texts(at.warning)
    at.button(key="add_save").click().run()
    assert t("add.result.duplicate_id", "en", document_id="HGI\\-02\\-2024") in texts(at.error)
    assert folder_hash(editor) == before


def _docx(text: str) -> bytes:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("name,make", [
    ("ke-hoach.docx", lambda: _docx(PLAN_TEXT)),
    ("ke-hoach.html", lambda: ("<html><head><meta charset='utf-8'><script>alert(1)</script></head><body>"
                               "<nav>Trang chủ | Đăng nhập</nav>"
                               + "".join(f"<p>{line}</p>" for line in PLAN_TEXT.split("\n")) + "</body></html>")
     .encode("utf-8")),
])
def test_docx_and_html_uploads_reach_the_review(editor, name, make):
    at = sign_in(page_app("vi"))
    at = upload(at, name, make())
    no_exception(at)
    review = at.data_editor[0].value
    assert list(review["indicator_key"]) == [e[0] for e in EXPECTED]
    document = next(h.value for h in at.html if "white-space:pre-wrap" in h.value)
    assert "alert(1)" not in document and "Đăng nhập" not in document
