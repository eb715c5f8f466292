"""Exports for presenters: dressed figures (PNG/SVG/PDF), the cache, slide decks, workbooks, formula safety.

Figures here are small synthetic ones. Tests that render need Debian's Chromium: without it they are
skipped on a developer's machine and FAIL in CI (env CI set), where it must be installed.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import unicodedata
import zipfile
from xml.etree import ElementTree

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard_lib import export
from dashboard_lib.i18n import t

from conftest import REPO

BUILT = "2026-11-22T02:28:53+00:00"
TITLE_VI = "Tăng trưởng khu vực dịch vụ của Hải Phòng và Thanh Hóa"
TITLE_EN = "Services growth targets of Haiphong and Thanh Hoa"
PLANS_VI = ["Kế hoạch 117/KH-UBND — Hải Phòng", "Quyết định 3572/QĐ-UBND — Thanh Hóa"]
INJECTIONS = ['=HYPERLINK("http://example.invalid","bấm")', "+84 912", "-2+3", "@SUM(A1:A9)", "=1+1"]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def small_figure(lang: str = "vi") -> go.Figure:
    names = ["Hải Phòng", "Thanh Hóa"] if lang == "vi" else ["Haiphong", "Thanh Hoa"]
    fig = go.Figure([go.Bar(x=names, y=[10.4, 8.9], name="Mục tiêu" if lang == "vi" else "Target"),
                     go.Scatter(x=names, y=[7.5, 7.5], mode="markers", name="Cả nước" if lang == "vi" else "National")])
    fig.add_annotation(text="Nguồn: 117/KH-UBND. Dịch vụ 2030, dữ liệu dựng 2026-11-22.", xref="paper",
                       yref="paper", x=0, y=-0.2, showarrow=False)
    fig.update_layout(title="tiêu đề của trang", height=420)
    return fig


def dressed(lang: str = "vi", size: str = "presentation", title: str | None = None) -> go.Figure:
    return export.figure_for_export(
        small_figure(lang), title=title or (TITLE_VI if lang == "vi" else TITLE_EN),
        subtitle="Hải Phòng, Thanh Hóa · 2021–2025" if lang == "vi" else "Haiphong, Thanh Hoa · 2021–2025",
        unit="%/năm" if lang == "vi" else "%/year",
        source=PLANS_VI if lang == "vi" else ["Plan 117/KH-UBND — Haiphong"], build_date=BUILT, lang=lang, size=size)


@pytest.fixture(scope="module")
def renderer():
    """The real renderer (one Chromium for the module). Missing Chromium: skip here, fail in CI."""
    if export.chromium_path() is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed: apt-get install -y " + " ".join(export.APT_PACKAGES))
        pytest.skip("Chromium not installed")
    export.start_renderer()
    yield export.renderer()
    export.stop_renderer()


class FakeRenderer:
    """Stands in for Chromium in cache tests: counts calls, returns recognisable bytes."""

    def __init__(self):
        self.calls = []

    def render(self, figure, fmt, width, height, scale):
        self.calls.append((fmt, width, height, scale))
        return f"{fmt}-{len(self.calls)}".encode()


# ---------------------------------------------------------------- dressing (no browser)

def test_dressing_adds_title_subtitle_unit_footnote_and_font():
    fig = dressed("vi")
    layout = fig.layout
    assert (layout.width, layout.height) == (export.SIZES["presentation"].width, export.SIZES["presentation"].height)
    assert TITLE_VI in layout.title.text
    assert "Hải Phòng, Thanh Hóa · 2021–2025" in layout.title.subtitle.text
    assert "Đơn vị: %/năm" in layout.title.subtitle.text
    notes = [a for a in layout.annotations if a.name == "export-footnote"]
    assert len(notes) == 1
    note = notes[0].text.replace("<br>", " ")
    assert "Kế hoạch 117/KH-UBND — Hải Phòng" in note and "Quyết định 3572/QĐ-UBND — Thanh Hóa" in note
    assert "22/11/2026" in note
    # the chart's own source line is replaced by the footnote, not repeated
    assert not any(str(a.text).startswith("Nguồn: 117") for a in layout.annotations)
    assert layout.separators == ",."
    assert layout.font.family.startswith(export.FONT_NAME)
    assert layout.title.font.family.startswith(export.FONT_NAME)
    assert layout.showlegend is True


def test_a_single_legend_entry_asked_for_explicitly_is_kept():
    """Like Plotly on screen: the map's one grey "no plan loaded" entry (showlegend=True) stays in the export;
    a lone trace that did not ask for a legend gets none."""
    def export_of(explicit: bool) -> go.Figure:
        fig = go.Figure([go.Scatter(x=[1], y=[1], showlegend=False, name="values"),
                         go.Scatter(x=[2], y=[2], name="Chưa có kế hoạch", showlegend=True if explicit else None)])
        return export.figure_for_export(fig, title="Bản đồ", unit="%", source=PLANS_VI, build_date=BUILT, lang="vi")
    assert export_of(True).layout.showlegend is True
    assert export_of(False).layout.showlegend is False


def test_dressing_in_english_uses_english_texts_and_separators():
    fig = dressed("en")
    assert TITLE_EN in fig.layout.title.text
    assert "Unit: %/year" in fig.layout.title.subtitle.text
    note = [a for a in fig.layout.annotations if a.name == "export-footnote"][0].text.replace("<br>", " ")
    assert "Source: Plan 117/KH-UBND — Haiphong" in note and "22 Nov 2026" in note
    assert fig.layout.separators == ".,"


def test_dressing_escapes_markup_from_data():
    fig = export.figure_for_export(small_figure(), title="<b>x</b> & <script>", subtitle="", source=["<i>"],
                                   build_date=BUILT, lang="vi")
    assert "<script>" not in fig.layout.title.text and "&lt;script&gt;" in fig.layout.title.text


def test_tall_chart_is_laid_out_larger_and_zoomed_to_the_same_output():
    tall = go.Figure(go.Bar(y=[f"Tỉnh {i}" for i in range(60)], x=list(range(60)), orientation="h"))
    tall.update_layout(height=2000)
    fig = export.figure_for_export(tall, title="Cao", build_date=BUILT, lang="vi")
    assert fig.layout.height > export.SIZES["presentation"].height
    assert fig.layout.width * 9 == fig.layout.height * 16  # still 16:9, so the PNG stays 1920×1080


def test_plan_labels_name_the_plan_type_number_and_province():
    documents = pd.DataFrame({
        "document_number": ["117/KH-UBND", "531/QĐ-TTg"], "document_type_vi": ["Kế hoạch", "Quyết định"],
        "document_type_key": ["plan", "decision"], "province_name_vi": ["Hải Phòng", "Cả nước"],
        "province_name_en": ["Haiphong", "Vietnam (national)"]})
    numbers = ["531/QĐ-TTg", "117/KH-UBND", "531/QĐ-TTg", "999/XX"]
    assert export.plan_labels(numbers, documents, "vi") == [
        "Quyết định 531/QĐ-TTg — Cả nước", "Kế hoạch 117/KH-UBND — Hải Phòng", "999/XX"]
    assert export.plan_labels(numbers[:2], documents, "en") == [
        "Decision 531/QĐ-TTg — Vietnam (national)", "Plan 117/KH-UBND — Haiphong"]


# ---------------------------------------------------------------- the cache (no browser)

def test_second_export_is_served_from_the_cache(monkeypatch):
    fake = FakeRenderer()
    monkeypatch.setattr(export, "_renderer", fake)
    monkeypatch.setattr(export, "_cache", export.ExportCache())
    first = export.export_figure(dressed("vi"), "svg", "presentation", "vi")
    again = export.export_figure(dressed("vi"), "svg", "presentation", "vi")  # an equal figure, rebuilt
    assert again == first and len(fake.calls) == 1
    assert export.export_cache().info()["hits"] == 1
    export.export_figure(dressed("vi"), "pdf", "presentation", "vi")      # another format: rendered
    export.export_figure(dressed("vi"), "svg", "presentation", "en")      # another language: rendered
    export.export_figure(dressed("vi", size="print"), "svg", "print", "vi")
    assert len(fake.calls) == 4


def test_cache_is_bounded():
    cache = export.ExportCache(max_entries=3, max_bytes=10)
    for i in range(5):
        cache.put(("k", i), b"12")
    info = cache.info()
    assert info["entries"] == 3 and info["bytes"] == 6
    assert cache.get(("k", 0)) is None and cache.get(("k", 4)) == b"12"
    cache.put(("big",), b"x" * 11)
    assert cache.info()["entries"] == 0


def test_export_scale_gives_the_page_size(monkeypatch):
    fake = FakeRenderer()
    monkeypatch.setattr(export, "_renderer", fake)
    monkeypatch.setattr(export, "_cache", export.ExportCache())
    export.export_figure(dressed("vi"), "png", "presentation", "vi")
    export.export_figure(dressed("vi", size="print"), "pdf", "print", "vi")
    (_, w1, h1, s1), (_, w2, h2, s2) = fake.calls
    assert (int(w1 * s1), int(h1 * s1)) == (1920, 1080)
    assert (w2, h2) == (1123, 794) and abs(s2 - 1) < 1e-6  # A4 landscape at 96 px per inch


# ---------------------------------------------------------------- rendered files (Chromium)

def svg_text(data: bytes) -> str:
    root = ElementTree.fromstring(data)
    return nfc(" ".join("".join(node.itertext()) for node in root.iter() if node.tag.endswith("text")))


def test_png_has_the_requested_pixel_size(renderer):
    from PIL import Image
    slide = Image.open(io.BytesIO(export.export_figure(dressed("vi"), "png", "presentation", "vi")))
    assert slide.format == "PNG" and slide.size == (1920, 1080)
    page = Image.open(io.BytesIO(export.export_figure(dressed("vi", size="print"), "png", "print", "vi")))
    assert page.size == export.SIZES["print"].png_pixels == (3509, 2481)
    assert round(page.info["dpi"][0]) == 300


def test_tall_chart_png_keeps_the_slide_size(renderer):
    from PIL import Image
    tall = go.Figure(go.Bar(y=[f"Tỉnh {i}" for i in range(60)], x=list(range(60)), orientation="h"))
    tall.update_layout(height=2000)
    data = export.export_dressed(tall, "png", title="Cao", build_date=BUILT, lang="vi")
    assert Image.open(io.BytesIO(data)).size == (1920, 1080)


def test_svg_parses_and_contains_the_vietnamese_title(renderer):
    data = export.export_figure(dressed("vi"), "svg", "presentation", "vi")
    text = svg_text(data)
    assert TITLE_VI in text
    assert "Kế hoạch 117/KH-UBND — Hải Phòng" in text
    assert export.FONT_NAME in data.decode("utf-8")
    root = ElementTree.fromstring(data)
    assert root.get("width") == "1920" and root.get("height") == "1080"


def test_svg_in_english(renderer):
    text = svg_text(export.export_figure(dressed("en"), "svg", "presentation", "en"))
    assert TITLE_EN in text and "Source: Plan 117/KH-UBND" in text


def test_pdf_has_a_page_with_the_title_footnote_and_embedded_font(renderer):
    from pypdf import PdfReader
    reader = PdfReader(io.BytesIO(export.export_figure(dressed("vi", size="print"), "pdf", "print", "vi")))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert abs(width - 842) < 2 and abs(height - 595) < 2  # A4 landscape in points
    text = nfc(page.extract_text())
    assert TITLE_VI in text
    assert "117/KH-UBND" in text and "22/11/2026" in text
    fonts = {str(font["/BaseFont"]) for font in _fonts(page)}
    assert any("NotoSans" in name for name in fonts), fonts


def _fonts(page):
    resources = page["/Resources"]
    return [font.get_object() for font in resources["/Font"].values()]


def test_second_real_export_does_not_call_the_renderer(renderer, monkeypatch):
    calls = []
    real = renderer.render
    monkeypatch.setattr(renderer, "render", lambda *a, **k: calls.append(a) or real(*a, **k))
    fig = export.figure_for_export(small_figure(), title="Bộ nhớ đệm · lần đầu", build_date=BUILT, lang="vi")
    first = export.export_figure(fig, "png", "presentation", "vi")
    second = export.export_figure(fig, "png", "presentation", "vi")
    assert first == second and len(calls) == 1


# ---------------------------------------------------------------- slide decks (Chromium)

def deck_items() -> list[dict]:
    items = []
    for number, plans in enumerate([PLANS_VI[:1], PLANS_VI, PLANS_VI[1:]], start=1):
        fig = small_figure()
        fig.data[0].y = [number, number + 1]
        items.append(export.deck_item(fig, title=f"Biểu đồ số {number}: tỷ trọng dịch vụ", subtitle="Hải Phòng",
                                      unit="%", source=plans, lang="vi"))
    return items


def test_pptx_has_title_chart_and_closing_slides(renderer):
    from PIL import Image
    from pptx import Presentation
    items = deck_items()
    prs = Presentation(io.BytesIO(export.build_deck(items, "vi", BUILT, title="Họp giao ban Sở Kế hoạch")))
    slides = list(prs.slides)
    assert len(slides) == len(items) + 2
    titles = [slide.shapes.title.text for slide in slides]
    assert titles == ["Họp giao ban Sở Kế hoạch", *[item["title"] for item in items], "Văn bản được trích dẫn"]
    for slide, item in zip(slides[1:-1], items):
        pictures = [shape for shape in slide.shapes if shape.shape_type == 13]
        assert len(pictures) == 1
        assert Image.open(io.BytesIO(pictures[0].image.blob)).size == (1920, 1080)
        notes = nfc(slide.notes_slide.notes_text_frame.text)
        assert "Nguồn: " + "; ".join(item["source"]) in notes and "22/11/2026" in notes
    closing = nfc(" ".join(shape.text_frame.text for shape in slides[-1].shapes if shape.has_text_frame))
    for plan in PLANS_VI:
        assert plan in closing
    assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.01


def test_pptx_in_english_defaults_the_title(renderer):
    from pptx import Presentation
    items = deck_items()[:1]
    prs = Presentation(io.BytesIO(export.build_deck(items, "en", BUILT)))
    titles = [slide.shapes.title.text for slide in prs.slides]
    assert titles[0] == "Service-sector targets to 2030" and titles[-1] == "Plans cited"


def test_deck_pdf_has_one_page_per_chart(renderer):
    from pypdf import PdfReader
    items = deck_items()
    reader = PdfReader(io.BytesIO(export.build_deck_pdf(items, "vi", BUILT, title="Họp giao ban")))
    assert len(reader.pages) == len(items) + 2
    assert "Họp giao ban" in nfc(reader.pages[0].extract_text())
    for page, item in zip(reader.pages[1:-1], items):
        assert item["title"] in nfc(page.extract_text())
    assert "Kế hoạch 117/KH-UBND — Hải Phòng" in nfc(reader.pages[-1].extract_text())


# ---------------------------------------------------------------- workbooks and CSV (no browser)

def selection(n: int = 6) -> pd.DataFrame:
    frame = pd.DataFrame({
        "province_name_vi": ["Hải Phòng", "Thanh Hóa"] * (n // 2),
        "indicator_label_vi": ["Tốc độ tăng trưởng khu vực dịch vụ"] * n,
        "value_low": [10.4, 8.9, 7.0, 8.0, 1200000.0, 50.0][:n],
        "target_year": [2025, 2030] * (n // 2),
        "issue_date": pd.to_datetime(["2020-04-28", "2024-08-30"] * (n // 2)),
        "document_number": ["117/KH-UBND", "3572/QĐ-UBND"] * (n // 2),
        "section": ["I.2", "II.1"] * (n // 2),
        "citation": ["tăng trưởng bình quân khoảng 10,4%/năm"] * n,
    })
    frame.loc[: len(INJECTIONS) - 1, "citation"] = INJECTIONS[:n]
    return frame


def open_book(data: bytes):
    from openpyxl import load_workbook
    return load_workbook(io.BytesIO(data))


def test_workbook_has_three_sheets_and_every_row():
    frame = selection()
    data = export.build_workbook(frame, None, {"Tỉnh": ["Hải Phòng", "Thanh Hóa"], "Chỉ tiêu": "Tăng trưởng"},
                                 BUILT, "vi", title=TITLE_VI)
    book = open_book(data)
    assert book.sheetnames == ["Đọc trước", "Dữ liệu", "Nguồn"]
    sheet = book["Dữ liệu"]
    assert sheet.max_row == len(frame) + 1
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["Tỉnh/thành phố", "Chỉ tiêu", "Giá trị thấp"]
    assert sheet.freeze_panes == "A2"
    assert sheet["C6"].value == 1200000 and sheet["C6"].number_format == "#,##0.0##"
    assert sheet["D2"].number_format == "0"       # a year, not 2.025
    assert sheet["E2"].number_format == "dd/mm/yyyy"
    sources = book["Nguồn"]
    assert sources.max_row == len(frame) + 1
    assert [cell.value for cell in sources[1]] == ["Dòng ở trang Dữ liệu", "Văn bản", "Mục", "Điều khoản (nguyên văn)"]
    assert [sources.cell(row=r, column=2).value for r in range(2, 4)] == ["117/KH-UBND", "3572/QĐ-UBND"]
    readme = "\n".join(str(cell.value) for row in book["Đọc trước"].iter_rows() for cell in row if cell.value)
    assert "22/11/2026" in readme and "Hải Phòng, Thanh Hóa" in readme and TITLE_VI in readme


def test_workbook_in_english_has_english_headers():
    frame = selection().rename(columns={"province_name_vi": "province_name_en"})
    book = open_book(export.build_workbook(frame, None, {}, BUILT, "en"))
    assert book.sheetnames == ["Read me", "Data", "Sources"]
    assert book["Data"]["A1"].value == "Province"
    assert book["Sources"]["D1"].value == "Clause (verbatim)"


def test_formula_injection_comes_out_as_text_in_xlsx():
    frame = selection()
    data = export.build_workbook(frame, None, {"Bộ lọc": "=cmd|' /C calc'!A0"}, BUILT, "vi")
    book = open_book(data)
    values = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.lstrip("'")[:1] in ("=", "+", "-", "@"):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    assert cell.value.startswith("'"), (sheet.title, cell.coordinate, cell.value)
                    values[cell.value] = cell.data_type
    for injection in INJECTIONS:
        assert "'" + injection in values
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in archive.read(name).decode("utf-8"), name  # no formula anywhere


def test_formula_injection_comes_out_as_text_in_csv():
    from dashboard_lib import widgets
    text = widgets.csv_bytes(selection()).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    citations = [row["citation"] for row in rows]
    for injection in INJECTIONS:
        assert "'" + injection in citations
    assert all(not c.startswith(("=", "+", "-", "@")) for c in citations)


def test_neutraliser_matches_the_csv_one():
    from dashboard_lib import widgets
    samples = [*INJECTIONS, "\t=1", "\r=1", "Hải Phòng", "", "-", "'=x", 5, None, -3.5]
    assert [export.neutralise_formula(s) for s in samples] == [widgets.neutralise_formula(s) for s in samples]


# ---------------------------------------------------------------- the font

def test_declared_font_is_installed():
    if shutil.which("fc-list") is None:
        if os.environ.get("CI"):
            pytest.fail("fontconfig is missing (it comes with chromium)")
        pytest.skip("fc-list not available")
    families = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=True).stdout
    if export.FONT_NAME not in families:
        message = f"{export.FONT_NAME} is not installed: apt-get install -y fonts-noto-core"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)


# ---------------------------------------------------------------- the Streamlit side

def test_export_menu_adds_the_chart_to_the_deck_once(app_env):
    from streamlit.testing.v1 import AppTest

    def script():
        import plotly.graph_objects as go
        import streamlit as st

        from dashboard_lib import data, export_ui
        st.session_state["lang"] = "vi"
        st.session_state["warehouse_version"] = data.current_version()
        fig = go.Figure(go.Bar(x=["Hải Phòng"], y=[10.4]))
        export_ui.export_controls(fig, key="t", title="Tăng trưởng dịch vụ", subtitle="Hải Phòng", unit="%",
                                  source=["117/KH-UBND"], data_frame=None, sources_frame=None, filters={},
                                  lang="vi")

    at = AppTest.from_function(script, default_timeout=60).run()
    assert not at.exception
    assert not at.button and not at.get("download_button"), "the menu's content is built only once it is open"
    at.session_state["t-export-menu"] = True  # what opening the menu does
    at.run()
    downloads = [b.proto.id for b in at.get("download_button")]
    expected = ["t-export-png-presentation", "t-export-png-print", "t-export-svg-presentation", "t-export-pdf-print"]
    assert [next((e for e in expected if d.endswith(e)), d) for d in downloads] == expected  # no XLSX: no data
    at.button(key="t-export-deck").click().run()
    at.button(key="t-export-deck").click().run()  # a second click does not add it twice
    deck = at.session_state["deck"]
    assert len(deck) == 1
    assert deck[0]["title"] == "Tăng trưởng dịch vụ"
    assert deck[0]["source"] == ["Kế hoạch 117/KH-UBND — Hải Phòng (cũ)"]  # the former Hải Phòng (v_province_keys)
    assert json.loads(deck[0]["figure"])["data"][0]["x"] == ["Hải Phòng"]


def _menu_script():
    import plotly.graph_objects as go
    import streamlit as st

    from dashboard_lib import data, export_ui
    st.session_state["warehouse_version"] = data.current_version()
    export_ui.export_controls(go.Figure(go.Bar(x=["Hải Phòng"], y=[10.4])), key="t", title="Tăng trưởng",
                              unit="%", source=["117/KH-UBND"], data_frame=None, filters={},
                              lang=st.session_state["lang"])


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_export_menu_says_what_the_server_lacks_instead_of_failing(app_env, monkeypatch, lang):
    """Without Chromium the menu names the missing packages and the command that installs them, and its figure
    buttons are disabled; adding the chart to the deck still works."""
    from streamlit.testing.v1 import AppTest
    monkeypatch.setattr(export, "chromium_path", lambda: None)
    monkeypatch.setattr(export, "NOTO_FONT_FILES", ("/nonexistent/NotoSans-Regular.ttf",))
    at = AppTest.from_function(_menu_script, default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["t-export-menu"] = True
    at.run()
    assert not at.exception
    assert t("export.unavailable", lang, packages="chromium fonts-noto-core") in [c.value for c in at.caption]
    assert "apt-get install -y chromium fonts-noto-core" in t("export.unavailable", lang, packages="chromium "
                                                                "fonts-noto-core")
    assert all(button.proto.disabled for button in at.get("download_button"))
    at.button(key="t-export-deck").click().run()
    assert len(at.session_state["deck"]) == 1


def test_export_menu_warns_when_only_the_font_is_missing(app_env, monkeypatch):
    from streamlit.testing.v1 import AppTest
    monkeypatch.setattr(export, "NOTO_FONT_FILES", ("/nonexistent/NotoSans-Regular.ttf",))
    monkeypatch.setattr(export, "chromium_path", lambda: "/usr/bin/chromium")
    at = AppTest.from_function(_menu_script, default_timeout=60)
    at.session_state["lang"] = "en"
    at.session_state["t-export-menu"] = True
    at.run()
    assert t("export.font_missing", "en", packages="fonts-noto-core") in [c.value for c in at.caption]
    assert not any(button.proto.disabled for button in at.get("download_button"))


def test_slide_deck_page_lists_reorders_and_removes(app_env):
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=60).run()
    at.switch_page("pages/slide_deck.py").run()
    assert not at.exception
    assert any("Bộ trình chiếu đang trống" in info.value for info in at.info)

    items = []
    for number in (1, 2, 3):
        fig = go.Figure(go.Bar(x=["Hải Phòng"], y=[number]))
        items.append(export.deck_item(fig, title=f"Biểu đồ {number}", subtitle="", unit="%",
                                      source=["Kế hoạch 117/KH-UBND — Hải Phòng"], lang="vi"))
    at.session_state["deck"] = items
    at.run()
    assert not at.exception
    shown = [m.value for m in at.markdown if "Biểu đồ" in m.value]
    assert [s.split("·")[-1].strip(" *") for s in shown] == ["Biểu đồ 1", "Biểu đồ 2", "Biểu đồ 3"]
    at.button(key=f"deck-down-{items[0]['id']}").click().run()
    assert [i["title"] for i in at.session_state["deck"]] == ["Biểu đồ 2", "Biểu đồ 1", "Biểu đồ 3"]
    at.button(key=f"deck-remove-{items[2]['id']}").click().run()
    assert [i["title"] for i in at.session_state["deck"]] == ["Biểu đồ 2", "Biểu đồ 1"]
    assert len(at.get("download_button")) == 2


def test_chart_subtitle_is_kept_when_none_is_given_and_unit_not_repeated():
    fig = small_figure()
    fig.update_layout(title=dict(text="x", subtitle=dict(text="Đơn vị: %/năm. Mỗi hàng là một giá trị.")))
    kept = export.figure_for_export(fig, title="Tiêu đề", unit="%/năm", build_date=BUILT, lang="vi")
    assert kept.layout.title.subtitle.text == "Đơn vị: %/năm. Mỗi hàng là một giá trị."
    dropped = export.figure_for_export(fig, title="Tiêu đề", subtitle="", build_date=BUILT, lang="vi")
    assert dropped.layout.title.subtitle.text == ""


# ---------------------------------------------------------------- what an exported workbook says (issue 17)

INTERNAL_NAMES = {"target_id", "entity", "row_label", "kind_label", "value_text", "benchmark_low", "benchmark_high",
                  "benchmark_text", "benchmark_document", "_national", "approximate", "indicator", "unit"}


def _translated(lang: str) -> set[str]:
    from dashboard_lib.i18n import table
    return {texts[0 if lang == "vi" else 1] for texts in table().values()}


def _readme(book) -> str:
    return "\n".join(str(cell.value) for row in book.worksheets[0].iter_rows() for cell in row if cell.value)


def test_workbook_of_the_range_chart_data_has_only_translated_headers():
    """The data behind a range chart (charts.target_ranges_data, internal names) never reaches a reader's workbook
    under those names: only columns with a translated header are written."""
    from dashboard_lib import charts
    frame = pd.DataFrame([{
        "target_id": "X-1", "province_code": "60", "province_name_vi": "Bình Thuận", "province_name_en": "Binh Thuan",
        "indicator": "services_growth", "indicator_label_vi": "Tăng trưởng", "indicator_label_en": "Growth",
        "kind": "target", "comparator": "range", "approximate": True, "value_low": 7.0, "value_high": 8.0,
        "unit": "pct_per_year", "unit_symbol_vi": "%/năm", "unit_symbol_en": "%/year", "target_year": 2025,
        "period_start": 2021, "period_end": 2025, "document_id": "BTN", "document_number": "969/KH-UBND",
        "document_implements": "TTG-283", "section": "I", "citation": "khoảng 7-8%"}])
    plot = charts.target_ranges_data(frame, "en")
    for data_frame in (plot, charts.ranges_chart(plot, "en").table.to_pandas()):
        book = open_book(export.build_workbook(data_frame, None, {"Indicator": "Growth"}, BUILT, "en"))
        headers = [cell.value for cell in book["Data"][1]]
        assert headers and not set(headers) & INTERNAL_NAMES
        assert set(headers) <= _translated("en"), set(headers) - _translated("en")
        sources = [cell.value for cell in book["Sources"][1]][1:]
        assert sources[:2] == ["Document", "Section"] and sources[2] in ("Clause (verbatim)", "Verbatim citation")
    assert "about 7–8%/year" in [cell.value for cell in book["Data"]["C"]]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_sector_chart_workbook_states_the_filters_that_produced_it(app_env, monkeypatch, lang):
    """The sector page's workbook said 'Bộ lọc đã chọn: (không lọc)' for a filtered view and carried internal
    column names. What the page hands the export menu now names every filter and its choice."""
    from streamlit.testing.v1 import AppTest

    from dashboard_lib import export_ui, widgets
    from dashboard_lib.i18n import t
    captured: dict = {}
    monkeypatch.setattr(export_ui, "_menu_content", lambda fig, **kwargs: captured.update(kwargs))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    for name in [n for n in at.query_params if n != "lang"]:
        del at.query_params[name]
    at.query_params["province"] = "60,51"
    at.query_params["year"] = "2025"
    at.switch_page("pages/sector_targets.py").run()
    at.session_state["sector_chart-export-menu"] = True  # what opening the menu does
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    filters = captured["filters"]
    book = open_book(export.build_workbook(widgets.as_frame(captured["data_frame"]), None, filters, BUILT, lang))
    readme = _readme(book)
    assert t("export.readme.no_filters", lang) not in readme
    for label in (t("sector.filter.province", lang), t("sector.filter.year", lang), t("sector.filter.indicator", lang)):
        assert label in readme
    names = {"vi": ("Bình Thuận", "Quảng Ngãi"), "en": ("Binh Thuan", "Quang Ngai")}[lang]
    province_line = filters[t("sector.filter.province", lang)]
    assert all(name in province_line for name in names) and "2025" == filters[t("sector.filter.year", lang)]
    headers = [cell.value for cell in book.worksheets[1][1]]
    assert not set(headers) & INTERNAL_NAMES and set(headers) <= _translated(lang)


def test_an_unfiltered_workbook_says_so_and_chosen_text_says_all():
    from dashboard_lib import export_ui
    book = open_book(export.build_workbook(selection(), None, {}, BUILT, "vi"))
    assert "(không lọc)" in _readme(book)
    assert export_ui.chosen_text(["a", "b"], ["a", "b"], str, "en") == "All"
    assert export_ui.chosen_text([], ["a", "b"], str, "vi") == "Tất cả"
    assert export_ui.chosen_text(["b"], ["a", "b"], str.upper, "en") == "B"


@pytest.mark.parametrize("page, key", [("dashboard.py", "overview_chart"), ("pages/sector_targets.py", "sector_chart"),
                                       ("pages/map.py", "map_chart"), ("pages/trajectories.py", "trajectory_chart"),
                                       ("pages/tasks.py", "tasks_matrix")])
def test_every_chart_workbook_states_its_filters_under_translated_headers(app_env, monkeypatch, page, key):
    """Each page hands the export menu the filters of its view and a table whose headers are all translated: the
    workbook's read-me names them, its data sheet holds every column of that table."""
    from streamlit.testing.v1 import AppTest

    from dashboard_lib import export_ui, widgets
    from dashboard_lib.i18n import t
    captured: dict = {}
    monkeypatch.setattr(export_ui, "_menu_content", lambda fig, **kwargs: captured.update(kwargs))
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
    at.query_params["lang"] = "en"
    at.run()
    if page != "dashboard.py":
        for name in [n for n in at.query_params if n != "lang"]:
            del at.query_params[name]
        at.switch_page(page).run()
    at.session_state[f"{key}-export-menu"] = True
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    filters, frame = captured["filters"], widgets.as_frame(captured["data_frame"])
    assert filters and all(str(label) and str(value) for label, value in filters.items())
    book = open_book(export.build_workbook(frame, None, filters, BUILT, "en"))
    readme = _readme(book)
    assert t("export.readme.no_filters", "en") not in readme and all(str(label) in readme for label in filters)
    headers = [cell.value for cell in book.worksheets[1][1]]
    assert headers == [export._header(c, "en") for c in frame.columns], "every column of the table, none dropped"
    assert set(headers) <= _translated("en") and not set(headers) & INTERNAL_NAMES
