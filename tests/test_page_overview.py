"""Overview (home) page: headline cards beside the national benchmark, the comparison chart, what
changed since the last data build, and the sections it had before (plans, counts, national benchmarks).

Expected values come from the curated CSV files, not typed in."""
from __future__ import annotations

import html
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from conftest import plotted_pairs, plotted_values
from dashboard_lib import formatting, tables, widgets
from dashboard_lib.i18n import t

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
HEADLINE = ("services_growth", "services_share_grdp")


def curated_targets(data_dir: Path = DATA) -> pd.DataFrame:
    frames = [pd.read_csv(path, dtype={"province_code": str}) for path in sorted((data_dir / "targets").glob("*.csv"))]
    return pd.concat(frames, ignore_index=True)


def reference(name: str, key: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"{name}.csv", dtype={key: str}).set_index(key)


def headline_rows(indicator: str) -> pd.DataFrame:
    """The headline targets of the plans that implement a national decision, and those decisions' own (the 34
    provinces' 2025 targets are the page's first section, never drawn with them)."""
    frame = curated_targets()
    documents = pd.read_csv(DATA / "documents.csv", dtype=str)
    implementing = documents.loc[documents["implements"].notna(), "document_id"]
    implemented = documents["implements"].dropna()
    chosen = frame["document_id"].isin(implementing) | frame["document_id"].isin(implemented)
    return frame[(frame["indicator_key"] == indicator) & (frame["kind"] == "target") & chosen]


def value_pairs(rows: pd.DataFrame) -> Counter:
    return Counter((float(r.value_low), float(r.value_high)) for r in rows.itertuples())


def open_home(lang: str = "vi", **params: str) -> AppTest:
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = lang
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def figure(at: AppTest) -> dict:
    """The chart of the plans' headline targets (the first chart is the 34 provinces' one: `present_figure`)."""
    return json.loads(at.get("plotly_chart")[1].proto.spec)


def present_figure(at: AppTest) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def card_texts(at: AppTest) -> list[str]:
    """The text of each headline card as a reader sees it: one line per paragraph, markup dropped, entities decoded."""
    body = "".join(element.proto.body for element in at.get("html"))
    cards = re.findall(r'<section class="dv-card">(.*?)</section>', body, flags=re.S)
    return ["\n".join(html.unescape(re.sub(r"<[^>]+>", "", part)) for part in re.split(r"</(?:h3|p)>", card)
                      if part.strip()) for card in cards]


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + card_texts(at))


def plain(text: str) -> str:
    """Markdown-escaped page text back to plain text."""
    return text.replace("\\", "")


# ---------------------------------------------------------------- default view

@pytest.mark.parametrize("lang", ["vi", "en"])
def test_default_view_renders_cards_chart_and_previous_sections(app_env, lang):
    at = open_home(lang)
    page = plain(texts(at))
    # Headline cards: every province with a services target (named as its era names it: the Huế of 2025, the
    # former Hải Phòng), each value as the plan states it.
    for row in _headline_values(app_env).itertuples():
        assert getattr(row, f"province_name_{lang}") in page
        assert formatting.stated_value(row, lang) in page
    # The chart compares provinces with the national targets of services growth by default.
    fig = figure(at)
    label = reference("indicators", "indicator_key").loc["services_growth", f"label_{lang}"]
    assert label in fig["layout"]["title"]["text"]
    assert plotted_pairs(fig) == value_pairs(headline_rows("services_growth"))
    assert any(trace.get("legendgroup") == "benchmark" for trace in fig["data"])
    # What it showed before is still there: plans loaded, counts, national benchmarks.
    documents = pd.read_csv(DATA / "documents.csv")
    frames = [d.value for d in at.dataframe]
    assert any(len(f) == int((documents["scope"] == "provincial").sum())
               and t("col.document", lang) in f.columns for f in frames)
    national = curated_targets()
    assert any(len(f) == int((national["province_code"] == "VN").sum()) for f in frames)


def test_cards_compare_with_the_decision_each_plan_implements(app_env):
    at = open_home("vi")
    page = plain(texts(at))
    documents = pd.read_csv(DATA / "documents.csv").set_index("document_id")
    carded = set(_headline_values(app_env)["document_id"])  # a card per province with a headline value
    for document_id, plan in documents[documents.index.isin(carded)].iterrows():
        implemented = documents.loc[plan["implements"], "document_number"] if isinstance(plan["implements"], str) \
            else "–"  # a party resolution implements no decision
        assert t("overview.card.plan", "vi", document=plan["document_number"], implements=implemented) in page


