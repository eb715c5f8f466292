"""Bản đồ / Map page (AppTest): the colours are the curated targets, provinces without a plan are grey and
say so, the 34-province view names the old provinces' plans inside merged provinces, Hoàng Sa and Trường Sa
are always drawn with their Vietnamese names, and the page falls back to the tile map without boundaries.

Expected values are computed from data/*.csv and data/targets/*.csv with the csv module, never typed in."""
from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard_lib import maps
from dashboard_lib.i18n import t

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
LANGS = ["vi", "en"]
VIEWS = ["63", "34"]
ARCHIPELAGO_HOSTS = {"hoang_sa": "48", "truong_sa": "56"}  # Đà Nẵng, Khánh Hòa


# ---------------------------------------------------------------- expectations from the curated files

def read(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def curated_targets() -> list[dict]:
    rows = []
    for path in sorted((DATA / "targets").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows += list(csv.DictReader(handle))
    return rows


PROVINCES = {r["province_code"]: r for r in read("provinces.csv")}
PROVINCES_2025 = {r["province_2025_code"]: r for r in read("provinces_2025.csv")}
DOCUMENTS = {r["document_id"]: r for r in read("documents.csv")}
PLANNED = {d["province_code"] for d in DOCUMENTS.values() if d["scope"] == "provincial"}
MERGED_2025 = {code for code, p in PROVINCES_2025.items() if p["merged"] == "true"}
# The old provinces with a plan: plans of the 63 provinces, and plans adopted since 1 July 2025 by a province that
# kept its territory (Thanh Hóa's '38' is the same unit in both eras; Lâm Đồng's '68' of 2025 is not the old one).
PLANNED_63 = {d["province_code"] for d in DOCUMENTS.values() if d["scope"] == "provincial"
              and (d.get("province_era") != "34" or d["province_code"] not in MERGED_2025)}


def mid(row: dict) -> float:
    return (float(row["value_low"]) + float(row["value_high"])) / 2


def era(row: dict) -> str:
    doc = DOCUMENTS[row["document_id"]]
    return doc.get("province_era") or ("63" if doc["issue_date"] < "2025-07-01" else "34")


def selected_rows(indicator: str, year: str, view: str = "63") -> list[dict]:
    """Provincial targets of the indicator for a year, or each unit's latest target year. The 63-province view
    shows the plans issued before the merger; in the 34-province view a province's own 2025 values replace its
    predecessors' plans."""
    rows = [r for r in curated_targets() if r["indicator_key"] == indicator and r["kind"] == "target"
            and r["province_code"] != "VN"]
    if view == "63":
        rows = [r for r in rows if era(r) == "63"]
    else:
        present = {r["province_code"] for r in rows if era(r) == "34"}
        rows = [r for r in rows if era(r) == "34" or unit_of(r["province_code"], view) not in present]
    if year == "latest":
        latest = defaultdict(int)
        for r in rows:
            unit = unit_of(r["province_code"], view, era(r))
            latest[unit] = max(latest[unit], int(r["target_year"]))
        return [r for r in rows if int(r["target_year"]) == latest[unit_of(r["province_code"], view, era(r))]]
    return [r for r in rows if r["target_year"] == year]


def national_mid(indicator: str, year: str) -> float | None:
    rows = [r for r in curated_targets() if r["indicator_key"] == indicator and r["kind"] == "target"
            and r["province_code"] == "VN" and r["target_year"] == year]
    if not rows:
        return None
    latest = max(rows, key=lambda r: (DOCUMENTS[r["document_id"]]["issue_date"], r["target_id"]))
    return mid(latest)


def unit_of(province_code: str, view: str, row_era: str = "63") -> str:
    if row_era == "34":
        return province_code
    return province_code if view == "63" else PROVINCES[province_code]["province_2025_code"]


def expected_colours(indicator: str, year: str, view: str, mode: str = "value") -> dict[str, float]:
    """Colour of every unit with a value: the value (a range at its midpoint), or the difference from the
    national target of the same year; several values → midway between the lowest and the highest."""
    numbers = defaultdict(list)
    for r in selected_rows(indicator, year, view):
        number = mid(r)
        if mode == "diff":
            bench = national_mid(indicator, r["target_year"])
            if bench is None:
                continue
            number -= bench
        numbers[unit_of(r["province_code"], view, era(r))].append(number)
    return {code: (min(v) + max(v)) / 2 for code, v in numbers.items()}


def all_units(view: str) -> set[str]:
    return set(PROVINCES) if view == "63" else set(PROVINCES_2025)


def units_without_plan(view: str) -> set[str]:
    if view == "63":
        return set(PROVINCES) - PLANNED_63
    return {code for code in PROVINCES_2025
            if not any(p["province_2025_code"] == code and p["province_code"] in PLANNED for p in PROVINCES.values())}


# ---------------------------------------------------------------- the page

def open_map(lang: str = "vi", **params: str) -> AppTest:
    """The home page first (it owns the URL until the switch), then the map page with the given URL state."""
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    for name, value in params.items():
        at.query_params[name] = value
    at.switch_page("pages/map.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def figure(at: AppTest) -> dict:
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)


def traces(fig: dict, role: str) -> list[dict]:
    return [tr for tr in fig["data"] if (tr.get("meta") or {}).get("role") == role]


def colours(fig: dict) -> dict[str, float]:
    [values] = traces(fig, "values")
    return dict(zip(values["locations"], values["z"]))


def hover_of(fig: dict, code: str) -> str:
    for trace in fig["data"]:
        if trace["type"] == "choropleth" and code in (trace.get("locations") or []) \
                and (trace.get("meta") or {}).get("role") in ("values", "status"):
            return trace["text"][trace["locations"].index(code)]
    raise AssertionError(f"no unit {code} on the map")


@pytest.fixture
def boundary_env(app_env):
    """The session warehouse; boundary-specific checks need its map tables (present in CI)."""
    import duckdb
    with duckdb.connect(str(app_env), read_only=True) as con:
        names = set(con.execute("SELECT table_name FROM information_schema.tables").df()["table_name"])
    if not set(maps.BOUNDARY_TABLES) <= names:
        pytest.skip("the test warehouse has no boundary tables (set DV2030_GEO_DIR)")
    return app_env


@pytest.fixture(scope="session")
def warehouse_without_maps(tmp_path_factory):
    from conftest import sources_dir
    from etl.warehouse import build
    target = tmp_path_factory.mktemp("no_maps") / "warehouse.duckdb"
    result = build(warehouse=target, sources_dir=sources_dir(), with_maps=False, progress=lambda message: None)
    assert result.ok, "\n".join(map(str, result.errors))
    return target


# ---------------------------------------------------------------- tests

@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("indicator, year", [("services_share_grdp", "latest"), ("services_share_grdp", "2025"),
                                             ("services_growth", "latest"), ("logistics_share_grdp", "2025")])
def test_colours_are_the_curated_targets(boundary_env, lang, view, indicator, year):
    at = open_map(lang, indicator=indicator, year=year, view=view)
    fig = figure(at)
    expected = expected_colours(indicator, year, view)
    shown = colours(fig)
    assert set(shown) == set(expected)
    for code, value in expected.items():
        assert shown[code] == pytest.approx(value), code
    meta = fig["layout"]["meta"]
    assert {k: meta[k] for k in ("view", "indicator", "year", "mode", "shape")} == {
        "view": view, "indicator": indicator, "year": year, "mode": "value", "shape": "boundary"}
    assert meta["labels_written"] <= meta["labels_wanted"] <= len(shown)
    assert fig["layout"]["separators"] == (",." if lang == "vi" else ".,")


@pytest.mark.parametrize("view", VIEWS)
def test_difference_from_the_national_target(boundary_env, view):
    at = open_map("vi", indicator="services_growth", year="latest", view=view, mode="diff")
    fig = figure(at)
    expected = expected_colours("services_growth", "latest", view, mode="diff")
    assert expected, "services growth has national targets for the provinces' years"
    shown = colours(fig)
    assert set(shown) == set(expected)
    for code, value in expected.items():
        assert shown[code] == pytest.approx(value), code
    assert fig["layout"]["coloraxis"]["cmid"] == 0
    assert fig["layout"]["coloraxis"]["cmin"] == -fig["layout"]["coloraxis"]["cmax"]


def test_difference_is_offered_only_with_a_national_target(boundary_env):
    at = open_map("en", indicator="logistics_share_grdp", year="2025", mode="diff")
    assert any(t("map.mode.diff_unavailable", "en") in i.value for i in at.info)
    assert figure(at)["layout"]["meta"]["mode"] == "value"
    [mode] = [r for r in at.radio if r.key == "map_mode"]
    assert "diff" not in mode.options and mode.value == "value"  # nothing to subtract: not offered


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("view", VIEWS)
def test_provinces_without_a_plan_are_grey_and_named_in_the_legend(boundary_env, lang, view):
    fig = figure(open_map(lang, indicator="services_share_grdp", year="latest", view=view))
    [no_plan] = [tr for tr in traces(fig, "status") if tr["meta"]["status"] == "no_plan"]
    assert set(no_plan["locations"]) == units_without_plan(view)
    assert no_plan["name"] == t("map.status.no_plan", lang) and no_plan["showlegend"]
    assert {c for s in no_plan["colorscale"] for c in s[1:]} == {maps.STATUS_COLOURS["no_plan"]}
    # Every unit is drawn exactly once, coloured or grey.
    drawn = [c for tr in traces(fig, "values") + traces(fig, "status") for c in tr["locations"]]
    assert sorted(drawn) == sorted(all_units(view))


def test_plans_without_the_value_are_told_apart_from_provinces_without_a_plan(boundary_env):
    fig = figure(open_map("vi", indicator="logistics_share_grdp", year="2025", view="63"))
    with_value = {r["province_code"] for r in selected_rows("logistics_share_grdp", "2025")}
    [no_value] = [tr for tr in traces(fig, "status") if tr["meta"]["status"] == "no_value"]
    assert set(no_value["locations"]) == PLANNED_63 - with_value
    assert no_value["name"] == t("map.status.no_value", "vi")


@pytest.mark.parametrize("lang", LANGS)
def test_merged_provinces_show_the_plans_of_their_old_provinces(boundary_env, lang):
    fig = figure(open_map(lang, indicator="services_share_grdp", year="latest", view="34"))
    name = "name_vi" if lang == "vi" else "name_en"
    for old, new in (("93", "92"), ("60", "68")):  # Hậu Giang → Cần Thơ, Bình Thuận → Lâm Đồng
        assert PROVINCES[old]["province_2025_code"] == new
        hover = hover_of(fig, new)
        plans = [d["document_number"] for d in DOCUMENTS.values() if d["province_code"] == old]
        assert PROVINCES[old][name] in hover
        assert any(number in hover for number in plans)
        for member in (p for p in PROVINCES.values() if p["province_2025_code"] == new):
            assert member[name] in hover  # every old province is named, with or without a plan
        rows = [r for r in selected_rows("services_share_grdp", "latest") if r["province_code"] == old]
        assert rows and all(r["section"] in hover for r in rows)


def test_several_values_in_one_province_are_combined_openly(boundary_env):
    """Hải Phòng's plan gives two logistics shares for 2025: both are listed and the rule is stated."""
    rows = [r for r in selected_rows("logistics_share_grdp", "2025") if r["province_code"] == "31"]
    assert len(rows) == 2
    at = open_map("en", indicator="logistics_share_grdp", year="2025", view="63")
    fig = figure(at)
    hover = hover_of(fig, "31")
    assert "not an average" in hover
    for r in rows:
        assert r["section"] in hover
    [flag] = traces(fig, "combined")
    assert flag["name"] == t("map.legend.combined", "en")
    assert any("Haiphong" in c.value or "Hải Phòng" in c.value for c in at.caption)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("view", VIEWS)
def test_hoang_sa_and_truong_sa_are_drawn_with_their_vietnamese_names(boundary_env, lang, view):
    fig = figure(open_map(lang, view=view))
    drawn = {tr["meta"]["key"]: tr for tr in traces(fig, "archipelago")}
    assert set(drawn) == set(ARCHIPELAGO_HOSTS)
    host_names = {key: (PROVINCES if view == "63" else PROVINCES_2025)[unit_of(code, view)]["name_vi"]
                  for key, code in ARCHIPELAGO_HOSTS.items()}
    assert drawn["hoang_sa"]["name"] == f"Quần đảo Hoàng Sa ({host_names['hoang_sa']})"
    assert drawn["truong_sa"]["name"] == f"Quần đảo Trường Sa ({host_names['truong_sa']})"
    [labels] = traces(fig, "archipelago_labels")
    import re
    text = " ".join(re.sub(r"<[^>]+>", "", label.replace("<br>", " ")) for label in labels["text"])  # as read
    assert "Quần đảo Hoàng Sa (Đà Nẵng)" in text and "Quần đảo Trường Sa (Khánh Hòa)" in text
    # The map's extent includes both archipelagos (Trường Sa reaches 117.9° E and 6.4° N).
    geo = fig["layout"]["geo"]
    assert geo["lonaxis"]["range"][1] >= 118 and geo["lataxis"]["range"][0] <= 6.4
    # The frames are drawn as the first trace (so plotly.js needs no world map from the internet).
    assert fig["data"][0]["type"] == "scattergeo" and fig["data"][0]["meta"]["role"] == "frames"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("view", VIEWS)
def test_tile_map_without_boundaries(warehouse_without_maps, monkeypatch, lang, view):
    monkeypatch.setenv("DV2030_WAREHOUSE", str(warehouse_without_maps))
    at = open_map(lang, indicator="services_share_grdp", year="latest", view=view, map="boundary")
    assert any(t("map.fallback.skipped", lang) in w.value.replace("\\", "") for w in at.warning)  # Markdown-escaped
    fig = figure(at)
    assert fig["layout"]["meta"]["shape"] == "tile"
    expected = expected_colours("services_share_grdp", "latest", view)
    shown = colours(fig)
    assert set(shown) == set(expected)
    for code, value in expected.items():
        assert shown[code] == pytest.approx(value)
    drawn = [c for tr in traces(fig, "values") + traces(fig, "status") for c in tr["locations"]]
    assert sorted(drawn) == sorted(all_units(view))
    assert {tr["meta"]["key"] for tr in traces(fig, "archipelago")} == set(ARCHIPELAGO_HOSTS)
    assert "Quần đảo Hoàng Sa" in " ".join(traces(fig, "archipelago_labels")[0]["text"])
    [tiles] = traces(fig, "tile_labels")
    assert len(tiles["text"]) == len(all_units(view))
    [shape] = [r for r in at.radio if r.key == "map_map"]
    assert shape.disabled and shape.value == "tile"


def test_tile_map_on_request(boundary_env):
    fig = figure(open_map("vi", view="34", map="tile"))
    assert fig["layout"]["meta"]["shape"] == "tile"
    assert set(colours(fig)) == set(expected_colours(maps.DEFAULT_INDICATOR, "latest", "34"))


def test_url_state_round_trip_and_selected_province(boundary_env):
    at = open_map("vi", indicator="services_growth", year="2025", view="34", mode="diff", map="boundary",
                  province="68")
    params = dict(at.query_params)
    assert {k: params[k] for k in ("indicator", "year", "view", "mode", "map", "province")} == {
        "indicator": "services_growth", "year": "2025", "view": "34", "mode": "diff", "map": "boundary",
        "province": "68"}
    fig = figure(at)
    [outline] = traces(fig, "selected")
    assert outline["locations"] == ["68"]
    panel = " ".join(e.value for e in at.text)
    assert PROVINCES["60"]["name_vi"] in panel  # Bình Thuận's plan inside Lâm Đồng
    documents = [d["document_number"] for d in DOCUMENTS.values() if d["province_code"] == "60"]
    assert any(number in panel for number in documents)
    # The full table lists every value of the plans behind Lâm Đồng.
    expected = sum(1 for r in curated_targets() if r["province_code"] in
                   {c for c, p in PROVINCES.items() if p["province_2025_code"] == "68"})
    assert len(at.dataframe[-1].value) == expected


def test_switching_view_keeps_the_province(boundary_env):
    at = open_map("vi", view="63", province="93")
    [view] = [r for r in at.radio if r.key == "map_view"]
    view.set_value("34").run()
    assert not at.exception
    assert at.query_params["province"] == "92"  # Hậu Giang is part of Cần Thơ since 1/7/2025
    assert traces(figure(at), "selected")[0]["locations"] == ["92"]


def test_invalid_url_values_fall_back_and_say_so(boundary_env):
    at = open_map("en", indicator="not_an_indicator", year="1999", view="99", mode="x", province="zz")
    assert any(t("state.invalid_url", "en") in i.value for i in at.info)
    meta = figure(at)["layout"]["meta"]
    assert meta["indicator"] == maps.DEFAULT_INDICATOR and meta["view"] == "34" and meta["mode"] == "value"  # the present: 34 provinces
    assert "province" not in at.query_params


def test_csv_holds_exactly_the_mapped_values(boundary_env):
    """The download's rows: one per value on the map, with the colour it gave its province."""
    import duckdb
    with duckdb.connect(str(boundary_env), read_only=True) as con:
        q = lambda sql: con.execute(sql).df()  # noqa: E731
        md = maps.map_data(q("SELECT * FROM v_targets WHERE kind = 'target'"), q("SELECT * FROM v_provinces"),
                           q("SELECT * FROM provinces_2025"),
                           q("SELECT province_code, document_number FROM documents WHERE scope = 'provincial'"),
                           q("SELECT * FROM units"), indicator="services_share_grdp", year="latest", view="34",
                           mode="value")
    frame = maps.csv_frame(md, "vi")
    rows = selected_rows("services_share_grdp", "latest", "34")
    merged = {code for code, p in PROVINCES_2025.items() if p["merged"] == "true"}
    keys = [f"{r['province_code']}-2025" if era(r) == "34" and r["province_code"] in merged else r["province_code"]
            for r in rows]  # the warehouse's key of a merged province's own values
    assert sorted(frame[t("map.csv.province_code", "vi")]) == sorted(keys)
    assert sorted(frame[t("map.csv.value_mid", "vi")]) == pytest.approx(sorted(mid(r) for r in rows))
    expected = expected_colours("services_share_grdp", "latest", "34")
    for code, colour in zip(frame[t("map.csv.unit_code", "vi")], frame[t("map.csv.colour_value", "vi")]):
        assert colour == pytest.approx(expected[code])


def test_payload_of_the_63_province_map_stays_small(boundary_env):
    spec = open_map("vi", view="63").get("plotly_chart")[0].proto.spec
    print(f"63-province map figure: {len(spec.encode()) / 1000:.0f} KB")
    assert len(spec.encode()) < 250_000


def test_geometry_is_wound_for_plotly():
    """d3-geo (Plotly) takes a counter-clockwise exterior as 'the globe minus the polygon'."""
    ccw = '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]],[[0.2,0.2],[0.2,0.8],[0.8,0.8],[0.2,0.2]]]}'
    geom = maps.plotly_geometry(ccw)
    assert maps._ring_area(geom["coordinates"][0]) < 0  # exterior clockwise
    assert maps._ring_area(geom["coordinates"][1]) > 0  # hole counter-clockwise
    assert sorted(map(tuple, geom["coordinates"][0])) == sorted(map(tuple, json.loads(ccw)["coordinates"][0]))


@pytest.mark.parametrize("view, shape, mode", [("63", "boundary", "value"), ("34", "tile", "diff")])
def test_map_figure_is_valid_plotly_and_shared_as_it_is_drawn(boundary_env, view, shape, mode):
    """The map is assembled from plain dictionaries without Plotly's validation (charts.figure_from_dicts): Plotly
    validating the same figure changes nothing; the cached (shared) figure hands out exactly that figure."""
    import os

    import plotly.graph_objects as go
    from plotly.basedatatypes import BaseFigure

    from dashboard_lib import charts, data
    stat = os.stat(boundary_env)
    version = data.WarehouseVersion(str(boundary_env), stat.st_ino, stat.st_mtime_ns)
    md = maps.cached_map_data(version, view, "services_share_grdp", maps.LATEST, mode)
    shapes = maps.cached_shapes(version, view, shape)
    selected = md.units["code"].iloc[0]
    fig = maps.map_figure(md, shapes, "en", selected=selected)
    assert json.loads(go.Figure(fig.to_dict()).to_json()) == json.loads(fig.to_json())
    shared = maps.map_figure(md, shapes, "en", selected=selected, shared=True)
    assert isinstance(shared, charts.SharedFigure)
    assert shared.to_dict() == json.loads(fig.to_json()) == json.loads(json.dumps(BaseFigure.to_dict(shared)))
    assert [trace["meta"]["role"] for trace in shared.to_dict()["data"]][-1] == "selected"


def test_colour_by_progress(boundary_env):
    """Each province coloured by its target's verdict (the least favourable of several), with the verdicts named on
    the colour bar; a target that cannot be assessed gives grey, never a colour."""
    import duckdb
    at = open_map("en", indicator="services_share_grdp", year="latest", view="63", mode="progress")
    assert not at.exception
    fig = figure(at)
    with duckdb.connect(str(boundary_env), read_only=True) as con:
        verdicts = con.execute("SELECT province_code, status FROM v_progress WHERE indicator = 'services_share_grdp' "
                               "AND province_era = '63' AND target_year = (SELECT max(target_year) FROM v_progress "
                               "p WHERE p.province_code = v_progress.province_code AND p.indicator = "
                               "'services_share_grdp')").fetchall()
    expected: dict[str, int] = {}
    for code, status in verdicts:
        if status in maps.PROGRESS_STEPS:
            expected[code] = min(expected.get(code, 9), maps.PROGRESS_STEPS[status])
    assert colours(fig) == {code: pytest.approx(step) for code, step in expected.items()}
    legend = [tr for tr in fig["data"] if (tr.get("meta") or {}).get("role") == "progress_legend"]
    assert [tr["name"] for tr in legend] == [t(f"progress.map.step{i}", "en") for i in range(5)]
    assert fig["layout"]["coloraxis"]["showscale"] is False  # named steps in the legend, no bar over the map
    grey = [tr for tr in traces(fig, "status") if tr["meta"]["status"] == "not_assessable"]
    assert grey and "60" not in grey[0]["locations"]
    assert at.query_params["mode"] in (["progress"], "progress")


def test_convert_selection_prefers_the_predecessor_with_a_plan():
    import pandas as pd
    provinces = pd.DataFrame({"province_code": ["60", "67", "68", "93", "92"],
                              "province_2025_code": ["68", "68", "68", "92", "92"]})
    assert maps.convert_selection("68", "34", "63", provinces, {"60"}) == "60"
    assert maps.convert_selection("68", "34", "63", provinces, {"60", "68"}) == "68"  # its own code first
    assert maps.convert_selection("68", "34", "63", provinces, set()) == "68"          # no plan: the same code
    assert maps.convert_selection("92", "34", "63", provinces, {"93"}) == "93"
    assert maps.convert_selection("60", "63", "34", provinces, {"60"}) == "68"


def test_csv_states_each_value_as_the_labels_do(boundary_env):
    """The map's CSV (and the workbook built from it) holds each value as its plan states it, the text the map's
    label and hover show, beside the numbers."""
    from dashboard_lib import formatting
    at = open_map("vi", indicator="services_share_grdp", year="2025", view="63")
    md = maps.cached_map_data(at.session_state["warehouse_version"], "63", "services_share_grdp", 2025, "value")
    frame = maps.csv_frame(md, "vi")
    binh_thuan = frame[frame[t("map.csv.province_code", "vi")] == "60"]
    assert list(binh_thuan[t("col.value", "vi")]) == ["khoảng 36,5–37%"]
    [labels] = traces(figure(at), "value_labels")
    stated = {r["province_code"]: formatting.stated_value(r, "vi", md.unit_symbol["vi"])
              for r in md.values.to_dict("records")}
    assert set(frame[t("col.value", "vi")]) == set(stated.values())
    assert {text.replace("<b>", "").replace("</b>", "") for text in labels["text"]} <= set(stated.values())


@pytest.mark.parametrize("lang, stated, midpoint", [("vi", "khoảng 36,5–37%", "36,75"), ("en", "about 36.5–37%", "36.75")])
def test_map_labels_a_range_with_what_the_plan_says(boundary_env, lang, stated, midpoint):
    """Bình Thuận's 'khoảng 36,5–37%' share was labelled '36,75 %', a number no plan states: the colour may come
    from the midpoint, the label and the panel say what the plan says (formatting.stated_value)."""
    at = open_map(lang, indicator="services_share_grdp", year="2025", view="63", province="60")
    fig = figure(at)
    [labels] = traces(fig, "value_labels")
    texts = [text.replace("<b>", "").replace("</b>", "") for text in labels["text"]]
    assert stated in texts
    assert not any(midpoint in text for text in texts)
    assert colours(fig)["60"] == pytest.approx(36.75)  # the colour is still the midpoint
    panel = " ".join(e.value for e in at.text)
    assert stated in panel


def test_map_labels_of_a_unit_with_several_values_list_each():
    import pandas as pd
    md = maps.MapData.__new__(maps.MapData)
    object.__setattr__(md, "mode", "value")
    object.__setattr__(md, "unit_symbol", {"vi": "%", "en": "%"})
    object.__setattr__(md, "values", pd.DataFrame([
        {"unit_code": "31", "value_low": 30.0, "value_high": 30.0, "comparator": "exact", "approximate": False},
        {"unit_code": "31", "value_low": 35.0, "value_high": 40.0, "comparator": "range", "approximate": True}]))
    assert maps.value_labels(md, ["31"], "vi") == ["30%; khoảng 35–40%"]


def test_switching_to_63_selects_the_old_province_whose_plan_was_shown(boundary_env):
    """Lâm Đồng of today lists Bình Thuận's plan; switched to the 63 provinces, the selection goes to Bình Thuận
    (its plan), not to the old Lâm Đồng, which has none ('no plan loaded')."""
    assert "68" not in PLANNED_63 and "60" in PLANNED_63 and PROVINCES["60"]["province_2025_code"] == "68"
    at = open_map("vi", indicator="services_share_grdp", view="34", province="68")
    assert PROVINCES["60"]["name_vi"] in " ".join(e.value for e in at.text)
    [view] = [r for r in at.radio if r.key == "map_view"]
    view.set_value("63").run()
    assert not at.exception
    assert at.query_params["province"] == "60"
    assert traces(figure(at), "selected")[0]["locations"] == ["60"]
    assert not any(t("map.panel.no_plan", "vi", name=PROVINCES["68"]["name_vi"]) in i.value for i in at.info)


def test_the_colour_of_a_range_is_called_its_midpoint(boundary_env):
    at = open_map("en", indicator="services_share_grdp", year="2025", view="63", province="60")
    hover = hover_of(figure(at), "60")
    assert "about 36.5–37%" in hover and t("map.hover.colour_mid", "en", value="36.75%") in hover
    panel = " ".join(e.value for e in at.text)
    assert t("map.panel.colour_mid", "en", value="36.75%") in panel


def test_reviewed_gaps_are_named_on_the_34_province_map(boundary_env):
    """A province whose adopted GRDP growth target no stored source gives is drawn as a reviewed gap, not as a
    province without a plan."""
    gaps = {r["province_2025_code"] for r in read("coverage_gaps.csv") if r["indicator_key"] == "grdp_growth"}
    at = open_map("vi", indicator="grdp_growth", year="latest", view="34")
    fig = figure(at)
    [found] = [tr for tr in traces(fig, "status") if tr["meta"]["status"] == "not_found"]
    coloured = set(colours(fig))
    assert gaps and set(found["locations"]) == gaps - coloured
    assert found["name"] == t("map.status.not_found", "vi")
    assert t("map.status.not_found.hover", "vi") in hover_of(fig, sorted(gaps - coloured)[0])


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("shape", ["boundary", "tile"])
def test_map_reads_on_a_phone_and_names_its_source_once(app_env, lang, shape):
    """On a 390 px phone the figure's title and subtitle were cut (Plotly does not wrap them), the chart's toolbar
    sat on the title, the intro pointed to "the panel on the right" (below the map on a phone) and the source line
    was shown twice, in the figure and under it. Title, subtitle and source are wrapped to a phone's width, the
    title starts below the toolbar's strip, the intro names the panel by its heading, and the source is the
    figure's own only (exports keep it)."""
    import re
    from dashboard_lib import charts
    at = open_map(lang, map=shape)
    fig = figure(at)
    layout = fig["layout"]
    title = layout["title"]
    for text, limit in ((title["text"], charts.TITLE_CHARS), (title["subtitle"]["text"], charts.SUBTITLE_CHARS),
                        (layout["annotations"][0]["text"], charts.SOURCE_CHARS)):
        lines = [re.sub(r"<[^>]+>", "", line) for line in text.split("<br>")]
        assert all(len(line) <= limit for line in lines), lines
    assert title["yref"] == "container" and title["yanchor"] == "top"
    assert (1 - title["y"]) * layout["height"] >= maps.TOOLBAR - 0.5  # the toolbar's strip is kept free
    assert layout["margin"]["t"] >= maps.TOOLBAR + 24 * (title["text"].count("<br>") + 1)
    source = layout["annotations"][0]["text"].replace("<br>", " ")
    captions = [c.value for c in at.caption]
    assert not any(source.split(".")[0] in caption.replace("\\", "") for caption in captions), captions
    intro = t("map.intro", lang, panel=t("map.panel.title", lang))
    assert intro in captions and t("map.panel.title", lang) in intro
    assert "right" not in intro and "phải" not in intro


@pytest.mark.parametrize("view", VIEWS)
def test_english_names_provinces_one_way_without_diacritics(app_env, view):
    """English names dropped diacritics in some places ('Binh Thuan', 'Haiphong') and kept them in others
    ('Lai Chau (Lai Châu)' in the hover, 'Cát Bà (Hải Phòng)' in the caveat). One convention for English: the
    names of data/provinces*.csv name_en, without diacritics, everywhere on the map page. Only the archipelagos
    keep their Vietnamese names (beside the English ones) and document numbers stay as issued."""
    import re
    vietnamese = {r["name_vi"] for r in read("provinces.csv") + read("provinces_2025.csv")
                  if r["name_vi"] != r["name_en"]}
    at = open_map("en", view=view, province="60" if view == "63" else "68")
    fig = figure(at)
    texts = [json.dumps(trace.get(key), ensure_ascii=False) for trace in fig["data"]
             if (trace.get("meta") or {}).get("role") not in ("archipelago", "archipelago_labels")
             for key in ("text", "hovertext", "customdata")]
    texts += [a["text"] for a in fig["layout"]["annotations"]]
    texts += [c.value for c in at.caption] + [str(x.value) for x in at.text] + [m.value for m in at.markdown]
    blob = re.sub(r"(NQ ĐH|Quần đảo) [^,.<\"]+", "", "\n".join(texts))  # document numbers, archipelago names
    assert not [name for name in vietnamese if name in blob]


# ---------------------------------------------------------------- the counts under the map add up

def _counted(sentence: str) -> tuple[int, list[int]]:
    """(the total the sentence states, the count of each of its parts)."""
    import re
    plain = re.sub(r"\([^)]*\)", "", sentence.split(". ")[0])  # the first sentence, without the named gaps
    total = int(re.search(r"\d+", plain).group())
    head, _, parts = plain.partition(": ")
    return total, [int(n) for n in re.findall(r"(?:^|, )(\d+) ", parts)]


@pytest.mark.parametrize("lang", LANGS)
def test_counts_under_the_34_province_map_add_up_and_name_the_reviewed_gaps(boundary_env, lang):
    """The sentence said '28 have a value, 0 have a plan without this value, 0 have no plan loaded (of 34)' while
    the legend showed 6 reviewed gaps: the parts must add up to the 34 provinces and name the gaps."""
    gaps = {r["province_2025_code"] for r in read("coverage_gaps.csv") if r["indicator_key"] == "grdp_growth"}
    names = {r["province_2025_code"]: r[f"name_{lang}"] for r in read("provinces_2025.csv")}
    at = open_map(lang, indicator="grdp_growth", year="latest", view="34")
    coloured = set(colours(figure(at)))
    [sentence] = [c.value.replace("\\", "") for c in at.caption
                  if c.value.replace("\\", "").startswith(t("map.count.sentence", lang, total=34, parts="")[:-1])]
    total, parts = _counted(sentence)
    assert total == 34 and sum(parts) == 34, sentence
    reviewed = sorted(gaps - coloured)
    assert reviewed and str(len(reviewed)) in sentence
    assert t("map.count.not_found.named", lang, n=len(reviewed), names="").split("{")[0][:20] in sentence
    assert all(names[code] in sentence for code in reviewed), sentence


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("mode", ["value", "diff", "progress"])
@pytest.mark.parametrize("indicator", ["grdp_growth", "services_share_grdp"])
def test_counts_add_up_in_every_view_and_colour_mode(boundary_env, lang, view, mode, indicator):
    """Every status the map draws (the greys of difference and progress included) is counted once."""
    from dashboard_lib import data
    version = data.current_version()
    md = maps.cached_map_data(version, view, indicator, "latest", mode)
    total, parts = _counted(maps.summary_text(md, lang))
    assert total == len(md.units) == sum(parts) == (63 if view == "63" else 34)
    counts = md.units["status"].value_counts()
    assert parts[0] == counts.get("value", 0)  # the coloured units first
    if counts.get("not_found", 0):
        assert all(name in maps.summary_text(md, lang)
                   for name in md.units.loc[md.units["status"] == "not_found", f"name_{lang}"])


@pytest.mark.parametrize("lang", LANGS)
def test_indicator_options_count_the_provinces_of_the_view_shown(boundary_env, lang):
    """The option read '(28 tỉnh)' in both views: a count mixing the plans of both eras. Each view's option counts
    the units it colours (the latest target of each)."""
    from dashboard_lib import data
    version = data.current_version()
    choices = maps.cached_choices(version, lang)
    for view in VIEWS:
        for indicator in ("grdp_growth", "services_share_grdp"):
            md = maps.cached_map_data(version, view, indicator, "latest", "value")
            n = int((md.units["status"] == "value").sum())
            label = choices["labels"][view][indicator]
            key = "map.indicator.option_one" if n == 1 else "map.indicator.option"
            assert label == t(key, lang, label=md.indicator_label[lang], n=n), (view, label, n)


def test_value_labels_are_placed_apart_and_east_of_the_land():
    """map_labels.place: labels of neighbouring provinces get boxes that do not overlap, east of the coast of
    their band, inside the map, clear of the obstacles; one with no room is left out."""
    from dashboard_lib import map_labels
    square = {"type": "Polygon", "coordinates": [[[104, 10], [106, 10], [106, 20], [104, 20], [104, 10]]]}
    edges = map_labels.east_edges([square])
    anchors = {"a": (105.0, 15.0), "b": (105.0, 15.1), "c": (105.0, 14.9)}
    texts = {"a": "<b>10%</b>", "b": "<b>khoảng 12,5%</b>", "c": "<b>8–9%</b>"}
    obstacle = (106.0, 12.0, 118.0, 13.0)
    placed, left_out = map_labels.place(anchors, texts, edges, [obstacle], (102.0, 118.3), (6.1, 23.6))
    assert {p.code for p in placed} == {"a", "b", "c"} and not left_out
    boxes = []
    for p in placed:
        width, height = map_labels.text_box_px(texts[p.code])
        half = height / 2 * 0.97 / map_labels.PHONE_SCALE
        box = (p.lon, p.lat - half, p.lon + width / map_labels.PHONE_SCALE, p.lat + half)
        assert box[0] > 106.0 and box[2] <= 118.3  # east of the land
        assert not map_labels._overlaps(box, obstacle)
        boxes.append(box)
    assert not any(map_labels._overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    # no room at all (the sea east of the land is one obstacle): left out, not drawn on the land
    placed, left_out = map_labels.place(anchors, texts, edges, [(106.0, 6.0, 119.0, 24.0)], (102.0, 118.3),
                                        (6.1, 23.6))
    assert placed == [] and sorted(left_out) == ["a", "b", "c"]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_page_says_when_some_value_labels_found_no_room(boundary_env, lang):
    """GRDP per capita in the 34 provinces: more values than room east of the coast. The labels left out are not
    dropped silently: the page says how many are written, and that every value is in the hover, panel and CSV."""
    at = open_map(lang, indicator="grdp_per_capita", view="34")
    fig = figure(at)
    [labels] = traces(fig, "value_labels")
    [coloured] = traces(fig, "values")
    written, wanted = len(labels["text"]), len(coloured["locations"])
    assert 0 < written < wanted
    note = t("map.labels.partial", lang, written=written, wanted=wanted)
    assert note in [c.value for c in at.caption]
    # where every label fits, nothing is said
    at = open_map(lang, indicator="services_share_grdp", year="2025", view="63")
    fig = figure(at)
    assert len(traces(fig, "value_labels")[0]["text"]) == len(traces(fig, "values")[0]["locations"])
    assert not any(c.value.startswith(t("map.labels.partial", lang, written=0, wanted=0)[:12]) for c in at.caption)
