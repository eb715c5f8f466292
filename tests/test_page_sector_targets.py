"""Sector targets page (AppTest) and the pure helpers behind its chart and table.

Expected values are computed from the curated CSV files (data/targets/*.csv and the reference tables),
never typed in, so the tests follow the data when plans are added or corrected."""
from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from babel.numbers import format_decimal
from streamlit.testing.v1 import AppTest

from conftest import plotted_pairs, plotted_values, unwrapped
from dashboard_lib import charts, formatting, tables, widgets
from dashboard_lib.i18n import t
from dashboard_lib.widgets import t_markdown

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
PAGE = "pages/sector_targets.py"
LOCALE = {"vi": "vi_VN", "en": "en_US"}


# ---------------------------------------------------------------- expected values from the curated files

def curated_targets() -> pd.DataFrame:
    frames = [pd.read_csv(path, dtype={"province_code": str}) for path in sorted((DATA / "targets").glob("*.csv"))]
    return pd.concat(frames, ignore_index=True)


def reference(name: str, key: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"{name}.csv", dtype={key: str}).set_index(key)


def expected_rows(indicator: str, provinces=None, national: bool = True, kinds=None, years=None) -> pd.DataFrame:
    frame = curated_targets()
    rows = frame[frame["indicator_key"] == indicator]
    provincial = rows[rows["province_code"] != "VN"]
    if provinces is not None:
        provincial = provincial[provincial["province_code"].isin(provinces)]
    chosen = pd.concat([rows[rows["province_code"] == "VN"], provincial]) if national else provincial
    if kinds is not None:
        chosen = chosen[chosen["kind"].isin(kinds)]
    if years is not None:
        chosen = chosen[chosen["target_year"].isin(years)]
    return chosen


def value_pairs(rows: pd.DataFrame) -> Counter:
    return Counter((float(r.value_low), float(r.value_high)) for r in rows.itertuples())


# ---------------------------------------------------------------- running the page