def test_cards_show_the_benchmark_of_the_implemented_decision(app_env):
    """Each value is read against the decision its plan implements: same year, else its nearest year."""
    lang = "en"
    at = open_home(lang)
    page = plain(texts(at))
    docs = pd.read_csv(DATA / "documents.csv").set_index("document_id")
    units = reference("units", "unit_key")
    frame = curated_targets()
    for indicator in HEADLINE:
        rows = headline_rows(indicator)
        for row in rows[rows["province_code"] != "VN"].itertuples():
            national = rows[rows["document_id"] == docs.loc[row.document_id, "implements"]].copy()
            if national.empty:  # the decision sets nothing for it (or there is none): any national target that year
                national = rows[(rows["province_code"] == "VN") & (rows["target_year"] == row.target_year)].copy()
            if national.empty:
                continue  # no benchmark: the card says so (tables.national_benchmark)
            national["distance"] = (national["target_year"] - row.target_year).abs()
            bench = national.sort_values(["distance", "target_year"], ascending=[True, False]).iloc[0]
            unit = units.loc[bench["unit_key"], f"symbol_{lang}"]
            text = formatting.value_label(bench["value_low"], bench["value_high"], bench["comparator"], unit, lang,
                                          formatting.is_approximate(bench["comparator"], bench["value_low"],
                                                                    bench["citation"]))
            if bench["target_year"] == row.target_year:
                relation = tables.relation(row.value_low, row.value_high, row.comparator,
                                           bench["value_low"], bench["value_high"])
            else:
                relation = "other_year"
            period = formatting.year_text(bench["target_year"], bench["period_start"], bench["period_end"])
            expected = t("overview.card.national", lang, value=text, period=period,
                         document=docs.loc[bench["document_id"], "document_number"],
                         relation=t(f"tables.relation.{relation}", lang))
            assert expected in page, expected


# ---------------------------------------------------------------- the chart's indicator, URL state

def test_switching_indicator_redraws_the_chart_and_updates_the_url(app_env):
    at = open_home("vi")
    at.button_group(key="overview_indicator").set_value("services_share_grdp").run()
    assert not at.exception
    fig = figure(at)
    assert plotted_pairs(fig) == value_pairs(headline_rows("services_share_grdp"))
    assert at.query_params["indicator"] == "services_share_grdp"


def test_url_restores_the_indicator(app_env):
    at = open_home("en", indicator="services_share_grdp")
    assert at.button_group(key="overview_indicator").value == "services_share_grdp"
    assert plotted_pairs(figure(at)) == value_pairs(headline_rows("services_share_grdp"))


def test_invalid_url_indicator_falls_back_with_a_notice(app_env):
    at = open_home("vi", indicator="gdp_of_mars")
    assert any(t("state.invalid_url", "vi") in info.value and "indicator" in info.value for info in at.info)
    assert plotted_pairs(figure(at)) == value_pairs(headline_rows("services_growth"))


# ---------------------------------------------------------------- what changed since the last build

def test_first_build_says_there_is_nothing_to_compare(app_env):
    at = open_home("vi")
    assert any(t("overview.changes.first", "vi", built_at="")[:30] in info.value for info in at.info)


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("warehouse*", "cache", ".*"))
    return target


def _build(data_dir: Path, warehouse: Path) -> None:
    from etl.warehouse import build
    result = build(data_dir=data_dir, warehouse=warehouse, with_maps=False, progress=lambda message: None)
    assert result.ok, "\n".join(map(str, result.errors))


@pytest.fixture
def rebuilt(tmp_path, monkeypatch):
    """A warehouse built twice from a private copy of the data; the test edits the copy in between."""
    data_dir = _copy_data(tmp_path)
    warehouse = tmp_path / "warehouse.duckdb"
    _build(data_dir, warehouse)
    monkeypatch.setenv("DV2030_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DV2030_WAREHOUSE", str(warehouse))
    return data_dir, warehouse


def test_rebuild_without_changes_says_nothing_changed(rebuilt):
    data_dir, warehouse = rebuilt
    _build(data_dir, warehouse)
    at = open_home("en")
    assert any(info_text.startswith(t("overview.changes.none", "en", built_at="")[:20])
               for info_text in [s.value for s in at.success])


