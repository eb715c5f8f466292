"""Trajectories page (AppTest): the figure's traces, the tables and the URL state.

Expected values are computed here from the curated CSV files (data/targets/*.csv and the reference
tables) with the test's own arithmetic, never typed in and never taken from dashboard_lib.trajectory.
"""
from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import unwrapped
from dashboard_lib.i18n import t

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
PAGE = "pages/trajectories.py"


# ---------------------------------------------------------------- expected values from the curated files

def curated() -> pd.DataFrame:
    frames = [pd.read_csv(p, dtype={"province_code": str}) for p in sorted((DATA / "targets").glob("*.csv"))]
    targets = pd.concat(frames, ignore_index=True)
    documents = pd.read_csv(DATA / "documents.csv", dtype={"province_code": str, "province_era": str})[
        ["document_id", "document_number", "province_era"]]
    indicators = pd.read_csv(DATA / "indicators.csv")[["indicator_key", "measure", "label_vi", "label_en"]]
    frame = targets.merge(documents, on="document_id").merge(indicators, on="indicator_key")
    # Province keys of the two eras (v_province_keys): a plan adopted since 1 July 2025 by a merged province is
    # keyed '<code>-2025', never taken for the old province with the same code.
    merged = set(pd.read_csv(DATA / "provinces_2025.csv", dtype={"province_2025_code": str})
                 .query("merged")["province_2025_code"])
    new_era = (frame["province_era"] == "34") & frame["province_code"].isin(merged)
    frame.loc[new_era, "province_code"] = frame.loc[new_era, "province_code"] + "-2025"
    return frame


def province_names(lang: str) -> dict[str, str]:
    """Province names by key as the warehouse gives them ('Hải Phòng (cũ)' for the former Hải Phòng)."""
    import os

    import duckdb
    with duckdb.connect(os.environ["DV2030_WAREHOUSE"], read_only=True) as con:
        keys = con.execute(f"SELECT province_code, province_name_{lang} AS name FROM v_province_keys").df()
    return dict(zip(keys["province_code"], keys["name"]))


def provinces_with(indicator: str) -> list[str]:
    rows = curated()
    rows = rows[(rows["indicator_key"] == indicator) & (rows["province_code"] != "VN")]
    return sorted(rows["province_code"].unique())


def expected_index(document_id: str, indicator: str = "services_growth") -> dict[int, tuple[float, float]]:
    """Index (year before the first period) = 100 compounded by hand from the plan's average rates for periods from
    2021."""
    rows = curated()
    rows = rows[(rows["document_id"] == document_id) & (rows["indicator_key"] == indicator)
                & (rows["period_start"] >= 2021)].sort_values("period_start")
    low = high = 100.0
    start = int(rows["period_start"].iloc[0]) - 1 if len(rows) else 2020  # year a−1 = 100 (2025 for a 2026– plan)
    out = {start: (low, high)}
    for r in rows.itertuples():
        for year in range(int(r.period_start), int(r.period_end) + 1):
            low *= 1 + r.value_low / 100
            high *= 1 + r.value_high / 100
            out[year] = (low, high)
    return out


# ---------------------------------------------------------------- running the page