def open_page(lang: str = "vi", **params: str) -> AppTest:
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    for name in [n for n in at.query_params if n != "lang"]:
        del at.query_params[name]  # the home page's own parameters must not leak into this page
    for name, value in params.items():
        at.query_params[name] = value
    at.switch_page(PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def figure(at: AppTest) -> dict:
    charts_ = at.get("plotly_chart")
    assert charts_, "no chart on the page"
    return json.loads(charts_[0].proto.spec)


def table(at: AppTest) -> pd.DataFrame:
    return at.dataframe[0].value


def infos(at: AppTest) -> list[str]:
    return [element.value for element in at.info]


# ---------------------------------------------------------------- default view

@pytest.mark.parametrize("lang", ["vi", "en"])
def test_default_view_draws_services_growth_with_national_benchmark(app_env, lang):
    at = open_page(lang)
    indicators = reference("indicators", "indicator_key")
    fig = figure(at)
    assert indicators.loc["services_growth", f"label_{lang}"] in unwrapped(fig["layout"]["title"]["text"])
    unit = reference("units", "unit_key").loc["pct_per_year", f"symbol_{lang}"]
    assert unit in unwrapped(fig["layout"]["title"]["subtitle"]["text"])
    assert plotted_pairs(fig) == value_pairs(expected_rows("services_growth"))
    # The source line names the plans drawn: the first widgets.SOURCE_LIMIT in order, then how many more.
    from dashboard_lib import widgets
    documents = reference("documents", "document_id")
    source = " ".join(unwrapped(a["text"]) for a in fig["layout"]["annotations"])
    numbers = sorted({documents.loc[d, "document_number"] for d in expected_rows("services_growth")["document_id"]})
    for number in numbers[:widgets.SOURCE_LIMIT]:
        assert number in source
    if len(numbers) > widgets.SOURCE_LIMIT:
        assert t("source.more", lang, n=len(numbers) - widgets.SOURCE_LIMIT) in source
    assert fig["layout"]["separators"] == formatting.plotly_separators(lang)
    # The table tab holds the same rows.
    assert sorted(table(at)["ID"]) == sorted(expected_rows("services_growth")["target_id"])


def test_default_view_in_english_has_no_vietnamese_labels(app_env):
    at = open_page("en")
    assert at.title[0].value == t("nav.sector_targets", "en")
    assert at.multiselect[0].label == t("sector.filter.sector", "en")


# ---------------------------------------------------------------- filters

def test_changing_filters_updates_chart_table_and_url(app_env):
    at = open_page("vi")
    at.multiselect(key="sector_sectors").set_value(["tourism"]).run()
    at.selectbox(key="sector_indicator").set_value("tourism_international_visitors").run()
    at.multiselect(key="sector_provinces").set_value(["31"]).run()
    assert not at.exception
    expected = expected_rows("tourism_international_visitors", provinces=["31"], national=False)
    assert len(expected) > 0
    assert plotted_pairs(figure(at)) == value_pairs(expected)
    shown = table(at)
    assert sorted(shown["ID"]) == sorted(expected["target_id"])
    # Vietnamese number formatting in the table (decimal comma, thousands dot).
    low_column = t("tables.col.low", "vi")
    assert sorted(shown[low_column]) == sorted(format_decimal(v, format="#,##0.##", locale="vi_VN")
                                               for v in expected["value_low"])
    assert at.query_params["sector"] == "tourism"
    assert at.query_params["indicator"] == "tourism_international_visitors"
    assert at.query_params["province"] == "31"


def test_year_and_kind_filters(app_env):
    at = open_page("vi")
    years = sorted(expected_rows("services_growth")["target_year"].unique())
    keep = [str(years[-1])]
    at.button_group(key="sector_years").set_value(keep).run()
    expected = expected_rows("services_growth", years=[int(keep[0])])
    assert plotted_pairs(figure(at)) == value_pairs(expected)
    assert at.query_params["year"] == keep[0]
    at.button_group(key="sector_kinds").set_value(["baseline"]).run()
    baselines = expected_rows("services_growth", kinds=["baseline"], years=[int(keep[0])])
    if baselines.empty:
        assert t("sector.empty.rows", "vi") in infos(at)
        assert not at.get("plotly_chart")


def test_national_comparison_can_be_switched_off(app_env):
    at = open_page("vi")
    at.toggle(key="sector_national").set_value(False).run()
    fig = figure(at)
    assert plotted_pairs(fig) == value_pairs(expected_rows("services_growth", national=False))
    assert not any(trace.get("legendgroup") == "benchmark" for trace in fig["data"])
    assert at.query_params["national"] == "0"


def test_english_table_uses_english_number_format(app_env):
    at = open_page("en", sector="tourism", indicator="tourism_international_visitors")
    expected = expected_rows("tourism_international_visitors", national=False)
    shown = table(at)
    assert sorted(shown[t("tables.col.low", "en")]) == sorted(
        format_decimal(v, format="#,##0.##", locale="en_US") for v in expected["value_low"])


# ---------------------------------------------------------------- URL state

def test_url_parameters_restore_the_filters(app_env):
    at = open_page("en", sector="tourism,health", province="31,60", indicator="tourism_revenue", year="2025")
    assert at.multiselect(key="sector_sectors").value == ["tourism", "health"]
    assert at.multiselect(key="sector_provinces").value == ["31", "60"]
    assert at.selectbox(key="sector_indicator").value == "tourism_revenue"
    assert at.button_group(key="sector_years").value == ["2025"]
    expected = expected_rows("tourism_revenue", provinces=["31", "60"], national=False, years=[2025])
    assert plotted_pairs(figure(at)) == value_pairs(expected)
    assert not infos(at) or t("state.invalid_url", "en") not in " ".join(infos(at))


def test_table_view_from_url(app_env):
    at = open_page("vi", view="table")
    assert not at.exception
    assert at.tabs[1].label == t("sector.tab.table", "vi")


def test_invalid_url_parameters_fall_back_with_a_notice(app_env):
    at = open_page("vi", sector="nonsense", indicator="<script>", kind="zzz", year="1800", national="maybe",
                   view="pie")
    notice = " ".join(infos(at))
    assert t("state.invalid_url", "vi") in notice
    for name in ("sector", "indicator", "kind", "national", "view"):
        assert name in notice
    assert at.multiselect(key="sector_sectors").value == ["services"]
    assert at.selectbox(key="sector_indicator").value == "services_growth"
    assert plotted_pairs(figure(at)) == value_pairs(expected_rows("services_growth"))


# ---------------------------------------------------------------- empty and single-province selections

def test_empty_sector_selection_says_so(app_env):
    at = open_page("vi")
    at.multiselect(key="sector_sectors").set_value([]).run()
    assert t("sector.empty.sector", "vi") in infos(at)
    assert not at.get("plotly_chart")


def test_empty_province_selection_says_so(app_env):
    at = open_page("en", province="")
    assert t("sector.empty.province", "en") in infos(at)
    assert not at.get("plotly_chart")


def test_single_province_indicator_says_so(app_env):
    frame = curated_targets()
    provincial = frame[frame["province_code"] != "VN"]
    spread = provincial.groupby("indicator_key")["province_code"].nunique()
    indicator = sorted(spread[spread == 1].index)[0]
    row = provincial[provincial["indicator_key"] == indicator].iloc[0]
    name = reference("provinces", "province_code").loc[row["province_code"], "name_vi"]
    at = open_page("vi", sector=row["sector_key"], indicator=indicator)
    assert t_markdown("sector.single", "vi", province=name) in infos(at)
    assert plotted_pairs(figure(at)) == value_pairs(expected_rows(indicator, national=False))


# ---------------------------------------------------------------- pure helpers

def _frame(rows: list[dict]) -> pd.DataFrame:
    base = {"target_id": "X-1", "province_code": "60", "province_name_vi": "Bình Thuận", "province_name_en": "Binh Thuan",
            "indicator": "services_growth", "indicator_label_vi": "Tăng trưởng", "indicator_label_en": "Growth",
            "kind": "target", "comparator": "range", "value_low": 7.0, "value_high": 7.5, "unit": "pct_per_year",
            "unit_symbol_vi": "%/năm", "unit_symbol_en": "%/year", "target_year": 2025, "period_start": 2021,
            "period_end": 2025, "document_id": "BTN", "document_number": "969/KH-UBND", "document_implements": "TTG-283",
            "section": "I", "citation": "đạt 7-7,5%"}
    rows = [{**base, **row} for row in rows]
    for row in rows:  # v_targets.approximate, as the warehouse derives it when a test does not state it
        row.setdefault("approximate", formatting.is_approximate(row["comparator"], row["value_low"], row["citation"]))
    return pd.DataFrame(rows)


def test_chart_refuses_two_units_on_one_axis():
    frame = _frame([{}, {"target_id": "X-2", "indicator": "tourism_revenue", "unit": "billion_vnd"}])
    with pytest.raises(ValueError):
        charts.target_ranges(frame, "vi")


def test_chart_encodes_ranges_bounds_and_approximations_without_colour():
    frame = _frame([
        {"target_id": "A", "comparator": "range", "value_low": 7, "value_high": 7.5, "citation": "đạt 7-7,5%"},
        {"target_id": "B", "comparator": "range", "value_low": 7, "value_high": 8, "citation": "khoảng 7 - 8%",
         "province_code": "51", "province_name_vi": "Quảng Ngãi", "province_name_en": "Quang Ngai"},
        {"target_id": "C", "comparator": "at_least", "value_low": 8.7, "value_high": 8.7, "citation": "từ 8,7%",
         "province_code": "93", "province_name_vi": "Hậu Giang", "province_name_en": "Hau Giang"},
        {"target_id": "D", "comparator": "about", "value_low": 9, "value_high": 9, "citation": "khoảng 9%",
         "province_code": "38", "province_name_vi": "Thanh Hóa", "province_name_en": "Thanh Hoa"},
        {"target_id": "E", "comparator": "exact", "value_low": 8.9, "value_high": 8.9, "citation": "8,9%",
         "province_code": "31", "province_name_vi": "Hải Phòng", "province_name_en": "Haiphong"},
    ])
    fig = charts.target_ranges(frame, "en", built_on="1 Jan 2026")
    by_group = {trace.legendgroup: trace for trace in fig.data if trace.mode != "text"}  # not the labels
    assert by_group["range"].line.dash == "solid" and list(by_group["range"].x) == [7, 7.5]
    assert by_group["range_about"].line.dash == "dot"
    assert by_group["at_least"].marker.symbol == "triangle-right-open"
    assert by_group["about"].marker.symbol == "diamond"
    assert by_group["exact"].marker.symbol == "circle"
    assert list(by_group["range_about"].x) == [7, 8] and list(by_group["at_least"].x) == [8.7]
    assert list(by_group["about"].x) == [9] and list(by_group["exact"].x) == [8.9]
    assert fig.layout.separators == ".,"
    assert any("1\u00a0Jan\u00a02026" in a.text for a in fig.layout.annotations)  # never split across lines


def test_chart_data_pairs_each_row_with_the_national_target_of_the_same_year():
    frame = _frame([
        {},
        {"target_id": "N1", "province_code": "VN", "document_id": "TTG-283", "document_number": "283/QĐ-TTg",
         "value_low": 7, "value_high": 7.5, "citation": "giai đoạn 2021 - 2025 đạt 7 - 7,5%/năm"},
        {"target_id": "N2", "province_code": "VN", "document_id": "TTG-531", "document_number": "531/QĐ-TTg",
         "value_low": 7, "value_high": 8, "target_year": 2030, "period_end": 2030},
    ])
    data = charts.target_ranges_data(frame, "vi")
    assert list(data["province_code"]) == ["VN", "VN", "60"]  # national group first
    provincial = data[data["province_code"] == "60"].iloc[0]
    assert (provincial["benchmark_low"], provincial["benchmark_high"]) == (7, 7.5)
    assert provincial["benchmark_document"] == "283/QĐ-TTg"
    assert provincial["value_text"] == "7–7,5%/năm"


def test_empty_chart_says_so_instead_of_an_empty_axis():
    fig = charts.target_ranges(_frame([]).iloc[0:0], "vi")
    assert fig.layout.xaxis.visible is False
    assert fig.layout.annotations[0].text == t("charts.empty", "vi")


@pytest.mark.parametrize("comparator, low, citation, expected", [
    ("about", 50, "chiếm khoảng 50% GDP", True),
    ("range", 36.5, "Tỷ trọng khu vực dịch vụ trong GRDP khoảng 36,5-37% vào năm 2025.", True),
    ("range", 7, "đạt khoảng 7 - 8%, cao hơn", True),
    ("range", 7, "Giai đoạn 2021 - 2025, tốc độ tăng trưởng khu vực dịch vụ đạt 7-7,5%.", False),
    ("at_least", 10, "quy mô tối thiểu khoảng 10 ha", True),
    ("exact", 23300, "khoảng 971,8 ngàn lượt khách; tổng thu đạt 23.300 tỷ đồng", False),
    ("at_least", 85, "cho khoảng 10.000 người, ít nhất 85% người có việc làm", False),
])
def test_is_approximate_reads_khoang_before_the_value(comparator, low, citation, expected):
    assert formatting.is_approximate(comparator, low, citation) is expected


@pytest.mark.parametrize("lang, expected", [("vi", "khoảng 36,5–37%"), ("en", "about 36.5–37%")])
def test_value_label_marks_hedged_ranges(lang, expected):
    assert formatting.value_label(36.5, 37, "range", "%", lang, approximate=True) == expected


def test_value_label_for_hedged_bound():
    assert formatting.value_label(10, 10, "at_least", "ha", "vi", approximate=True) == "ít nhất khoảng 10 ha"


def test_ranges_table_formats_numbers_per_language():
    frame = _frame([{"comparator": "about", "value_low": 1248000, "value_high": 1248000, "unit_symbol_vi": "lượt khách",
                     "unit_symbol_en": "visitors", "citation": "khoảng 1.248.000 lượt"}])
    vi = tables.ranges_table(charts.target_ranges_data(frame, "vi"), "vi")
    en = tables.ranges_table(charts.target_ranges_data(frame, "en"), "en")
    assert vi[t("tables.col.low", "vi")].iloc[0] == "1.248.000"
    assert en[t("tables.col.low", "en")].iloc[0] == "1,248,000"
    assert vi[t("col.value", "vi")].iloc[0] == "khoảng 1.248.000 lượt khách"


def _benchmark_frame() -> pd.DataFrame:
    return _frame([
        {"target_id": "N1", "province_code": "VN", "document_id": "TTG-283", "document_number": "283/QĐ-TTg",
         "value_low": 7, "value_high": 7.5, "citation": "đạt 7 - 7,5%/năm"},
        {"target_id": "N2", "province_code": "VN", "document_id": "TTG-531", "document_number": "531/QĐ-TTg",
         "comparator": "about", "value_low": 8, "value_high": 8, "target_year": 2030, "period_end": 2030,
         "citation": "khoảng 8%"},
        {"target_id": "A"},
        {"target_id": "B", "province_code": "51", "province_name_vi": "Quảng Ngãi", "province_name_en": "Quang Ngai",
         "comparator": "at_least", "value_low": 8.5, "value_high": 8.5, "target_year": 2030, "period_end": 2030,
         "document_implements": "TTG-531", "citation": "từ 8,5%"},
        {"target_id": "C", "province_code": "38", "province_name_vi": "Thanh Hóa", "province_name_en": "Thanh Hoa",
         "comparator": "exact", "value_low": 9, "value_high": 9, "citation": "9%"},
    ])


def test_range_chart_is_valid_plotly_with_values_grouped_by_encoding_and_the_benchmark_drawn_once():
    """The figure is assembled from plain dictionaries (charts.figure_from_dicts): Plotly validating it changes
    nothing. Values are grouped into one trace per encoding (ranges: one per colour too), each value keeping its own
    hover text and encoding, each encoding in the legend once, in a fixed order; the national benchmarks behind the
    rows are one trace of bands and one of ticks, with each row's own hover text."""
    import plotly.graph_objects as go
    frame = _benchmark_frame()
    fig = charts.target_ranges(frame, "vi", built_on="01/01/2026")
    spec = json.loads(fig.to_json())
    assert json.loads(go.Figure(fig.to_dict()).to_json()) == spec
    bench = [trace for trace in spec["data"] if trace.get("legendgroup") == "benchmark"]
    labels = [trace for trace in spec["data"] if trace.get("name") == charts.ROW_LABELS]
    texts = [trace for trace in spec["data"] if trace["mode"] == "text"]
    values = [trace for trace in spec["data"] if trace.get("legendgroup") != "benchmark" and trace["mode"] != "text"]
    data = charts.target_ranges_data(frame, "vi")
    # each row's label on a line above the row (a phone has no room for a label column beside the plot), from the
    # plot's left edge: a text trace, not y tick labels (slow in Plotly). It names the group (nation, province) in
    # bold on the group's first row and ends with the value as the plan states it: the only text on the chart, so
    # no value label can run out of a phone's narrow plot or over a benchmark.
    assert texts == labels and len(labels) == 1 and labels[0]["mode"] == "text" and labels[0]["xaxis"] == "x2"
    entities = list(data["entity"])
    expected = [(f"<b>{e}</b> · " if i == 0 or entities[i - 1] != e else "") + f"{r} · {v}"
                for i, (e, r, v) in enumerate(zip(entities, data["row_label"], data["value_text"]))]
    # a label longer than a phone's line is broken between its parts, and its row moved down to make room
    assert [text.replace("<br>", " · ") for text in labels[0]["text"]] == expected
    assert all(len(re.sub(r"<[^>]+>", "", line)) <= charts.LABEL_CHARS
               for text in labels[0]["text"] for line in text.split("<br>"))
    rows = spec["layout"]["yaxis"]["tickvals"]
    assert labels[0]["y"] == [y - charts.LABEL_ABOVE - charts.LABEL_LINE * text.count("<br>") / 2
                              for y, text in zip(rows, labels[0]["text"])]
    assert labels[0]["textposition"] == "middle right" and labels[0]["x"] == [0] * len(rows)
    assert labels[0]["hoverinfo"] == "skip" and labels[0]["showlegend"] is False
    assert spec["layout"]["yaxis"]["showticklabels"] is False and spec["layout"]["xaxis2"]["overlaying"] == "x"
    assert [a["text"] for a in spec["layout"]["annotations"]] == [a["text"] for a in spec["layout"]["annotations"]
                                                                  if "01/01/2026" in a["text"]]
    drawn = plotted_values(spec)
    assert len(drawn) == len(frame)
    for row in data.itertuples():  # every value once, with its own hover text, in its own encoding
        hovers = [hover for low, high, hover in drawn if (low, high) == (row.value_low, row.value_high)
                  and row.value_text in hover and row.citation in hover and row.document_number in hover]
        assert len(hovers) == 1, row
    styles = {trace["legendgroup"]: trace for trace in values}
    assert styles["range"]["line"]["dash"] == "solid" and styles["about"]["marker"]["symbol"] == "diamond"
    assert styles["at_least"]["marker"]["symbol"] == "triangle-right-open"
    assert styles["exact"]["marker"]["symbol"] == "circle"
    ranges = [trace for trace in values if trace["legendgroup"] == "range"]  # national grey, provincial blue
    assert [trace["line"]["color"] for trace in ranges] == [charts.NATIONAL_COLOUR, charts.KIND_COLOURS["target"]]
    assert ranges[0]["x"] == [7, 7.5] and ranges[1]["x"] == [7, 7.5]
    assert styles["about"]["marker"]["color"] == [charts.NATIONAL_COLOUR]
    assert styles["at_least"]["marker"]["color"] == [charts.KIND_COLOURS["target"]]
    legend = [trace["legendgroup"] for trace in spec["data"] if trace["showlegend"]]
    assert legend == ["benchmark"] + [style for style in charts.STYLE_ORDER if style in styles]
    assert len(set(legend)) == len(legend)
    assert [trace["mode"] for trace in bench] == ["lines", "markers"]  # bands (7–7,5) and ticks (8)
    assert [trace["showlegend"] for trace in bench] == [True, False]
    provincial = data[data["benchmark_text"] != ""]
    band_rows = provincial[provincial["benchmark_low"] != provincial["benchmark_high"]]
    assert [x for x in bench[0]["x"] if x is not None] == [v for r in band_rows.itertuples()
                                                            for v in (r.benchmark_low, r.benchmark_high)]
    assert bench[1]["x"] == list(provincial.loc[provincial["benchmark_low"] == provincial["benchmark_high"],
                                                "benchmark_low"])
    hovers = [h for trace in bench for h in trace["hovertemplate"] if h]
    for row in provincial.itertuples():
        assert any(row.benchmark_text in h and row.benchmark_document in h for h in hovers)


def test_shared_figure_hands_out_the_same_figure():
    """A cached figure shown to every session (charts.SharedFigure) gives st.plotly_chart and the exports
    exactly the figure it was built as, and copies of it are ordinary figures."""
    import plotly.graph_objects as go
    from plotly.basedatatypes import BaseFigure
    data = charts.target_ranges_data(_benchmark_frame(), "en")
    plain = charts.ranges_figure(data, "en", built_on="1 Jan 2026")
    shared = charts.ranges_figure(data, "en", built_on="1 Jan 2026", shared=True)
    assert isinstance(shared, charts.SharedFigure)
    assert shared.to_dict() == json.loads(plain.to_json()) == json.loads(json.dumps(BaseFigure.to_dict(shared)))
    assert shared.to_dict() is not shared.to_dict()  # a fresh copy each time: changing it changes nothing shared
    copy = go.Figure(shared)
    copy.update_layout(title_text="x")
    assert type(copy) is go.Figure and shared.to_dict()["layout"]["title"]["text"] != "x"
    empty = charts.ranges_figure(data.iloc[0:0], "en", shared=True)
    assert empty.layout.annotations[0].text == t("charts.empty", "en")


@pytest.mark.browser
def test_every_range_keeps_its_label_when_the_chart_is_redrawn(browser):
    """Streamlit redraws a chart with Plotly.react (a resize, a rerun), which dropped some text points of a trace
    with None gaps between its ranges: a third of the labels at 100× the data. Drawn then redrawn in Chromium with
    Plotly's own bundle, every range keeps both end caps and its label."""
    import plotly
    rows = [{"target_id": f"R{i}", "province_code": f"{10 + i}", "province_name_vi": f"Tỉnh {i:02d}",
             "province_name_en": f"Province {i:02d}", "value_low": 5 + i, "value_high": 6 + i + i / 10,
             "citation": f"đạt {5 + i}-{6 + i}%"} for i in range(12)]
    spec = json.loads(charts.target_ranges(_frame(rows), "vi").to_json())
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.set_content("<div id='chart' style='width:1000px'></div>")
        page.add_script_tag(path=str(Path(plotly.__file__).parent / "package_data" / "plotly.min.js"))
        drawn = page.evaluate("""async (figure) => {
            const chart = document.getElementById('chart');
            await Plotly.newPlot(chart, figure.data, figure.layout);
            await Plotly.react(chart, figure.data, {...figure.layout, width: 900});
            const traces = Array.from(chart.querySelectorAll('.scatterlayer .trace'));
            return figure.data.map((trace, i) => [trace.mode, trace.legendgroup || '',
                traces[i].querySelectorAll('path.point').length,
                Array.from(traces[i].querySelectorAll('.textpoint text')).filter(t => t.textContent.trim()).length]);
        }""", spec)
    finally:
        page.close()
    ranges = [(points, texts) for mode, group, points, texts in drawn if group == "range" and mode != "text"]
    labels = [texts for mode, group, points, texts in drawn if mode == "text"]  # the rows' labels, values included
    assert ranges == [(24, 0)] and labels == [12]


def test_source_tier_filter_keeps_only_primary_text_or_leaves_the_press_out(app_env):
    """Services growth is stated in plan texts (primary_text), in congress reports (official_report) and, for two
    master plans, only in the press: each choice keeps its tiers, and choosing none shows all."""
    def ids(at):
        frames = [d.value for d in at.dataframe if "ID" in d.value.columns]
        return set(frames[0]["ID"]) if frames else set()

    at = open_page("en")
    everything = ids(at)
    at.button_group(key="sector_tiers").set_value(["primary_text"]).run()
    assert not at.exception
    assert at.query_params["tier"] in (["primary_text"], "primary_text")
    primary = ids(at)
    at.button_group(key="sector_tiers").set_value(["primary_text", "official_report"]).run()
    no_press = ids(at)
    import duckdb
    with duckdb.connect(str(app_env), read_only=True) as con:
        tiers = dict(con.execute("SELECT target_id, source_tier FROM v_targets WHERE indicator = 'services_growth'")
                     .fetchall())
    assert primary and primary < no_press < everything
    assert all(tiers[i] == "primary_text" for i in primary)
    assert all(tiers[i] != "press" for i in no_press)
    assert any(tiers[i] == "press" for i in everything)
    at.button_group(key="sector_tiers").set_value([]).run()  # none chosen: all, never an empty page
    assert ids(at) == everything


# ---------------------------------------------------------------- one formatter for a stated value (issue 17)

def test_stated_value_reads_the_warehouse_flag_not_the_clause():
    """formatting.stated_value is fed by v_targets.approximate: the clause is not re-read, and a row without the
    flag is refused rather than silently losing 'khoảng'."""
    row = {"value_low": 36.5, "value_high": 37.0, "comparator": "range", "unit_symbol_vi": "%", "unit_symbol_en": "%",
           "citation": "khoảng 36,5-37%"}
    assert formatting.stated_value({**row, "approximate": True}, "vi") == "khoảng 36,5–37%"
    assert formatting.stated_value({**row, "approximate": True}, "en") == "about 36.5–37%"
    assert formatting.stated_value({**row, "approximate": False}, "vi") == "36,5–37%"
    assert formatting.stated_value(pd.Series({**row, "approximate": pd.NA}), "vi") == "36,5–37%"
    assert formatting.stated_value(next(pd.DataFrame([{**row, "approximate": True}]).itertuples()), "vi",
                                   unit="%/năm") == "khoảng 36,5–37%/năm"
    with pytest.raises(KeyError):
        formatting.stated_value(row, "vi")


def test_no_page_re_detects_approximate_values():
    """'khoảng' is decided once, by the warehouse (v_targets.approximate); pages and their modules read the flag.
    Only the warehouse build and the plan intake (values not yet in the warehouse) apply the rule."""
    root = Path(__file__).resolve().parent.parent
    allowed = {"dashboard_lib/formatting.py", "dashboard_lib/add_plan.py"}
    offenders = [str(p.relative_to(root)) for folder in ("dashboard_lib", "pages") for p in (root / folder).glob("*.py")
                 if str(p.relative_to(root)) not in allowed and "is_approximate(" in p.read_text(encoding="utf-8")]
    assert offenders == []


@pytest.mark.parametrize("unit, lang, expected", [
    ("/10.000 dân", "vi", "9/10.000 dân"), ("/10k people", "en", "9/10k people"), ("/100 dân", "vi", "9/100 dân"),
    ("%/năm", "vi", "9%/năm"), ("tỷ đồng", "vi", "9 tỷ đồng"), ("", "vi", "9")])
def test_a_unit_starting_with_a_slash_attaches_to_the_number(unit, lang, expected):
    """The province panel said '9 /10.000 dân': a per-population symbol reads as part of the number."""
    assert formatting.value_label(9, 9, "exact", unit, lang) == expected
    assert formatting.stated_value({"value_low": 9, "value_high": 9, "comparator": "exact", "approximate": False},
                                   lang, unit) == expected


# ---------------------------------------------------------------- emptied filters (issue 17)

def test_clearing_the_provinces_then_adding_one_back_keeps_the_year_filter(app_env):
    """'Clear all' on provinces left no target year to offer, and the year filter was emptied with it; adding a
    province back then matched nothing (the URL got 'year='). The year choice is put aside and given back."""
    at = open_page("vi")
    years = list(at.session_state["sector_years"])
    assert years
    at.multiselect(key="sector_provinces").set_value([]).run()
    assert any(t("sector.empty.province", "vi") in i.value for i in at.info)
    at.multiselect(key="sector_provinces").set_value(["60"]).run()
    assert not at.exception
    offered = list(at.session_state["sector_years"])
    assert offered, "the year filter must not stay empty"
    assert at.query_params.get("year") != ""
    assert not any(t("sector.empty.rows", "vi") in i.value for i in at.info)
    assert at.get("plotly_chart"), "Bình Thuận's services growth is drawn"


def test_a_narrowed_year_choice_comes_back_after_the_provinces_are_cleared(app_env):
    at = open_page("vi", year="2025")
    assert list(at.session_state["sector_years"]) == ["2025"]
    at.multiselect(key="sector_provinces").set_value([]).run()
    at.multiselect(key="sector_provinces").set_value(["60", "51"]).run()
    assert list(at.session_state["sector_years"]) == ["2025"] and at.query_params.get("year") == "2025"


def test_the_english_period_column_is_wide_enough_for_a_full_period(app_env):
    """The English 'Period' header is narrower than its values: the column showed '2016–20'. Period and year
    columns get the width of their longest value (widgets.whole_columns)."""
    from dashboard_lib import widgets
    at = open_page("en", view="table")
    [table] = [d for d in at.dataframe if t("col.period", "en") in d.value.columns]
    periods = list(table.value[t("col.period", "en")])
    assert "2016–2020" in periods  # the national 2016–2020 growth target of 283/QĐ-TTg
    config = json.loads(table.proto.columns)[t("col.period", "en")]
    needed = formatting.text_width_px("2016–2020", widgets.GRID_FONT_PX) + widgets.GRID_PADDING_PX
    assert config["width"] >= needed


def test_whole_columns_keeps_the_page_settings_and_sizes_periods():
    import pyarrow as pa

    from dashboard_lib import widgets
    frame = pd.DataFrame({t("col.period", "en"): ["2016–2020", "2021"], t("col.citation", "en"): ["x", "y"]})
    own = {t("col.citation", "en"): {"width": "large"}}
    for table in (frame, pa.Table.from_pandas(frame)):
        config = widgets.whole_columns(table, "en", own)
        assert config[t("col.citation", "en")] == {"width": "large"}
        assert config[t("col.period", "en")]["width"] >= formatting.text_width_px("2016–2020", 14)


def test_source_note_for_a_value_without_a_clause():
    row = {"citation": None, "source_tier": "press", "source_publisher": "VTC News", "locator": "second figure"}
    assert formatting.source_note(row, "en") == "No verbatim clause; from a press article by VTC News (second figure)."
    assert formatting.clause_or_source(row, "vi").startswith("Không có nguyên văn điều khoản; theo bài báo của VTC")
    assert formatting.source_note({**row, "citation": "đạt 7%"}, "vi") == ""
    assert formatting.clause_or_source({**row, "citation": "đạt 7%"}, "vi") == "đạt 7%"
    assert formatting.section_text(float("nan")) == "" and formatting.section_text(None) == ""


def test_sector_table_never_shows_none_for_a_listed_source(app_env):
    at = open_page("en", view="table")
    [table] = [d.value for d in at.dataframe if t("col.citation", "en") in d.value.columns]
    for column in (t("col.citation", "en"), t("col.section", "en")):
        assert not any(str(v) in ("None", "nan") for v in table[column])
    assert any(str(v).startswith("No verbatim clause") for v in table[t("col.citation", "en")])


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_range_chart_is_laid_out_for_a_phone_as_for_a_screen(lang):
    """The server cannot know the reader's width, so the range chart is laid out to read at 390 px as at 1440 px:
    no label column beside the plot (the labels are on lines above the rows), the legend one entry a line in room
    reserved above the plot (as tall at every width, so it never covers a row), and title, subtitle and source
    line broken into lines that fit a phone (Plotly does not wrap them)."""
    data = charts.target_ranges_data(_benchmark_frame(), lang)
    spec = charts.ranges_figure(data, lang, built_on="01/01/2026",
                                subtitle="Một phụ đề dài, dài hơn nhiều so với chiều rộng của một màn hình điện "
                                         "thoại, để xem nó được ngắt dòng ra sao").to_dict()
    layout = spec["layout"]
    assert layout["margin"]["l"] <= 20 and layout["margin"]["r"] <= 20
    legend = layout["legend"]
    assert legend["orientation"] == "v" and legend["yanchor"] == "top" and legend["yref"] == "container"
    entries = sum(1 for trace in spec["data"] if trace.get("showlegend"))
    legend_top = (1 - legend["y"]) * layout["height"]
    assert entries >= 4 and layout["margin"]["t"] >= legend_top + entries * charts.LEGEND_ENTRY
    assert legend_top > 14 + 23 + 18  # below the title and the subtitle
    for text, limit in ((layout["title"]["text"], charts.TITLE_CHARS),
                        (layout["title"]["subtitle"]["text"], charts.SUBTITLE_CHARS),
                        (layout["annotations"][0]["text"], charts.SOURCE_CHARS)):
        lines = [re.sub(r"<[^>]+>", "", line) for line in text.split("<br>")]
        assert all(len(html.unescape(line)) <= limit for line in lines), lines
    assert len(layout["title"]["subtitle"]["text"].split("<br>")) >= 2
    # the only text drawn is the rows' labels, from the plot's left edge rightwards
    texts = [trace for trace in spec["data"] if trace["mode"].find("text") >= 0]
    assert [trace["name"] for trace in texts] == [charts.ROW_LABELS] and texts[0]["textposition"] == "middle right"
    lines = [re.sub(r"<[^>]+>", "", line) for text in texts[0]["text"] for line in text.split("<br>")]
    assert all(len(html.unescape(line)) <= charts.LABEL_CHARS for line in lines), lines
    if lang == "en":  # "Vietnam (national) · 2021–2025 · 283/QĐ-TTg · 7–7.5%/year": too long for one line
        assert any("<br>" in text for text in texts[0]["text"])