def test_rebuild_lists_changed_added_and_removed_values(rebuilt):
    data_dir, warehouse = rebuilt
    files = sorted((data_dir / "targets").glob("*.csv"))
    first = pd.read_csv(files[0], dtype=str, keep_default_na=False)
    changed_id = first.loc[0, "target_id"]
    new_high = str(float(first.loc[0, "value_high"]) + 0.5)
    first.loc[0, "value_high"] = new_high
    removed_id = first.iloc[-1]["target_id"]
    first = first.iloc[:-1]
    first.to_csv(files[0], index=False)
    _build(data_dir, warehouse)

    at = open_home("vi")
    frames = [d.value for d in at.dataframe if "ID" in d.value.columns
              and t("tables.col.change", "vi") in d.value.columns]
    assert frames, "no table of changes"
    changes = frames[0].set_index("ID")
    assert changes.loc[changed_id, t("tables.col.change", "vi")] == t("tables.change.changed", "vi")
    assert new_high in changes.loc[changed_id, t("tables.col.detail", "vi")]
    assert t("tables.field.value_high", "vi") in changes.loc[changed_id, t("tables.col.detail", "vi")]
    assert changes.loc[removed_id, t("tables.col.change", "vi")] == t("tables.change.removed", "vi")
    assert len(changes) == 2


# ---------------------------------------------------------------- pure helpers

@pytest.mark.parametrize("low, high, comparator, national, expected", [
    (8.7, 8.7, "at_least", (7, 8), "above"),
    (7, 7.5, "range", (7, 7.5), "overlap"),
    (29, 30, "range", (43, 44), "below"),
    (3, 3, "at_most", (2, 5), "overlap"),
    (3, 3, "at_most", (5, 6), "below"),
    (42.28, 42.28, "about", (41.5, 42), "above"),
])
def test_relation_to_the_national_target(low, high, comparator, national, expected):
    assert tables.relation(low, high, comparator, *national) == expected


def test_change_detail_translates_field_names():
    detail = "value_high: 7.5 → 8.0; citation: a → b"
    assert tables.change_detail(detail, "vi") == f"{t('tables.field.value_high', 'vi')}: 7.5 → 8.0; " \
                                                 f"{t('tables.field.citation', 'vi')}: a → b"


def test_csv_download_is_utf8_with_bom_and_keeps_vietnamese_text():
    frame = pd.DataFrame({"Tỉnh": ["Hậu Giang"], "Giá trị": [8.7]})
    payload = widgets.csv_bytes(frame)
    assert payload.startswith(b"\xef\xbb\xbf")
    assert "Hậu Giang" in payload.decode("utf-8-sig")


def test_the_cards_are_one_element_each_with_its_province_values_and_benchmarks(app_env):
    """All the cards are one element (hundreds of small elements cost more than the rest of the page at 63
    provinces): each card names the province, its plans, and each value with the national line under it."""
    at = open_home("en")
    assert len([h for h in at.get("html") if 'class="dv-card"' in h.proto.body]) == 1
    cards = card_texts(at)
    stating = _headline_values(app_env)
    assert len(cards) == stating["province_code"].nunique()  # one card per province key of its era
    no_national = t("overview.card.no_national", "en")
    for code, rows in stating.groupby("province_code"):
        name = rows["province_name_en"].iloc[0]
        card = next(c for c in cards if c.startswith(f"{name}\n"))
        for row in rows.itertuples():
            assert formatting.stated_value(row, "en") in card
        lines = card.count(t("overview.card.national", "en", value="", period="", document="", relation="")[:8])
        assert lines + card.count(no_national) == len(rows)  # one national line (or its absence) under each value


def test_csv_of_an_arrow_table_is_the_csv_of_its_frame():
    """Pages give st.dataframe cached Arrow tables; their CSV download is the same as the frame's."""
    import pyarrow as pa
    frame = pd.DataFrame({"Tỉnh": ["Hậu Giang", "=SUM(A1)"], "Giá trị": [8.7, None], "Năm": [2025, 2030]})
    assert widgets.csv_bytes(pa.Table.from_pandas(frame)) == widgets.csv_bytes(frame)