def open_page(lang: str = "vi", **params: str) -> AppTest:
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
    at.query_params["lang"] = lang
    at.run()
    for name in [n for n in at.query_params if n != "lang"]:
        del at.query_params[name]
    for name, value in params.items():
        at.query_params[name] = value
    at.switch_page(PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def figure(at: AppTest) -> dict:
    charts = at.get("plotly_chart")
    assert len(charts) == 1, "expected exactly one chart"
    return json.loads(charts[0].proto.spec)


def drawn(fig: dict, projection: bool = False) -> dict[str, dict[int, tuple[float, float]]]:
    """document_id -> {year: (low, high)} read back from the traces (band edges or a single line)."""
    out: dict[str, dict[int, list[float]]] = {}
    for trace in fig["data"]:
        meta = trace.get("meta") or {}
        if "document_id" not in meta or meta.get("role") or meta.get("points_only"):
            continue
        if bool(meta.get("projection")) != projection:
            continue
        values = out.setdefault(meta["document_id"], {})
        for x, y in zip(trace["x"], trace["y"]):
            pair = values.setdefault(int(x), [None, None])
            if not meta.get("band"):
                pair[0] = pair[1] = y
            elif trace.get("fill") == "tonexty":
                pair[1] = y
            else:
                pair[0] = y
    return {doc: {year: tuple(pair) for year, pair in years.items()} for doc, years in out.items()}


def legend_names(fig: dict) -> list[str]:
    return [trace["name"] for trace in fig["data"] if trace.get("showlegend", True)]


def documents_drawn(fig: dict) -> set[str]:
    return {(trace.get("meta") or {}).get("document_id") for trace in fig["data"]} - {None}


def plan_ids(indicator: str, provinces: list[str] | None = None, national: bool = True) -> set[str]:
    rows = curated()
    rows = rows[rows["indicator_key"] == indicator]
    keep = rows["province_code"].isin(provinces) if provinces is not None else rows["province_code"] != "VN"
    if national:
        keep |= rows["province_code"] == "VN"
    return set(rows.loc[keep, "document_id"])


# ---------------------------------------------------------------- tests

class _Tables(HTMLParser):
    """The tables of widgets.tables_markup as the browser reads them: (title or None, frame by its first column)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str | None, pd.DataFrame]] = []
        self.title: str | None = None
        self.rows: list[list[str]] = []
        self.text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td") or (tag == "p" and ("class", "dv-table-title") in attrs):
            self.text = []

    def handle_data(self, data):
        if self.text is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag in ("th", "td"):
            self.rows[-1].append("".join(self.text))
            self.text = None
        elif tag == "p" and self.text is not None:
            self.title, self.text = "".join(self.text), None
        elif tag == "table":
            (index_name, *columns), *body = self.rows
            frame = pd.DataFrame([row[1:] for row in body], columns=columns,
                                 index=pd.Index([row[0] for row in body], name=index_name))
            self.tables.append((self.title, frame))
            self.title, self.rows = None, []


def html_tables(at: AppTest) -> list[tuple[str | None, pd.DataFrame]]:
    """Every table the page shows as HTML (widgets.html_block), in order, with its title."""
    tables = []
    for block in at.get("html"):
        parser = _Tables()
        parser.feed(block.proto.body)
        tables += parser.tables
    return tables


def shown_tables(at: AppTest) -> list[pd.DataFrame]:
    return [frame for _title, frame in html_tables(at)]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_default_view_draws_every_services_growth_plan(app_env, lang):
    at = open_page(lang)
    assert at.selectbox(key="trajectory.indicator").value == "services_growth"
    assert sorted(at.multiselect(key="trajectory.provinces").value) == provinces_with("services_growth")
    fig = figure(at)
    assert fig["layout"]["separators"] == (",." if lang == "vi" else ".,")
    label = curated().query("indicator_key == 'services_growth'")[f"label_{lang}"].iloc[0]
    assert label in unwrapped(fig["layout"]["title"]["text"])  # wrapped to a phone's width
    paths = drawn(fig)
    assert set(paths) == plan_ids("services_growth")
    for document_id, years in paths.items():
        expected = expected_index(document_id)
        for year in (2025, 2030):
            if year in expected:
                assert years[year] == pytest.approx(expected[year], abs=1e-6), (document_id, year)
            else:
                assert year not in years, f"{document_id} is drawn past its horizon without the projection"
    names = province_names(lang)
    numbers = dict(curated()[["document_id", "document_number"]].drop_duplicates().values)
    legend = legend_names(fig)
    for code in provinces_with("services_growth"):
        documents = curated().query("indicator_key == 'services_growth' and province_code == @code")["document_id"]
        for document_id in set(documents):
            assert f"{names[code]} – {numbers[document_id]}" in legend
    assert any(t("national", lang) in name and "531/QĐ-TTg" in name for name in legend)
    source = " ".join(unwrapped(a["text"]) for a in fig["layout"]["annotations"])
    from dashboard_lib import widgets  # the line names the first SOURCE_LIMIT plans, then counts the rest
    drawn_numbers = sorted({numbers[document_id] for document_id in paths})
    for number in drawn_numbers[:widgets.SOURCE_LIMIT]:
        assert number in source
    if len(drawn_numbers) > widgets.SOURCE_LIMIT:
        assert t("source.more", lang, n=len(drawn_numbers) - widgets.SOURCE_LIMIT) in source
    # 8.7 %/year from 2021 (Hậu Giang, 'ít nhất') reaches 230.3 in 2030 and is drawn as an open minimum
    hau_giang = next(tr for tr in fig["data"] if (tr.get("meta") or {}).get("bound") == "lower")
    assert hau_giang["line"]["dash"] == "dash" and round(hau_giang["y"][-1], 1) == 230.3
    # the year table: one column per plan, the 2030 row in the language's number format
    table = shown_tables(at)[1]
    assert str(table.index[-1]) == "2030"
    cell = table.loc["2030"].iloc[[i for i, c in enumerate(table.columns) if "02/CTr-UBND" in c][0]]
    assert cell == ("≥ 230,3" if lang == "vi" else "≥ 230.3")


def test_changing_indicator_draws_share_lines_and_points(app_env):
    at = open_page("vi")
    at.selectbox(key="trajectory.indicator").set_value("services_share_grdp").run()
    assert not at.exception
    assert at.query_params["indicator"] == ["services_share_grdp"] or at.query_params["indicator"] == \
        "services_share_grdp"
    fig = figure(at)
    shares = curated().query("indicator_key == 'services_share_grdp' and target_year <= 2030")
    lines = drawn(fig)
    # plans with two years of values are straight lines between them; the others are lone targets
    for document_id, rows in shares.groupby("document_id"):
        if rows["target_year"].nunique() >= 2:
            first, last = rows.sort_values("target_year").iloc[[0, -1]].itertuples()
            assert lines[document_id][first.target_year] == pytest.approx((first.value_low, first.value_high))
            assert lines[document_id][last.target_year] == pytest.approx((last.value_low, last.value_high))
            middle = first.target_year + 1
            step = (last.value_low - first.value_low) / (last.target_year - first.target_year)
            assert lines[document_id][middle][0] == pytest.approx(first.value_low + step)
        else:
            (target,) = rows.itertuples()
            points = [tr for tr in fig["data"] if (tr.get("meta") or {}).get("document_id") == document_id]
            assert points and all(tr["meta"].get("points_only") for tr in points), document_id
            assert sorted(points[0]["y"]) == sorted({target.value_low, target.value_high})
            assert points[0]["x"][0] == target.target_year
    assert documents_drawn(fig) == plan_ids("services_share_grdp")
    assert any(t("trajectory.points_note", "vi", plans="")[2:12] in c.value for c in at.caption)


def test_changing_provinces_keeps_only_their_plans_and_the_nation(app_env):
    at = open_page("en")
    at.multiselect(key="trajectory.provinces").set_value(["31"]).run()
    fig = figure(at)
    assert documents_drawn(fig) == plan_ids("services_growth", ["31"])
    assert at.query_params["provinces"] in (["31"], "31")
    hai_phong = next(iter(plan_ids("services_growth", ["31"], national=False)))
    assert drawn(fig)[hai_phong][2025] == pytest.approx(expected_index(hai_phong)[2025])


def test_url_parameters_restore_indicator_provinces_and_projection(app_env):
    at = open_page("vi", indicator="freight_volume", provinces="31", projection="1")
    assert at.selectbox(key="trajectory.indicator").value == "freight_volume"
    assert at.multiselect(key="trajectory.provinces").value == ["31"]
    assert at.toggle(key="trajectory.projection").value is True
    fig = figure(at)
    rows = curated().query("indicator_key == 'freight_volume' and province_code == '31'").sort_values("target_year")
    (document_id,) = set(rows["document_id"])
    v2020, v2025 = rows["value_low"].iloc[0], rows["value_low"].iloc[-1]
    assert drawn(fig)[document_id][2025] == pytest.approx((v2025, v2025))
    projected = drawn(fig, projection=True)[document_id]
    # the 2020–2025 pace continued five more years: v2025 × (v2025 / v2020)
    assert projected[2030][0] == pytest.approx(v2025 * v2025 / v2020)
    assert any(t("trajectory.projection_legend", "vi") in name for name in legend_names(fig))
    assert not any(n.value.startswith(t("state.invalid_url", "vi")) for n in at.info)


def test_invalid_url_values_fall_back_with_a_notice(app_env):
    at = open_page("en", indicator="no_such_indicator", provinces="31,ZZ", projection="maybe")
    notices = [n.value for n in at.info if n.value.startswith(t("state.invalid_url", "en"))]
    assert notices and all(name in notices[0] for name in ("indicator", "provinces", "projection"))
    assert at.selectbox(key="trajectory.indicator").value == "services_growth"
    assert at.multiselect(key="trajectory.provinces").value == ["31"]
    assert at.toggle(key="trajectory.projection").value is False


def test_empty_selection_says_so_and_shows_only_the_nation(app_env):
    at = open_page("vi", provinces="")
    assert t("trajectory.empty.no_provinces_national", "vi") in [n.value for n in at.info]
    fig = figure(at)
    national = set(curated().query("indicator_key == 'services_growth' and province_code == 'VN'")["document_id"])
    assert documents_drawn(fig) == national


def test_indicator_with_a_single_province_says_so(app_env):
    rows = curated()
    rows = rows[rows["measure"].isin(["share", "level"]) & (rows["target_year"] <= 2030)]
    counts = rows.groupby("indicator_key")["province_code"].nunique()
    years = rows[rows["province_code"] != "VN"].groupby(["indicator_key", "document_id"])["target_year"].nunique()
    singles = [k for k in counts[counts == 1].index if years.get(k, pd.Series(dtype=int)).max() >= 2]
    if not singles:
        pytest.skip("no indicator stated by a single province with two years of values")
    indicator = singles[0]
    (code,) = rows.loc[rows["indicator_key"] == indicator, "province_code"].unique()
    at = open_page("en", indicator=indicator)
    assert t("trajectory.single_province", "en", province=province_names("en")[code]) in [
        n.value.replace("\\", "") for n in at.info]  # the name is Markdown-escaped on the page
    assert figure(at)["data"], "the single province is still drawn"


def test_consistency_checks_show_hai_phong_freight_rate(app_env):
    at = open_page("vi", provinces="31")
    rows = curated().query("province_code == '31' and indicator_key in ['freight_volume', 'freight_volume_growth']")
    levels = rows[rows["indicator_key"] == "freight_volume"].sort_values("target_year")
    stated = rows.loc[rows["indicator_key"] == "freight_volume_growth", "value_low"].iloc[0]
    compound = ((levels["value_low"].iloc[-1] / levels["value_low"].iloc[0]) ** (1 / 5) - 1) * 100
    tables = shown_tables(at)
    checks = pd.concat([tb for tb in tables if t("trajectory.col.verdict", "vi") in tb.columns])
    freight = checks[checks[t("trajectory.col.inputs", "vi")].str.contains("207.900.000", regex=False)]
    assert len(freight) == 1
    implied = f"{compound:.2f}".replace(".", ",") + "%/năm"
    assert freight[t("trajectory.col.implied", "vi")].iloc[0] == implied
    consistent = abs(compound - stated) <= 0.1
    assert freight[t("trajectory.col.verdict", "vi")].iloc[0] == t(
        "trajectory.status_label." + ("consistent" if consistent else "inconsistent"), "vi")


# ---------------------------------------------------------------- many plans: the page shows a few, the CSV all

@pytest.fixture
def cap_of_two(monkeypatch):
    """The page's cap on plans shown at once lowered to 2, so that the real data (5 provinces) exceeds it."""
    from dashboard_lib import trajectory

    def clear():
        for cached in (trajectory.view, trajectory.checks_view, trajectory.chart):
            cached.clear()
    clear()
    monkeypatch.setattr(trajectory, "MAX_PLANS", 2)
    yield trajectory
    monkeypatch.undo()
    clear()


def test_more_plans_than_the_cap_shows_the_first_ones_with_a_note(app_env, cap_of_two):
    at = open_page("vi")
    codes = provinces_with("services_growth")
    assert sorted(at.multiselect(key="trajectory.provinces").value) == codes
    selected = list(at.multiselect(key="trajectory.provinces").value)
    provincial = plan_ids("services_growth", national=False)
    assert len(provincial) > 2
    note = t("trajectory.capped.plans", "vi", shown=2, total=len(provincial))
    assert note in [n.value for n in at.info]
    # the chart and the tables: the plans of the first provinces of the selection, and the nation
    rows = curated().query("indicator_key == 'services_growth'")
    first = [doc for code in selected for doc in sorted(set(rows.loc[rows["province_code"] == code, "document_id"]))]
    national = plan_ids("services_growth", [], national=True)
    assert documents_drawn(figure(at)) == set(first[:2]) | national
    summary, year_table = shown_tables(at)[:2]
    assert len(year_table.columns) == 2 + len(national)
    assert len(summary) == 2 + len(national)
    # the CSV behind the chart still holds every plan of the selection
    version = at.session_state["warehouse_version"]
    shown = cap_of_two.view(version, "services_growth", tuple(selected), False, "vi")
    numbers = dict(curated()[["document_id", "document_number"]].drop_duplicates().values)
    in_csv = set(shown.csv[t("col.document", "vi")].to_pylist())
    assert in_csv == {numbers[doc] for doc in plan_ids("services_growth")}  # every plan is drawn without the cap
    assert len(in_csv) > len({p.document_number for p in shown.paths})


def test_more_plans_with_checks_than_the_cap_lists_the_first_ones_and_offers_all(app_env, cap_of_two):
    at = open_page("en")
    checks = [(title, tb) for title, tb in html_tables(at) if t("trajectory.col.verdict", "en") in tb.columns]
    headings = [title for title, _ in checks]
    assert all(headings) and len(set(headings)) == len(headings)  # each plan's checks under its name, once
    national_numbers = set(curated().query("province_code == 'VN'")["document_number"])
    national = [h for h in headings if any(h.endswith(f" – {number}") for number in national_numbers)]
    provincial = [h for h in headings if h not in national]
    assert len(provincial) == 2 and national, headings
    notes = [n.value for n in at.info if n.value.startswith(t("trajectory.capped.checks", "en", shown=2, total=0,
                                                                                            checks=0)[:20])]
    assert len(notes) == 1
    version = at.session_state["warehouse_version"]
    selected = tuple(at.multiselect(key="trajectory.provinces").value)
    every = cap_of_two.checks_view(version, selected, "en")
    assert every.capped and every.shown == 2 and every.total > 2
    assert notes[0] == t("trajectory.capped.checks", "en", shown=2, total=every.total, checks=len(every.csv))
    # the CSV has the checks of every plan, the shown ones among them
    plans_in_csv = set(every.csv[t("trajectory.col.plan", "en")].to_pylist())
    assert len(plans_in_csv) == every.total + len(national) and set(provincial) <= plans_in_csv
    assert at.get("download_button"), "the checks' CSV download"


def test_tables_show_data_text_as_text():
    """The page's tables are HTML built from data (widgets.tables_markup): markup in a name or a cell is escaped,
    Markdown stays literal, a missing value is an empty cell, and the parser above reads back what was given."""
    from dashboard_lib import widgets
    hostile = '<img src=x onerror="alert(1)"> **bold** & <script>alert(2)</script>'
    frame = pd.DataFrame({"Giải thích": [hostile, None]}, index=pd.Index(["<b>A</b>", "B"], name="Kế hoạch"))
    markup = widgets.tables_markup([("Plan <i>1</i>", frame), (None, frame)])
    assert "<img" not in markup and "<script" not in markup and "<b>A" not in markup and "<i>1" not in markup
    parser = _Tables()
    parser.feed(str(markup))
    (title, first), (untitled, second) = parser.tables
    assert title == "Plan <i>1</i>" and untitled is None
    assert list(first.index) == ["<b>A</b>", "B"] and first.index.name == "Kế hoạch"
    assert list(first["Giải thích"]) == [hostile, ""]
    assert second.equals(first)


def test_switching_indicator_shows_every_province_when_every_province_was_shown(app_env):
    """With every province shown (the default), a new indicator showed only the provinces that also stated the
    old one: Huế's 2025 share target was silently left out. A narrowed choice is still kept."""
    at = open_page("vi")
    at.selectbox(key="trajectory.indicator").set_value("services_share_grdp").run()
    assert sorted(at.multiselect(key="trajectory.provinces").value) == provinces_with("services_share_grdp")
    at = open_page("vi", provinces="31")
    at.selectbox(key="trajectory.indicator").set_value("services_share_grdp").run()
    assert at.multiselect(key="trajectory.provinces").value == ["31"]


def test_achieved_values_are_drawn_over_the_paths(app_env):
    """Bình Thuận's services share as published (newest vintage each year) beside its plan's path; the nation's
    services growth compounded from the published annual rates, from the plan's base year."""
    at = open_page("en", indicator="services_share_grdp", provinces="60")
    fig = figure(at)
    [binh_thuan] = [tr for tr in fig["data"] if (tr.get("meta") or {}).get("role") == "achieved"
                    and tr["meta"]["province_code"] == "60"]
    achieved = pd.read_csv(DATA / "achieved" / "provinces_63.csv", dtype={"province_code": str})
    rows = achieved.query("province_code == '60' and indicator_key == 'services_share_grdp'")
    assert set(binh_thuan["x"]) == set(rows["year"])
    assert binh_thuan["y"][binh_thuan["x"].index(2024)] == pytest.approx(33.88)
    assert "Achieved: " in binh_thuan["name"]
    at = open_page("vi", indicator="services_growth", provinces="60")
    national = [tr for tr in figure(at)["data"] if (tr.get("meta") or {}).get("role") == "achieved"
                and tr["meta"]["province_code"] == "VN"]
    assert national and national[0]["x"][0] == 2020 and national[0]["y"][0] == pytest.approx(100)
    # 2021 revised 1.75 %, 2022 9.99 %: 100 × 1.0175 × 1.0999 = 111.915
    assert national[0]["y"][2] == pytest.approx(111.915, abs=1e-3)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_lines_that_coincide_are_named_where_they_end(app_env, lang):
    """Hậu Giang's 'ít nhất 8,7%/năm' and Thanh Hóa's 8,9% then 'khoảng 8,5%' draw one line over the other (a few
    tenths apart): colour and marker could not tell them apart. Every path is named at its end, in its colour,
    and ends that close share one label naming each of them."""
    import re
    from dashboard_lib import trajectory
    fig = figure(open_page(lang))
    # a label names each of its paths in a span of the path's colour, one line each (a national plan's number on a
    # second line)
    labels = [[re.sub(r"<[^>]+>", "", span.replace("<br>", " ")) for span in re.findall(r"<span[^>]*>(.*?)</span>",
                                                                                         a["text"])]
              for a in fig["layout"]["annotations"] if a.get("name") == trajectory.END_LABEL]
    named = [name for label in labels for name in label]
    names = province_names(lang)
    for code in provinces_with("services_growth"):
        assert names[code] in named, (names[code], labels)
    hau_giang, thanh_hoa = names["93"], names["38"]
    assert any(hau_giang in label and thanh_hoa in label for label in labels), labels
    assert len(named) == len(set(named))  # each path named once
