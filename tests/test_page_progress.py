"""The Progress and Methods pages: verdicts as the ETL published them, readable without colour, each traced to
its sources; Bình Thuận's 2021-2025 services growth and the national services share, as the issue asks."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard_lib.i18n import t

REPO = Path(__file__).resolve().parents[1]


def open_page(path: str, lang: str = "vi", **params: str) -> AppTest:
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
    at.query_params["lang"] = lang
    at.run()
    for name, value in params.items():
        at.query_params[name] = value
    at.switch_page(str(REPO / path))
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def shown_table(at: AppTest):
    """The verdict table as the page draws it (a static HTML table), every cell as text."""
    from io import StringIO

    import pandas as pd
    [body] = [h.proto.body for h in at.get("html") if 'class="dv-table"' in h.proto.body]
    return pd.read_html(StringIO(body), flavor="lxml")[0].astype(str)


def _shown_verdicts(provinces: tuple[str, ...], indicators: tuple[str, ...]):
    """The verdicts the page lists for this filter (assessable only, its default), in the page's order."""
    from dashboard_lib import data, progress_view
    return progress_view.filtered(data.current_version(), provinces, indicators, (), "all", True)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_progress_page_shows_verdicts_with_symbols_and_sources(app_env, lang):
    at = open_page("pages/progress.py", lang)
    table = shown_table(at)
    verdicts = table[t("progress.col.verdict", lang)]
    assert len(table) > 5
    for status in ("limited_progress", "not_met"):
        label = t(f"progress.status.{status}", lang)
        assert any(label in v for v in verdicts)
    # a shape as well as a word: readable without colour
    assert all(v[0] in "✔▲▶▽▼✘–" for v in verdicts)
    assert set(table[t("progress.col.tier", lang)]) <= {t(f"tier.{k}", lang) for k in
                                                        ("primary_text", "official_report", "press")}


def test_national_services_share_is_limited_progress_with_its_sources(app_env):
    at = open_page("pages/progress.py", "en", provinces="VN", indicators="services_share_grdp")
    table = shown_table(at)
    row = table[table[t("progress.col.target", "en")] == "about 50% (2030)"].iloc[0]  # 531/QĐ-TTg's
    assert t("progress.status.limited_progress", "en") in row[t("progress.col.verdict", "en")]
    assert row[t("progress.col.tier", "en")] == t("tier.primary_text", "en")
    shown = _shown_verdicts(("VN",), ("services_share_grdp",))
    target = shown.loc[(shown["document_number"] == "531/QĐ-TTg") & (shown["target_year"] == 2030), "target_id"]
    at.selectbox[0].set_value(target.iloc[0]).run()  # the option values are target ids
    text = " ".join(m.value for m in at.markdown).replace("\\", "")  # data text is Markdown-escaped
    assert "41.83%" in text and "42.36%" in text and "revised from 41.63%" in text
    assert "531/QĐ-TTg" in text and "R = 0.18" in text  # the document and the ratio the table leaves out
    assert "](http" in text  # every number one click from its source


def test_binh_thuan_services_growth_2021_2025_is_answered(app_env):
    at = open_page("pages/progress.py", "vi", provinces="60", indicators="services_growth")
    table = shown_table(at)
    assert len(table) >= 1
    row = table.iloc[0]
    assert "7–7,5%/năm" in row[t("progress.col.target", "vi")]
    assert row[t("progress.col.achieved", "vi")].startswith("8,33%/năm (2021–2024)")
    at.selectbox[0].set_value(_shown_verdicts(("60",), ("services_growth",))["target_id"].iloc[0]).run()
    text = " ".join(m.value for m in at.markdown)
    assert "2025" in text  # the missing year is named, not filled in


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_methods_page_states_the_formula_and_the_worked_example(app_env, lang):
    at = open_page("pages/methods.py", lang)
    text = " ".join(m.value for m in at.markdown)
    assert "R = CAGRₒ / |CAGRᵣ|" in text
    assert ("0,175" if lang == "vi" else "0.175") in text


def test_ratio_chart_and_exports_carry_verdicts_vintages_and_method(app_env):
    """The open targets' ratios against the thresholds, a shape per class; the export's table names the verdict,
    the vintage and the method on every row."""
    from dashboard_lib import progress_view
    method = t("progress.method.name", "en")
    at = open_page("pages/progress.py", "en")
    [chart] = [c for c in at.get("plotly_chart")]
    import json
    fig = json.loads(chart.proto.spec)
    from dashboard_lib import charts
    marks = [tr for tr in fig["data"] if tr["name"] != charts.ROW_LABELS]  # the rows' labels: a text trace
    names = {tr["name"] for tr in marks}
    assert t("progress.status.limited_progress", "en") in " ".join(names)
    source = " ".join(a["text"] for a in fig["layout"]["annotations"]).replace("<br>", " ")  # wrapped for a phone
    assert method.split(" (")[0] in source
    assert all(tr["marker"]["symbol"] in progress_view.STATUS_MARKERS.values() for tr in marks)
    frame = progress_view.filtered(_version(), (), ("services_share_grdp",), (), "all", True)
    exported = progress_view.export_table(frame, "en")
    assert set(exported[t("progress.col.method", "en")]) == {method}
    assert exported[t("progress.col.vintage", "en")].str.len().gt(0).all()
    assert exported[t("progress.col.verdict", "en")].str.len().gt(0).all()


def _version():
    import os
    from dashboard_lib.data import WarehouseVersion
    from etl import config
    path = config.warehouse_path()
    stat = os.stat(path)
    return WarehouseVersion(str(path), stat.st_ino, stat.st_mtime_ns)


def test_an_explanation_lists_only_the_values_used(app_env):
    # The former Hải Phòng's "khoảng 9,89 %" services growth for 2020 rests on 2020 alone; the 2022 and 2023
    # values of the same series (published, within reach) are not part of that verdict.
    at = open_page("pages/progress.py", "en", provinces="31", indicators="services_growth")
    shown = _shown_verdicts(("31",), ("services_growth",))
    target = shown.loc[shown["target_year"] == 2020, "target_id"].iloc[0]
    at.selectbox[0].set_value(target).run()
    text = " ".join(m.value for m in at.markdown)
    used = text.split(t("progress.explain.achieved", "en"))[1]
    assert "2020:" in used and "2022:" not in used and "2023:" not in used