def test_source_line_names_a_few_plans_and_counts_the_rest():
    """At 100× a selection draws on hundreds of plans: the line under a chart names 8 and counts the others."""
    from dashboard_lib import widgets
    numbers = [f"{n}/KH-UBND" for n in range(100, 130)] + ["100/KH-UBND"]  # a repeat is counted once
    line = widgets.source_line(numbers, "01/11/2026", "vi")
    assert line.startswith("Nguồn: 100/KH-UBND, 101/KH-UBND")
    assert "107/KH-UBND và 22 văn bản khác." in line and "108/KH-UBND" not in line
    assert "and 1,022 more plans" in widgets.source_line([str(n) for n in range(1030)], None, "en")
    assert widgets.source_line(["2", "1"], None, "en") == t("source.line", "en", documents="1, 2", built_on="–")


# ---------------------------------------------------------------- one text per value (issue 17)

def _headline_values(warehouse: Path) -> pd.DataFrame:
    return _warehouse_targets(warehouse, "indicator IN ('services_growth', 'services_share_grdp') AND kind = 'target' "
                                         "AND province_code <> 'VN' AND document_implements IS NOT NULL")


def _warehouse_targets(warehouse: Path, where: str) -> pd.DataFrame:
    import duckdb
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(f"SELECT * FROM v_targets WHERE {where} ORDER BY target_id").df()
    finally:
        con.close()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_benchmark_table_cards_and_chart_state_each_value_alike(app_env, lang):
    """The national-benchmark table dropped 'khoảng/about' from the hedged ranges (30–35 %, 43–44 %, 7–8 %/năm)
    that the cards and the chart kept. Every place states a value with formatting.stated_value, fed by
    v_targets.approximate: the table, the cards and the chart's labels and hovers say the same for each target."""
    national = _warehouse_targets(app_env, "scope = 'national'")
    hedged = national[national["approximate"].astype(bool) & (national["comparator"] == "range")]
    assert len(hedged) >= 3  # 30–35 %, 43–44 %, 7–8 %/năm
    about = t("comparator.about.prefix", lang)
    at = open_home(lang)
    # the national-benchmark table
    table = next(d.value for d in at.dataframe
                 if t("col.citation", lang) in d.value.columns and len(d.value) == len(national))
    stated = {r.target_id: formatting.stated_value(r, lang) for r in national.itertuples()}
    assert sorted(table[t("col.value", lang)]) == sorted(stated.values())
    for target_id in hedged["target_id"]:
        assert stated[target_id].startswith(about) and stated[target_id] in set(table[t("col.value", lang)])
    # the cards: every provincial headline value, and the national benchmarks they quote
    headline = _warehouse_targets(app_env, "indicator IN ('services_growth', 'services_share_grdp') AND kind = 'target' "
                                           "AND (document_implements IS NOT NULL OR province_code = 'VN')")
    cards = "\n".join(card_texts(at))
    for row in headline[headline["province_code"] != "VN"].itertuples():
        assert formatting.stated_value(row, lang) in cards
    quoted = [r for r in headline[headline["province_code"] == "VN"].itertuples()
              if f"({r.document_number}, " in cards and formatting.stated_value(r, lang) in cards]
    assert any(r.target_id in set(hedged["target_id"]) for r in quoted)  # a hedged benchmark, with its 'khoảng'
    # the chart (services growth by default): each value's label and hover
    fig = figure(at)
    labels = {text.strip() for trace in fig["data"] for text in (trace.get("text") or []) if isinstance(text, str)}
    hovers = " ".join(h for trace in fig["data"] for h in (trace.get("hovertext") or []) if isinstance(h, str))
    for row in headline[headline["indicator"] == "services_growth"].itertuples():
        text = widgets.escape_html(formatting.stated_value(row, lang))
        # each row's label ends with the value as stated ('Bình Thuận · 2021–2025 · 7–7,5%/năm')
        assert any(re.sub(r"<br>\s*", " ", label).endswith(text) for label in labels), (text, labels)
        assert text in hovers


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_values_without_a_clause_say_where_they_were_read_never_none(app_env, lang):
    """A value read from a listed source (an official report, the press) has no verbatim clause and no section: the
    tables showed 'None' there, and the chart's hover '“None”'. They say where the value was read instead."""
    national = _warehouse_targets(app_env, "scope = 'national'")
    unclaused = national[national["citation"].isna()]
    assert len(unclaused)
    at = open_home(lang)
    table = next(d.value for d in at.dataframe
                 if t("col.citation", lang) in d.value.columns and len(d.value) == len(national))
    cells = [str(c) for c in table[t("col.citation", lang)]]
    assert "None" not in cells and "nan" not in cells and "" not in cells
    for row in unclaused.itertuples():
        note = formatting.source_note(row, lang)
        assert note and row.source_publisher in note and note in cells
    fig = figure(at)
    hovers = " ".join(h for trace in fig["data"] for h in (trace.get("hovertext") or []) if isinstance(h, str))
    assert "None" not in hovers


def test_the_cards_csv_has_only_translated_headers():
    """The cards' CSV said it had translated headers but ended with the internal 'target_id'."""
    from dashboard_lib.i18n import table
    rows = pd.DataFrame([{"province": "Bình Thuận", "document_number": "969/KH-UBND", "indicator_label": "Tăng trưởng",
                          "period": "2021–2025", "value_text": "7–7,5%/năm", "value_low": 7.0, "value_high": 7.5,
                          "national_text": "", "national_document": "", "national_low": None, "national_high": None,
                          "relation": "", "target_id": "BTN-969-2021-001"}])
    for lang in ("vi", "en"):
        texts = {pair[0 if lang == "vi" else 1] for pair in table().values()}
        frame = tables.headline_csv(rows, lang)
        assert set(frame.columns) <= texts and "target_id" not in frame.columns
        assert frame[t("export.col.target_id", lang)].iloc[0] == "BTN-969-2021-001"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_34_provinces_growth_targets_ranked_against_the_national_target(app_env, lang):
    """Every province with an adopted 2026–2030 GRDP growth target drawn, highest first, against the 14th
    Congress's national target; the provinces without one are named, not left out silently."""
    at = open_home(lang)
    fig = present_figure(at)
    documents = pd.read_csv(DATA / "documents.csv", dtype=str).set_index("document_id")
    growth = curated_targets().query("indicator_key == 'grdp_growth' and kind == 'target'")
    congress = growth[growth["document_id"].map(documents["province_era"]) == "34"]
    pairs = plotted_pairs(fig)
    assert sum(pairs.values()) >= len(congress) + 1
    assert (10.0, 10.0) in pairs  # the national 'at least 10 %/year' of the 14th Congress
    gaps = pd.read_csv(DATA / "coverage_gaps.csv", dtype=str)
    names = pd.read_csv(DATA / "provinces_2025.csv", dtype=str).set_index("province_2025_code")[f"name_{lang}"]
    captions = " ".join(c.value for c in at.caption).replace("\\", "")
    for code in gaps["province_2025_code"]:
        assert names[code] in captions
    hover = " ".join(str(h) for tr in fig["data"] for h in (tr.get("hovertext") or []))
    assert t("tier.official_report", lang) in hover and t("tier.press", lang) in hover


def test_each_headline_target_shows_its_verdict(app_env):
    """The verdict the ETL published sits under each value it judges, in words and a shape."""
    import duckdb
    at = open_home("en")
    cards = card_texts(at)
    with duckdb.connect(str(app_env), read_only=True) as con:
        judged = con.execute("SELECT province_name_en, status, ratio FROM v_progress WHERE target_id = "
                             "'BTN-969-2021-001'").fetchone()
    name, status, ratio = judged
    card = next(c for c in cards if c.startswith(f"{name}\n"))
    expected = t("overview.card.verdict", "en", verdict=f"{t('progress.status.' + status, 'en')}")
    assert expected.split(": ")[1] in card and f"R = {ratio:.2f}" in card


def test_counts_table_is_one_row_per_province_with_its_sectors():
    """The count of values per province, in all and by sector (a province × sector grid was 34 columns wide)."""
    sectors = pd.DataFrame({"sector_key": ["services", "tourism", "health"], "label_vi": ["Dịch vụ", "Du lịch", "Y tế"],
                            "label_en": ["Services", "Tourism", "Health"]})
    targets = pd.DataFrame({"sector": ["tourism"] * 1200 + ["services", "health"],
                            "province_name_vi": ["Đà Nẵng"] * 1200 + ["An Giang", "Đà Nẵng"]})
    frame = tables.counts_by_province(targets, sectors, "vi")
    assert list(frame.index) == ["An Giang", "Đà Nẵng", t("home.total", "vi")]  # A–Z, Vietnamese order
    values, by_sector = t("col.n_values", "vi"), t("home.counts.by_sector", "vi")
    assert list(frame[values]) == ["1", "1.201", "1.202"]  # Vietnamese thousands
    assert frame.loc["Đà Nẵng", by_sector] == "Du lịch 1.200 · Y tế 1"  # taxonomy order
    assert frame.loc[t("home.total", "vi"), by_sector] == "Dịch vụ 1 · Du lịch 1.200 · Y tế 1"
