"""Bản đồ / Map: the values behind the province map and the Plotly figures that draw them.

Three layers, so that the page stays thin and the export feature can reuse the figures:

- queries (cached per warehouse version through `data.query`): targets, provinces, the boundary tables built by
  etl/geo.py (map_provinces_63, map_provinces_34, map_archipelagos, map_source) and the curated tile grids
  (map_tile_grid_63, map_tile_grid_34). Nothing here reads files or computes geometry.
- `map_data(...)`: pure pandas. One row per map unit (63 provinces as the plans were issued, or the 34 provinces
  since 1 July 2025) with its colour value and status, and one row per target value behind it.
- `map_figure(map_data, shapes, lang)`: pure. A Plotly figure with title, subtitle, unit, legend for the provinces
  without data, Hoàng Sa and Trường Sa labelled with their Vietnamese names, and the source as an annotation.
- cached entry points for the page (`cached_*`): the controls' choices, the map data, texts and figure of each
  selection, the selected province's values; computed once per (warehouse, selection, language).

Combining values is never silent: a unit with one value is coloured by it (a range at its midpoint); a unit with
several values (two old provinces of a merged province, or a plan that states two figures) is coloured at the
midpoint between its lowest and highest value, the hover says so and lists every value with its plan, and a
marker on the map flags it.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st
from plotly.colors import sample_colorscale

from . import data, formatting, map_counts, map_labels
from .charts import SOURCE_CHARS, SUBTITLE_CHARS, TITLE_CHARS, figure_from_dicts, wrap_lines
from .i18n import t
from .widgets import escape_html, escape_markdown, source_line

VIEWS = ("63", "34")
MODES = ("value", "diff", "progress")
# Colour by progress: each verdict (dashboard_lib.progress) as a step from moving away to met. A unit with several
# targets takes its least favourable verdict; a target that cannot be assessed gives no colour.
PROGRESS_STEPS = {"not_met": 0, "moving_away": 0, "limited_progress": 1, "acceleration_needed": 2, "on_track": 3,
                  "met": 4, "met_within_range": 4, "target_achieved": 4}
PROGRESS_SCALE = ("#b2182b", "#f4a582", "#d1e5f0", "#67a9cf", "#2166ac")  # ColorBrewer RdBu: readable when printed grey
PROGRESS_LABELS = ("progress.map.step0", "progress.map.step1", "progress.map.step2", "progress.map.step3",
                   "progress.map.step4")
SHAPES = ("boundary", "tile")
LATEST = "latest"
NATIONAL = data.NATIONAL_CODE
DEFAULT_INDICATOR = "grdp_growth"  # every one of the 34 provinces' 2025 congresses set one
ARCHIPELAGO_KEYS = ("hoang_sa", "truong_sa")
BOUNDARY_TABLES = ("map_provinces_63", "map_provinces_34", "map_archipelagos")
PERCENT_UNITS = ("pct", "pct_per_year")

# Colour-blind-safe scales: viridis (light = low, dark = high) and purple–orange diverging around zero.
SEQUENTIAL = ["#fde725", "#b5de2b", "#6ece58", "#35b779", "#1f9e89", "#26828e", "#31688e", "#3e4989",
              "#482878", "#440154"]
DIVERGING = ["rgb(179,88,6)", "rgb(224,130,20)", "rgb(253,184,99)", "rgb(254,224,182)", "rgb(247,247,247)",
             "rgb(216,218,235)", "rgb(178,171,210)", "rgb(128,115,172)", "rgb(84,39,136)"]
# Provinces without a colour value: three greys, each named in the legend.
STATUS_COLOURS = {"no_plan": "#dcdcdc", "no_value": "#b4b4b4", "no_benchmark": "#8c8c8c", "not_assessable": "#9a9a9a",
                  "not_found": "#f0e6c8"}
STATUS_ORDER = ("no_value", "not_found", "no_benchmark", "not_assessable", "no_plan")
BORDER = "#ffffff"
SELECTED_BORDER = "#111111"
TEXT_DARK, TEXT_LIGHT = "#1a1a1a", "#ffffff"

# Boundary map: mainland plus both archipelagos (Trường Sa reaches 117.9° E and 6.4° N).
BOUNDARY_LON = (102.0, 118.3)
BOUNDARY_LAT = (6.1, 23.6)
# The map neither zooms nor pans (the extent is fixed so that the archipelagos stay in view): only the
# image download stays in Plotly's toolbar.
TOOLBAR = 34  # pixels at the figure's top kept free for the chart's toolbar (over the title on a phone before)
MODEBAR_REMOVE = ["zoomInGeo", "zoomOutGeo", "resetGeo", "hoverClosestGeo", "pan2d", "select2d", "lasso2d"]
MAX_VALUE_LABELS = 15  # more coloured provinces than this: values only in the hover, labels would collide
LEGEND_ROW = 20  # pixels per legend entry (12 px text) where the legend has rows of its own
TILE_SIZE = 0.9
# (view, code) of the tiles written in a short form (translations map.tile.short.*; the hover has the full name)
TILE_SHORT = frozenset({("63", "31"), ("34", "31"), ("63", "46"), ("63", "77"), ("63", "79"), ("34", "79")})
TILE_FONT = {"63": 7, "34": 9}  # px: a tile is about 24 (63) or 30 (34) px wide on a 390 px phone  # of a 1 × 1 cell: the gap shows the page background between tiles


# =====================================================================================================
# Queries (read-only, cached per warehouse version)
# =====================================================================================================

def has_table(version, name: str) -> bool:
    frame = data.query(version, "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = ?", (name,))
    return int(frame.iloc[0, 0]) > 0


def boundary_status(version) -> tuple[bool, str]:
    """(whether the boundary tables are in the warehouse, what the build said about them)."""
    available = all(has_table(version, name) for name in BOUNDARY_TABLES)
    reason = data.build_info(version).get("maps")
    return available, "" if reason is None or (isinstance(reason, float) and math.isnan(reason)) else str(reason)


def tiles_available(version) -> bool:
    """The tile grid tables (a warehouse built before they existed lacks them until it is rebuilt)."""
    return has_table(version, "map_tile_grid_63") and has_table(version, "map_tile_grid_34")


def boundary_source(version) -> dict:
    if not has_table(version, "map_source"):
        return {}
    frame = data.query(version, "SELECT * FROM map_source")
    return frame.iloc[0].to_dict() if len(frame) else {}


def geometry(version, view: str) -> pd.DataFrame:
    """code, geojson (geometry text), label_lon, label_lat of every unit of the view."""
    table, code = ("map_provinces_63", "province_code") if view == "63" else ("map_provinces_34", "province_2025_code")
    return data.query(version, f"SELECT {code} AS code, geojson, label_lon, label_lat FROM {table} ORDER BY code")


def archipelagos(version) -> pd.DataFrame:
    return data.query(version, "SELECT * FROM map_archipelagos ORDER BY archipelago_key")


def tile_grid(version, view: str) -> pd.DataFrame:
    """code, tile_row, tile_col (empty frame when the warehouse predates the tile grid tables)."""
    table, code = ("map_tile_grid_63", "province_code") if view == "63" else ("map_tile_grid_34", "province_2025_code")
    if not has_table(version, table):
        return pd.DataFrame(columns=["code", "tile_row", "tile_col"])
    return data.query(version, f"SELECT {code} AS code, tile_row, tile_col FROM {table} ORDER BY code")


def provinces(version) -> pd.DataFrame:
    return data.query(version, "SELECT * FROM v_provinces ORDER BY province_code")


def provinces_2025(version) -> pd.DataFrame:
    return data.query(version, "SELECT * FROM provinces_2025 ORDER BY province_2025_code")


def plan_documents(version) -> pd.DataFrame:
    """The provincial plans loaded (a province without one is 'no plan'): province_code is the plan's province key
    of its era (v_province_keys: '60' for Bình Thuận's 2021 plan, '68-2025' for the Lâm Đồng of today's, so that a
    plan adopted since the merger is never taken for one of the old Lâm Đồng), province_2025_code the province of
    today it belongs to, document_number."""
    return data.query(version, "SELECT province_key AS province_code, province_2025_code, document_number "
                               "FROM v_documents WHERE scope = 'provincial' "
                               "ORDER BY province_code, issue_date, document_number")


def units_reference(version) -> pd.DataFrame:
    return data.query(version, "SELECT unit_key, symbol_vi, symbol_en, label_vi, label_en FROM units")


def built_on(version) -> str:
    return data.build_date(version)


def archipelago_reference(version) -> pd.DataFrame:
    """Hoàng Sa and Trường Sa with their host provinces; from the warehouse, or from etl.geo when the boundary
    tables are absent (the tile map still draws them)."""
    if has_table(version, "map_archipelagos"):
        frame = archipelagos(version)
        return frame[["archipelago_key", "name_vi", "name_en", "province_code", "province_2025_code"]]
    from etl.geo import ARCHIPELAGOS  # the curated names and hosts, no geometry
    successor = dict(zip(provinces(version)["province_code"], provinces(version)["province_2025_code"]))
    return pd.DataFrame([{"archipelago_key": key, "name_vi": spec["name_vi"], "name_en": spec["name_en"],
                          "province_code": spec["province_code"],
                          "province_2025_code": successor.get(spec["province_code"])}
                         for key, spec in ARCHIPELAGOS.items()])


# =====================================================================================================
# Choices offered on the page (pure)
# =====================================================================================================

def default_indicator(options: pd.DataFrame) -> str | None:
    if options.empty:
        return None
    keys = list(options["indicator"])
    return DEFAULT_INDICATOR if DEFAULT_INDICATOR in keys else keys[0]


# =====================================================================================================
# The values behind the map (pure)
# =====================================================================================================

@dataclass(frozen=True)
class MapData:
    """Everything a map figure, its CSV and its source line need; built by `map_data`."""
    view: str
    indicator: str
    year: int | str  # a target year or LATEST
    mode: str
    indicator_label: dict[str, str]
    unit_symbol: dict[str, str]
    diff_unit_symbol: dict[str, str]
    units: pd.DataFrame    # one row per map unit: code, name_vi, name_en, members, status, z, combined, n_values
    values: pd.DataFrame   # one row per target value behind the map, with its benchmark and colour number
    members: pd.DataFrame  # old provinces: province_code, name_vi, name_en, unit_code, planned
    built_on: str = ""     # the build date, ISO (shown in the reader's format: source_parts)
    documents: tuple[str, ...] = field(default_factory=tuple)
    plan_documents: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["province_code", "province_2025_code", "document_number"]))  # every provincial plan (plan_documents)


def _symbol(units_ref: pd.DataFrame, unit_key: str) -> dict[str, str]:
    row = units_ref[units_ref["unit_key"] == unit_key]
    if row.empty:
        return {"vi": "", "en": ""}
    return {lang: ("" if pd.isna(row.iloc[0][f"symbol_{lang}"]) else str(row.iloc[0][f"symbol_{lang}"]))
            for lang in ("vi", "en")}


def _benchmarks(national: pd.DataFrame) -> pd.DataFrame:
    """One national value per target year: when two national plans set the same year, the later plan wins."""
    if national.empty:
        return pd.DataFrame({"target_year": pd.Series(dtype="int64"),
                             **{c: pd.Series(dtype="float64") for c in ("benchmark_low", "benchmark_high",
                                                                        "benchmark_mid", "benchmark_period_start",
                                                                        "benchmark_period_end")},
                             **{c: pd.Series(dtype="str") for c in ("benchmark_comparator", "benchmark_document",
                                                                    "benchmark_section", "benchmark_target_id")},
                             "benchmark_approximate": pd.Series(dtype="boolean")})
    ordered = national.sort_values(["target_year", "document_issue_date", "target_id"])
    latest = ordered.groupby("target_year", as_index=False).tail(1)
    return pd.DataFrame({
        "target_year": latest["target_year"].astype("int64"),
        "benchmark_low": latest["value_low"], "benchmark_high": latest["value_high"],
        "benchmark_mid": latest["value_mid"], "benchmark_comparator": latest["comparator"],
        "benchmark_period_start": latest["period_start"], "benchmark_period_end": latest["period_end"],
        "benchmark_document": latest["document_number"], "benchmark_section": latest["section"],
        "benchmark_target_id": latest["target_id"], "benchmark_approximate": latest["approximate"],
    })


def map_units(view: str, provinces_df: pd.DataFrame, provinces_2025_df: pd.DataFrame) -> pd.DataFrame:
    """The units of a view: code, name_vi, name_en, members (tuple of 63-province codes)."""
    if view == "63":
        return pd.DataFrame({"code": provinces_df["province_code"], "name_vi": provinces_df["name_vi"],
                             "name_en": provinces_df["name_en"],
                             "members": [(c,) for c in provinces_df["province_code"]],
                             "province_2025_code": provinces_df["province_2025_code"]}).reset_index(drop=True)
    members = provinces_df.groupby("province_2025_code")["province_code"].agg(tuple)
    return pd.DataFrame({"code": provinces_2025_df["province_2025_code"], "name_vi": provinces_2025_df["name_vi"],
                         "name_en": provinces_2025_df["name_en"],
                         "members": [members.get(c, ()) for c in provinces_2025_df["province_2025_code"]],
                         "province_2025_code": provinces_2025_df["province_2025_code"]}).reset_index(drop=True)


def select_values(targets: pd.DataFrame, indicator: str, year: int | str, view: str = "63") -> pd.DataFrame:
    """Provincial values of one indicator for one target year, or each province's latest target year.

    The 63-province view shows the plans issued before 1 July 2025 only. The 34-province view is the present: a
    province's values adopted since the merger (its 2025 congress) colour it; a province with none shows the plans
    of the provinces it was formed from, as before (marked as such in its hover and panel)."""
    rows = targets[(targets["indicator"] == indicator) & (targets["province_code"] != NATIONAL)]
    if "province_era" in rows:
        if view == "63":
            rows = rows[rows["province_era"] != "34"]
        else:
            present = set(rows.loc[rows["province_era"] == "34", "province_2025_code"])
            rows = rows[(rows["province_era"] == "34") | ~rows["province_2025_code"].isin(present)]
        key = "province_code" if view == "63" else "province_2025_code"
        if year == LATEST:
            latest = rows.groupby(key)["target_year"].transform("max")
            rows = rows[rows["target_year"] == latest]
        else:
            rows = rows[rows["target_year"] == int(year)]
        return rows.reset_index(drop=True)
    if year == LATEST:
        latest = rows.groupby("province_code")["target_year"].transform("max")
        rows = rows[rows["target_year"] == latest]
    else:
        rows = rows[rows["target_year"] == int(year)]
    return rows.reset_index(drop=True)


def map_data(targets: pd.DataFrame, provinces_df: pd.DataFrame, provinces_2025_df: pd.DataFrame,
             planned: pd.DataFrame, units_ref: pd.DataFrame, *, indicator: str, year: int | str,
             view: str, mode: str, built_on: str = "", not_found: frozenset = frozenset()) -> MapData:
    """Colour value and status of every map unit, and the values behind them.

    `not_found`: the provinces of today whose adopted target for this indicator no stored source gives (the reviewed
    gaps of data/coverage_gaps.csv): in the 34-province view they say so instead of 'no value'.

    status: 'value' (coloured), 'no_plan' (no plan of the unit's provinces is loaded), 'no_value' (a plan is
    loaded but sets no value for this indicator and year), 'no_benchmark' (difference mode: no national target
    for that year). `planned`: the provincial plans loaded (province_code, document_number)."""
    if "province_2025_code" not in planned:  # a frame of 63-province plans only (tests, older callers)
        successor = dict(zip(provinces_df["province_code"], provinces_df["province_2025_code"]))
        planned = planned.assign(province_2025_code=planned["province_code"].map(successor))
    plan_documents = planned[["province_code", "province_2025_code", "document_number"]].reset_index(drop=True)
    planned = frozenset(plan_documents["province_code"])
    planned_today = frozenset(plan_documents["province_2025_code"].dropna())  # plans of either era, by today's unit
    national = targets[(targets["indicator"] == indicator) & (targets["province_code"] == NATIONAL)]
    bench = _benchmarks(national)
    values = select_values(targets, indicator, year, view)
    values = values.assign(target_year=values["target_year"].astype("int64"))
    values = values.merge(bench, on="target_year", how="left")
    values["unit_code"] = values["province_code"] if view == "63" else values["province_2025_code"]
    values["difference"] = values["value_mid"] - values["benchmark_mid"]
    if mode == "progress":
        status = values["progress_status"] if "progress_status" in values else pd.Series(None, index=values.index)
        values["colour_number"] = status.map(PROGRESS_STEPS).astype("float64")
    else:
        values["colour_number"] = values["difference"] if mode == "diff" else values["value_mid"]

    units = map_units(view, provinces_df, provinces_2025_df)
    # Only what the view draws: a plan adopted since the merger ('68-2025') has no unit among the 63 provinces, and
    # its values are neither listed in the CSV nor named in the source line of a map that does not show them.
    values = values[values["unit_code"].isin(set(units["code"]))].reset_index(drop=True)
    # Each unit's values, grouped in one pass (a filter of the values per unit cost ~1 ms each).
    counted: dict[str, int] = {}
    numbers_of: dict[str, list[float]] = {}
    for code, number in zip(values["unit_code"], values["colour_number"]):
        counted[code] = counted.get(code, 0) + 1
        if _present(number):
            numbers_of.setdefault(code, []).append(float(number))
    statuses, zs, combined, counts = [], [], [], []
    for code, unit_members in zip(units["code"], units["members"]):
        numbers = numbers_of.get(code, [])
        counts.append(counted.get(code, 0))
        if not counted.get(code):
            has_plan = any(m in planned for m in unit_members) or (view == "34" and code in planned_today)
            statuses.append("not_found" if view == "34" and code in not_found else
                            "no_value" if has_plan else "no_plan")
            zs.append(math.nan)
            combined.append(False)
        elif not numbers:
            statuses.append("not_assessable" if mode == "progress" else "no_benchmark")
            zs.append(math.nan)
            combined.append(False)
        else:
            statuses.append("value")
            zs.append(min(numbers) if mode == "progress" else
                      numbers[0] if len(numbers) == 1 else (min(numbers) + max(numbers)) / 2)
            combined.append(len(numbers) > 1)
    units = units.assign(status=statuses, z=zs, combined=combined, n_values=counts)

    members = provinces_df[["province_code", "name_vi", "name_en", "province_2025_code", "province_2025_name_vi",
                            "province_2025_name_en"]].copy()
    members["merged_2025"] = members.groupby("province_2025_code")["province_code"].transform("size") > 1
    members["unit_code"] = members["province_code"] if view == "63" else members["province_2025_code"]
    members["planned"] = members["province_code"].isin(planned)

    first = targets[targets["indicator"] == indicator].head(1)
    label = {lang: (str(first.iloc[0][f"indicator_label_{lang}"]) if len(first) else indicator) for lang in ("vi", "en")}
    unit_key = str(first.iloc[0]["unit"]) if len(first) else ""
    unit_symbol = _symbol(units_ref, unit_key)
    diff_symbol = _symbol(units_ref, "pct_points") if unit_key in PERCENT_UNITS else unit_symbol
    docs = list(values["document_number"])
    if mode == "diff" or values["benchmark_document"].notna().any():
        docs += list(values["benchmark_document"].dropna())
    return MapData(view=view, indicator=indicator, year=year, mode=mode, indicator_label=label,
                   unit_symbol=unit_symbol, diff_unit_symbol=diff_symbol, units=units, values=values,
                   members=members.reset_index(drop=True), built_on=built_on,
                   documents=tuple(sorted(dict.fromkeys(docs))), plan_documents=plan_documents)


# =====================================================================================================
# Text: hover, legend, titles, CSV, side panel (pure)
# =====================================================================================================

_e = escape_html  # data text inside Plotly's hover and labels, in dozens of places


def _present(value: object) -> bool:
    return not (value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA)


def unit_name(row, lang: str) -> str:
    """Name in the reader's language. English names are written without diacritics everywhere ('Binh Thuan',
    'Haiphong', as the government's English portals write them): the Vietnamese spelling is never added beside
    them, or one page would spell a province two ways."""
    return str(row["name_vi"] if lang == "vi" else row["name_en"])


def number_text(value: float, lang: str, signed: bool = False) -> str:
    text = formatting.number(abs(value) if signed else value, lang)
    if signed:
        return ("+" if value > 0 else "−" if value < 0 else "±") + text
    return text


def value_text(row, lang: str, symbol: str) -> str:
    """A value as its plan states it (formatting.stated_value, the one formatter of the dashboard)."""
    return formatting.stated_value(row, lang, symbol)


def year_label(row) -> str:
    return formatting.year_text(row["target_year"], row.get("period_start"), row.get("period_end"))


def benchmark_text(row, lang: str, symbol: str) -> str:
    core = formatting.stated_value({"value_low": row["benchmark_low"], "value_high": row["benchmark_high"],
                                    "comparator": row["benchmark_comparator"],
                                    "approximate": row["benchmark_approximate"]}, lang, symbol)
    period = formatting.year_text(row["target_year"], row.get("benchmark_period_start"), row.get("benchmark_period_end"))
    return t("map.hover.benchmark", lang, value=_e(core), year=period, document=_e(row["benchmark_document"]))


def value_labels(md: MapData, codes: list[str], lang: str) -> list[str]:
    """What the map writes beside each coloured unit: its value as the plan states it ('khoảng 36,5–37%'), never
    the midpoint the colour is taken from; a unit with several values lists each. In difference mode the label is
    the difference the colour shows (the hover gives the values as stated)."""
    if md.mode in ("diff", "progress"):  # progress: the verdict's shape only (its words are in the legend)
        z = dict(zip(md.units["code"], md.units["z"]))
        texts = [colour_text(md, z[code], lang) for code in codes]
        return [text.split(" ", 1)[0] for text in texts] if md.mode == "progress" else texts
    symbol = md.unit_symbol[lang]
    stated: dict[str, list[str]] = {}
    for row in md.values.to_dict("records"):
        text = value_text(row, lang, symbol)
        mine = stated.setdefault(row["unit_code"], [])
        if text not in mine:
            mine.append(text)
    return ["; ".join(stated.get(code, [])) for code in codes]


def colour_text(md: MapData, z: float, lang: str) -> str:
    if md.mode == "progress":
        return t(PROGRESS_LABELS[int(round(z))], lang)
    if md.mode == "diff":
        return formatting.with_unit(number_text(z, lang, signed=True), md.diff_unit_symbol[lang])
    return formatting.with_unit(number_text(z, lang), md.unit_symbol[lang])


def _grouped(frame: pd.DataFrame, column: str) -> dict[object, list[dict]]:
    """The rows of `frame` as dictionaries, grouped by `column` (in frame order)."""
    groups: dict[object, list[dict]] = {}
    for row in frame.to_dict("records"):
        groups.setdefault(row[column], []).append(row)
    return groups


def unit_hover(md: MapData, lang: str) -> dict[str, str]:
    """Hover text of every unit: name, merged provinces, each value with unit, comparator, plan and clause,
    the national benchmark, and how the colour was obtained."""
    symbol = md.unit_symbol[lang]
    members_of = _grouped(md.members, "unit_code")
    values_of = _grouped(md.values, "unit_code")
    member = {row["province_code"]: row for row in md.members.to_dict("records")}
    texts = {}
    for unit in md.units.to_dict("records"):
        lines = [f"<b>{_e(unit_name(unit, lang))}</b>"]
        members = members_of.get(unit["code"], [])
        merged = md.view == "34" and len(members) > 1
        if merged:
            names = ", ".join(_e(m["name_vi"] if lang == "vi" else m["name_en"]) for m in members)
            lines.append(t("map.hover.members", lang, names=names))
        rows = values_of.get(unit["code"], [])
        for row in rows:
            who = ""
            if merged:
                who = _e(row["province_name_vi"] if lang == "vi" else row["province_name_en"]) + ": "
            lines.append(f"{who}<b>{_e(value_text(row, lang, symbol))}</b> ({_e(year_label(row))})")
            section = formatting.section_text(row["section"])
            lines.append("&nbsp;&nbsp;" + (t("map.hover.document", lang, document=_e(row["document_number"]),
                                             section=_e(section)) if section else _e(row["document_number"])))
            if _present(row.get("benchmark_mid")):
                lines.append("&nbsp;&nbsp;" + benchmark_text(row, lang, symbol))
                if md.mode == "diff":
                    diff = formatting.with_unit(number_text(row["difference"], lang, signed=True), md.diff_unit_symbol[lang])
                    lines.append("&nbsp;&nbsp;" + t("map.hover.difference", lang, value=_e(diff)))
            elif md.mode == "diff":
                lines.append("&nbsp;&nbsp;" + t("map.hover.no_benchmark", lang, year=row["target_year"]))
        if merged:
            with_values = {row["province_code"] for row in rows}
            without = [m for m in members if m["province_code"] not in with_values]
            planned = [m for m in without if m["planned"]]
            unplanned = [m for m in without if not m["planned"]]
            if planned:
                names = ", ".join(_e(m[f"name_{lang}"]) for m in planned)
                lines.append(t("map.hover.members_no_value", lang, names=names))
            if unplanned:
                names = ", ".join(_e(m[f"name_{lang}"]) for m in unplanned)
                lines.append(t("map.hover.members_no_plan", lang, names=names))
        status = unit["status"]
        if status == "value":
            z = colour_text(md, unit["z"], lang)
            if unit["combined"]:
                numbers = [row["colour_number"] for row in rows if _present(row["colour_number"])]
                low = colour_text(md, float(min(numbers)), lang)
                high = colour_text(md, float(max(numbers)), lang)
                lines.append(t("map.hover.combined", lang, value=_e(z), low=_e(low), high=_e(high), n=len(numbers)))
            else:
                ranged = any(row["value_low"] != row["value_high"] for row in rows) and md.mode != "diff"
                lines.append(t("map.hover.colour_mid" if ranged else "map.hover.colour", lang, value=_e(z)))
        elif status == "no_plan":
            lines.append(t("map.status.no_plan.hover", lang))
        elif status == "no_value":
            lines.append(t("map.status.no_value.hover", lang))
        elif status == "not_assessable":
            lines.append(t("map.status.not_assessable.hover", lang))
        elif status == "not_found":
            lines.append(t("map.status.not_found.hover", lang))
        if md.view == "63":
            own = member.get(unit["code"])
            if own is not None and own["merged_2025"]:
                lines.append(t("map.hover.since_2025", lang, name=_e(own[f"province_2025_name_{lang}"])))
        texts[unit["code"]] = "<br>".join(lines)
    return texts


def status_label(status: str, lang: str) -> str:
    return t(f"map.status.{status}", lang)


def year_title(year: int | str, lang: str) -> str:
    return t("map.year.latest_title", lang) if year == LATEST else t("map.year.title", lang, year=year)


def figure_title(md: MapData) -> dict[str, str]:
    return {lang: f"{md.indicator_label[lang]} — {year_title(md.year, lang)}" for lang in ("vi", "en")}


def figure_subtitle(md: MapData, shape: str, lang: str) -> str:
    view = t(f"map.view.{md.view}", lang)
    mode = t(f"map.mode.{md.mode}.subtitle", lang)
    tiles = f" · {t('map.shape.tile', lang)}" if shape == "tile" else ""
    return f"{view}{tiles} · {mode}"


def colourbar_title(md: MapData, lang: str) -> str:
    if md.mode == "progress":
        return t("progress.map.colourbar", lang)
    if md.mode == "diff":
        return t("map.colourbar.diff", lang, unit=md.diff_unit_symbol[lang] or "")
    return md.unit_symbol[lang] or t("map.colourbar.value", lang)


def source_parts(md: MapData, shape: str, lang: str) -> tuple[str, str]:
    """(the plans the map draws from, what the shapes are)."""
    plans = (source_line(list(md.documents), formatting.date_text(md.built_on, lang), lang) if md.documents
             else t("map.source.no_values", lang))
    tail = t("map.source.boundaries", lang) if shape == "boundary" else t("map.source.tiles", lang)
    return plans, tail


def source_text(md: MapData, shape: str, lang: str) -> str:
    return " ".join(source_parts(md, shape, lang))


def csv_frame(md: MapData, lang: str) -> pd.DataFrame:
    """Exactly the values on the map: one row per target value, with the unit it colours and how."""
    unit_names = dict(zip(md.units["code"], md.units[f"name_{lang}"]))
    colour = dict(zip(md.units["code"], md.units["z"]))
    combined = dict(zip(md.units["code"], md.units["combined"]))
    v = md.values
    frame = pd.DataFrame({
        t("map.csv.view", lang): md.view,
        t("map.csv.unit_code", lang): v["unit_code"],
        t("map.csv.unit_name", lang): [unit_names.get(c, "") for c in v["unit_code"]],
        t("map.csv.province_code", lang): v["province_code"],
        t("col.province", lang): v[f"province_name_{lang}"],
        t("col.indicator", lang): v[f"indicator_label_{lang}"],
        t("col.value", lang): [value_text(r, lang, md.unit_symbol[lang]) for r in v.to_dict("records")],
        t("map.csv.comparator", lang): v["comparator"],
        t("map.csv.value_low", lang): v["value_low"],
        t("map.csv.value_high", lang): v["value_high"],
        t("map.csv.value_mid", lang): v["value_mid"],
        t("col.unit", lang): md.unit_symbol[lang],
        t("col.year", lang): v["target_year"],
        t("col.period", lang): [formatting.period_text(s, e) if _present(s) else ""
                                for s, e in zip(v["period_start"], v["period_end"])],
        t("col.document", lang): v["document_number"],
        t("col.section", lang): [formatting.section_text(s) for s in v["section"]],
        t("map.csv.benchmark_mid", lang): v["benchmark_mid"],
        t("map.csv.benchmark_document", lang): v["benchmark_document"],
        t("map.csv.difference", lang): v["difference"],
        t("map.csv.colour_value", lang): [colour.get(c) for c in v["unit_code"]],
        t("map.csv.combined", lang): [t("map.csv.combined.yes" if combined.get(c) else "map.csv.combined.no", lang)
                                      for c in v["unit_code"]],
        t("col.citation", lang): [formatting.clause_or_source(r, lang) for r in v.to_dict("records")],
    })
    if md.mode != "diff":
        frame = frame.drop(columns=[t("map.csv.difference", lang)])
    return frame.reset_index(drop=True)


def province_table(targets_all: pd.DataFrame, md: MapData, code: str, lang: str, compact: bool = False) -> pd.DataFrame:
    """Every value of the selected unit's plans (all indicators), the mapped indicator first.

    compact: indicator and value (with its year) only, for the side panel; the full table adds kind, document,
    section and the verbatim clause. The province column appears when the values come from several provinces."""
    members = md.members[md.members["unit_code"] == code]
    era = targets_all["province_era"] if "province_era" in targets_all else pd.Series("63", index=targets_all.index)
    # the plans of the unit's provinces before the merger; in the 34-province view, the unit's own values since
    mine = targets_all["province_code"].isin(members["province_code"]) & (era != "34")
    if md.view == "34":
        mine |= (era == "34") & (targets_all["province_2025_code"] == code)
    rows = targets_all[mine].copy()
    rows["_first"] = rows["indicator"] != md.indicator
    rows = rows.sort_values(["_first", "sector", "indicator", "target_year", "province_code"], kind="stable")
    records = rows.to_dict("records")
    values = [formatting.stated_value(r, lang) for r in records]
    years = [year_label(r) for r in records]
    table = pd.DataFrame({t("col.province", lang): rows[f"province_name_{lang}"].to_numpy(),
                          t("col.indicator", lang): rows[f"indicator_label_{lang}"].to_numpy()})
    if compact:
        table[t("col.value", lang)] = [f"{v} ({y})" if y else v for v, y in zip(values, years)]
    else:
        table[t("col.value", lang)] = values
        table[t("col.year", lang)] = years
        table[t("col.kind", lang)] = [t(f"kind.{k}", lang) for k in rows["kind"]]
        table[t("col.document", lang)] = rows["document_number"].to_numpy()
        table[t("col.section", lang)] = [formatting.section_text(s) for s in rows["section"]]
        table[t("col.citation", lang)] = [formatting.clause_or_source(r, lang) for r in records]
    if rows["province_code"].nunique() <= 1:
        table = table.drop(columns=[t("col.province", lang)])
    return table.reset_index(drop=True)


def panel_targets(targets_all: pd.DataFrame, md: MapData, code: str, lang: str) -> list[str]:
    """All values of the unit's plans as short lines for the side panel: 'indicator: value (year)'."""
    table = province_table(targets_all, md, code, lang, compact=True)
    province = t("col.province", lang)
    lines = []
    for row in table.to_dict("records"):
        who = f"{row[province]} · " if province in row else ""
        lines.append(f"• {who}{row[t('col.indicator', lang)]}: {row[t('col.value', lang)]}")
    return lines


def panel_lines(md: MapData, code: str, lang: str) -> list[str]:
    """Plain-text lines of the side panel: the unit, its old provinces, and the mapped value(s)."""
    units = md.units.set_index("code")
    if code not in units.index:
        return []
    unit = units.loc[code]
    lines = []  # the unit's name: the selectbox above the panel
    members = md.members[md.members["unit_code"] == code]
    if md.view == "34" and len(members) > 1:
        lines.append(t("map.hover.members", lang, names=", ".join(members[f"name_{lang}"])))
    if md.view == "63" and len(members) and members.iloc[0]["merged_2025"]:
        lines.append(t("map.hover.since_2025", lang, name=members.iloc[0][f"province_2025_name_{lang}"]))
    plans = plans_of(md, code, lang)
    if plans:
        lines.append(t("map.panel.plans", lang, plans=plans))
    symbol = md.unit_symbol[lang]
    rows = md.values[md.values["unit_code"] == code]
    header = f"{md.indicator_label[lang]} — {year_title(md.year, lang)}:"
    if rows.empty:
        lines.append(f"{header} {status_label(unit['status'], lang).lower()}")
    else:
        lines.append(header)
        for row in rows.to_dict("records"):
            who = f"{row[f'province_name_{lang}']}: " if md.view == "34" and len(members) > 1 else ""
            lines.append(f"• {who}{value_text(row, lang, symbol)} ({year_label(row)}), {row['document_number']}")
        if unit["status"] == "value":
            ranged = md.mode != "diff" and bool((rows["value_low"] != rows["value_high"]).any())
            key = "map.panel.combined" if unit["combined"] else "map.panel.colour_mid" if ranged else "map.panel.colour"
            lines.append(t(key, lang, value=colour_text(md, unit["z"], lang)))
    return lines


def plans_of(md: MapData, code: str, lang: str) -> str:
    """'117/KH-UBND (Hải Phòng)': the plans loaded for a unit's provinces."""
    members = md.members[md.members["unit_code"] == code]
    names = dict(zip(members["province_code"], members[f"name_{lang}"]))
    if md.view == "63":
        documents = md.plan_documents[md.plan_documents["province_code"] == code]
    else:  # the old provinces' plans and the plans adopted since the merger
        documents = md.plan_documents[md.plan_documents["province_2025_code"] == code]
        unit = md.units.loc[md.units["code"] == code, f"name_{lang}"]
        own = str(unit.iloc[0]) if len(unit) else code
        names = {key: names.get(key, own) for key in documents["province_code"]}
    return ", ".join(f"{r.document_number} ({names.get(r.province_code, r.province_code)})"
                     for r in documents.itertuples())


def summary_text(md: MapData, lang: str) -> str:
    """Every unit of the view counted under the status it is drawn with (the parts add up to the view), the
    reviewed gaps named; then the units coloured from several values."""
    gaps = md.units.loc[md.units["status"] == "not_found", f"name_{lang}"]
    text = map_counts.counts_sentence(md.units["status"], md.mode, lang,
                                      sorted(gaps, key=sort_key))
    if md.units["combined"].any():
        names = ", ".join(md.units.loc[md.units["combined"], f"name_{lang}"])
        text += " " + t("map.summary.combined", lang, names=names)
    return text


def fallback_reason(reason: str, lang: str) -> str:
    """Why the boundary map is not available, in a sentence for a Markdown notice: a translation, or the build's own
    message (its first line, which may quote file names or the network's answer: escaped)."""
    if not reason or reason == "ok":
        return t("map.fallback.unknown", lang)
    if reason == "skipped":
        return t("map.fallback.skipped", lang)
    first = reason.strip().splitlines()[0]
    return escape_markdown(first if len(first) <= 300 else first[:297] + "…")


def sort_key(name: str) -> str:
    """Vietnamese names in alphabetical order, diacritics folded (Đ sorts with D)."""
    return formatting.search_key(name, fold_diacritics=True)


# =====================================================================================================
# Shapes: boundaries from the warehouse, or the tile grid (pure)
# =====================================================================================================

@dataclass(frozen=True)
class MapShapes:
    """What the figure draws: one GeoJSON feature per unit and archipelago (property `code`), label points,
    the archipelagos' frames, and the geo layout."""
    kind: str  # "boundary" or "tile"
    view: str
    features: dict[str, dict]
    archipelago_features: dict[str, dict]
    archipelago_hosts: dict[str, str]      # archipelago key -> unit code of the view
    archipelago_names: dict[str, dict]     # archipelago key -> {"vi": ..., "en": ...}
    archipelago_labels: dict[str, tuple[float, float]]
    frames: dict[str, list[tuple[float, float]]]
    labels: dict[str, tuple[float, float]]  # unit code -> (lon, lat) for markers and tile text
    geo: dict
    height: int
    # Where the colour bar goes: on the boundary map, in a row under the map in a margin of its own (colourbar_room
    # pixels): at the lower left it covered Cà Mau and Kiên Giang on a phone and Phú Quốc on a wide screen. On the
    # tile map, under the legend at the upper right, east of the northern tiles.
    colourbar: dict = field(default_factory=lambda: dict(orientation="h", len=0.5, lenmode="fraction",
                                                         thickness=12, x=0, xanchor="left", y=0, yanchor="top",
                                                         ypad=6, xpad=10))
    colourbar_room: int = 64
    # The legend: on the boundary map, a list under the colour bar in rows of their own (legend_below: at the upper
    # right, the progress legend's eight entries covered the north on a phone); in a row under the tile map, whose
    # grid fills the upper corners. source_shift: pixels the source line moves down to make room for it.
    legend: dict = field(default_factory=lambda: dict(orientation="v", x=0, xanchor="left", y=0, yanchor="top"))
    legend_below: bool = True
    source_shift: int = 0
    east_edges: Mapping[int, float] = field(default_factory=dict)  # the coast, for value labels (map_labels)


def _ring_area(ring: list) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1])) / 2


def _d3_polygon(rings: list) -> list:
    """Plotly draws GeoJSON with d3-geo, which reads winding on the sphere: an exterior ring must run clockwise
    (the opposite of RFC 7946) or the polygon is taken as the whole globe minus the province. Rings are only
    reordered, never changed."""
    out = []
    for i, ring in enumerate(rings):
        clockwise = _ring_area(ring) < 0
        out.append(ring if clockwise == (i == 0) else ring[::-1])
    return out


def plotly_geometry(geometry_text: str) -> dict:
    geom = json.loads(geometry_text)
    if geom["type"] == "Polygon":
        geom["coordinates"] = _d3_polygon(geom["coordinates"])
    elif geom["type"] == "MultiPolygon":
        geom["coordinates"] = [_d3_polygon(p) for p in geom["coordinates"]]
    return geom


def _feature(code: str, geometry: dict) -> dict:
    return {"type": "Feature", "properties": {"code": code}, "geometry": geometry}


def _hosts(arch: pd.DataFrame, view: str) -> dict[str, str]:
    column = "province_code" if view == "63" else "province_2025_code"
    return dict(zip(arch["archipelago_key"], arch[column]))


def _arch_names(arch: pd.DataFrame) -> dict[str, dict]:
    return {r["archipelago_key"]: {"vi": r["name_vi"], "en": r["name_en"]} for r in arch.to_dict("records")}


def boundary_shapes(geometry_df: pd.DataFrame, archipelagos_df: pd.DataFrame, view: str) -> MapShapes:
    features = {row.code: _feature(row.code, plotly_geometry(row.geojson)) for row in geometry_df.itertuples()}
    labels = {row.code: (float(row.label_lon), float(row.label_lat)) for row in geometry_df.itertuples()}
    arch_features, frames, arch_labels = {}, {}, {}
    for row in archipelagos_df.to_dict("records"):
        key = row["archipelago_key"]
        arch_features[key] = _feature(key, plotly_geometry(row["geojson"]))
        frame = json.loads(row["frame_geojson"])
        ring = frame["coordinates"][0] if frame["type"] == "Polygon" else frame["coordinates"][0][0]
        frames[key] = [tuple(p) for p in ring]
        lons, lats = [p[0] for p in ring], [p[1] for p in ring]
        arch_labels[key] = ((min(lons) + max(lons)) / 2, max(lats) + 0.15)  # above the frame, clear of its line
    geo = dict(visible=False, projection=dict(type="mercator"), lonaxis=dict(range=list(BOUNDARY_LON)),
               lataxis=dict(range=list(BOUNDARY_LAT)), showframe=False, bgcolor="rgba(0,0,0,0)")
    return MapShapes("boundary", view, features, arch_features, _hosts(archipelagos_df, view),
                     _arch_names(archipelagos_df), arch_labels, frames, labels, geo, height=820,
                     east_edges=MappingProxyType(map_labels.east_edges(f["geometry"] for f in features.values())))


def _square(col: float, row: float, size: float = TILE_SIZE) -> dict:
    x0, y0 = col + (1 - size) / 2, -row - (1 - size) / 2
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 - size], [x0, y0 - size], [x0, y0]]
    return {"type": "Polygon", "coordinates": _d3_polygon([ring])}


def tile_shapes(grid: pd.DataFrame, archipelagos_ref: pd.DataFrame, view: str) -> MapShapes:
    """Equal squares from the curated grid (row 0 at the top). Hoàng Sa and Trường Sa get their own tiles two
    columns east of the grid, level with their host provinces (Trường Sa one row lower), framed and labelled."""
    features, labels = {}, {}
    for row in grid.itertuples():
        features[row.code] = _feature(row.code, _square(row.tile_col, row.tile_row))
        labels[row.code] = (row.tile_col + 0.5, -row.tile_row - 0.5)
    hosts = _hosts(archipelagos_ref, view)
    position = {row.code: (row.tile_row, row.tile_col) for row in grid.itertuples()}
    east = int(grid["tile_col"].max()) + 2 if len(grid) else 2
    arch_features, frames, arch_labels = {}, {}, {}
    for key in ARCHIPELAGO_KEYS:
        if key not in hosts or hosts[key] not in position:
            continue
        host_row = position[hosts[key]][0] + (1 if key == "truong_sa" else 0)
        arch_features[key] = _feature(key, _square(east, host_row, TILE_SIZE * 0.7))
        x0, y0 = east + 0.02, -host_row - 0.02
        frames[key] = [(x0, y0), (x0 + 0.96, y0), (x0 + 0.96, y0 - 0.96), (x0, y0 - 0.96), (x0, y0)]
        arch_labels[key] = (east + 0.5, -host_row - 1.0)
    n_rows = int(grid["tile_row"].max()) + 1 if len(grid) else 1
    n_cols = east + 1
    geo = dict(visible=False, projection=dict(type="equirectangular"), lonaxis=dict(range=[-0.6, n_cols + 1.6]),
               lataxis=dict(range=[-n_rows - 0.4, 0.4]), showframe=False, bgcolor="rgba(0,0,0,0)")
    return MapShapes("tile", view, features, arch_features, hosts, _arch_names(archipelagos_ref), arch_labels,
                     frames, labels, geo, height=1080 if view == "63" else 940,
                     colourbar=dict(orientation="v", len=0.3, thickness=14, x=0.99, xanchor="right", y=0.97,
                                    yanchor="top"),
                     legend=dict(orientation="h", x=0, xanchor="left", y=0, yanchor="top"), source_shift=58,
                     colourbar_room=0, legend_below=False)


# =====================================================================================================
# The figure (pure)
# =====================================================================================================

def colour_range(md: MapData) -> tuple[float, float]:
    if md.mode == "progress":
        return 0.0, float(len(PROGRESS_SCALE) - 1)
    z = md.units.loc[md.units["status"] == "value", "z"].dropna()
    if md.mode == "diff":
        m = float(z.abs().max()) if len(z) else 1.0
        m = m if m > 0 else 1.0
        return -m, m
    if z.empty:
        return 0.0, 1.0
    low, high = float(z.min()), float(z.max())
    if low == high:
        pad = max(abs(low) * 0.1, 1.0)
        return low - pad, high + pad
    return low, high


def _colour_at(md: MapData, z: float) -> str:
    low, high = colour_range(md)
    scale = _scale(md)
    position = 0.5 if high == low else min(max((z - low) / (high - low), 0.0), 1.0)
    return sample_colorscale(scale, [position], colortype="rgb")[0]


def _scale(md: MapData):
    return PROGRESS_SCALE if md.mode == "progress" else DIVERGING if md.mode == "diff" else SEQUENTIAL


def _luminance(colour: str) -> float:
    if colour.startswith("#"):
        r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    else:
        r, g, b = (float(v) for v in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def _tile_name(name: str, width: int = 6) -> str:
    """A province name on short lines, so it fits in its tile on a phone (lines of 8 characters ran into the next
    tile: 'Dong NaiLam Dong')."""
    words, lines = name.split(), []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(_e(line) for line in lines)


def wrap(text: str, width: int = 100) -> str:
    """Plain text on lines of at most `width` characters (charts.wrap_lines), escaped."""
    return "<br>".join(_e(line) for line in wrap_lines(text, width))


def archipelago_label(names: dict, host_name: str, lang: str) -> str:
    """The Vietnamese name over its host province, on two lines, and in English the English name below: on one
    line the Trường Sa label ran past a 390 px phone's right edge."""
    lines = [f"<b>{_e(names['vi'])}</b>", f"<b>({_e(host_name)})</b>" if host_name else ""]
    if lang == "en":
        lines.append(_e(names["en"]))
    return "<br>".join(line for line in lines if line)


def _label_obstacles(shapes: MapShapes, units: pd.DataFrame, lang: str) -> list[tuple]:
    """What value labels keep clear of: the archipelagos' frames and labels (the legend is under the map)."""
    boxes = []
    for key, frame in shapes.frames.items():
        if not frame:
            continue
        host = shapes.archipelago_hosts.get(key)
        host_name = str(units.at[host, "name_vi"]) if host in units.index else ""
        boxes.append(map_labels.frame_box(frame))
        boxes.append(map_labels.archipelago_label_box(frame, archipelago_label(shapes.archipelago_names[key],
                                                                                host_name, lang)))
    return boxes


def _fc(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def map_figure(md: MapData, shapes: MapShapes, lang: str, selected: str | None = None,
               shared: bool = False) -> go.Figure:
    """The choropleth (boundary or tile map) of a MapData, in the reader's language.

    Each unit's geometry is sent once: the units are split by status into traces that carry only their own
    features. Every trace says what it is in `meta.role`: frames, values (the coloured units, named after the
    indicator), status (a grey status, named with its legend text), archipelago (named with its Vietnamese name
    and host province), archipelago_labels, tile_labels, value_labels, combined, selected.
    `shared`: a charts.SharedFigure (for the cache)."""
    hover = unit_hover(md, lang)
    low, high = colour_range(md)
    units = md.units.set_index("code")
    traces: list[dict] = []  # built as plain dictionaries, handed to Plotly once (see charts.figure_from_dicts)

    # First trace: a scattergeo (plotly.js fetches a world topojson when the first geo trace is a GeoJSON
    # choropleth; this keeps the map fully offline). It draws the archipelagos' dashed frames.
    frame_lon, frame_lat = [], []
    for key in ARCHIPELAGO_KEYS:
        for lon, lat in shapes.frames.get(key, []):
            frame_lon.append(lon)
            frame_lat.append(lat)
        frame_lon.append(None)
        frame_lat.append(None)
    traces.append(dict(type="scattergeo", lon=frame_lon, lat=frame_lat, mode="lines", hoverinfo="skip",
                       showlegend=False, line=dict(color="#6b6b6b", width=1, dash="dot"), name="frames",
                       meta={"role": "frames"}))

    coloured = [c for c in units.index if units.at[c, "status"] == "value" and c in shapes.features]
    colours = _scale(md)
    colour_scale = [[i / (len(colours) - 1), colour] for i, colour in enumerate(colours)]  # as Plotly spells it
    if coloured:
        traces.append(dict(
            type="choropleth",
            geojson=_fc([shapes.features[c] for c in coloured]), featureidkey="properties.code",
            locations=coloured, z=[units.at[c, "z"] for c in coloured], coloraxis="coloraxis",
            text=[hover[c] for c in coloured], hovertemplate="%{text}<extra></extra>",
            marker=dict(line=dict(color=BORDER, width=0.6)), name=_e(md.indicator_label[lang]), meta={"role": "values"},
            showlegend=False, unselected=dict(marker=dict(opacity=1)), selected=dict(marker=dict(opacity=1))))
    for status in STATUS_ORDER:
        codes = [c for c in units.index if units.at[c, "status"] == status and c in shapes.features]
        if not codes:
            continue
        colour = STATUS_COLOURS[status]
        traces.append(dict(
            type="choropleth",
            geojson=_fc([shapes.features[c] for c in codes]), featureidkey="properties.code",
            locations=codes, z=[0] * len(codes), colorscale=[[0, colour], [1, colour]], showscale=False,
            text=[hover[c] for c in codes], hovertemplate="%{text}<extra></extra>",
            marker=dict(line=dict(color=BORDER, width=0.6)), name=status_label(status, lang), meta={"role": "status", "status": status},
            showlegend=True, legendrank=10 + STATUS_ORDER.index(status),
            unselected=dict(marker=dict(opacity=1)), selected=dict(marker=dict(opacity=1))))

    # Hoàng Sa and Trường Sa: coloured with their province, outlined, labelled with their Vietnamese names.
    label_lon, label_lat, label_text = [], [], []
    for key in ARCHIPELAGO_KEYS:
        if key not in shapes.archipelago_features:
            continue
        host = shapes.archipelago_hosts.get(key)
        host_name = str(units.at[host, "name_vi"]) if host in units.index else ""
        vi_name = f"{shapes.archipelago_names[key]['vi']} ({host_name})"
        status = units.at[host, "status"] if host in units.index else "no_plan"
        text = f"<b>{_e(vi_name)}</b>" + (f"<br>{_e(shapes.archipelago_names[key]['en'])}" if lang == "en" else "")
        host_hover = hover.get(host, "")
        common = dict(geojson=_fc([shapes.archipelago_features[key]]), featureidkey="properties.code",
                      locations=[key], text=[f"{text}<br>{host_hover}"], hovertemplate="%{text}<extra></extra>",
                      name=_e(vi_name), meta={"role": "archipelago", "key": key, "host": host}, showlegend=False, marker=dict(line=dict(color="#333333", width=1.2)),
                      unselected=dict(marker=dict(opacity=1)), selected=dict(marker=dict(opacity=1)))
        if status == "value":
            traces.append(dict(type="choropleth", z=[units.at[host, "z"]], coloraxis="coloraxis", **common))
        else:
            colour = STATUS_COLOURS[status]
            traces.append(dict(type="choropleth", z=[0], colorscale=[[0, colour], [1, colour]], showscale=False,
                               **common))
        lon, lat = shapes.archipelago_labels[key]
        label_lon.append(lon)
        label_lat.append(lat)
        label_text.append(archipelago_label(shapes.archipelago_names[key], host_name, lang))
    if label_text:
        names = ", ".join(f"{shapes.archipelago_names[k]['vi']}" for k in ARCHIPELAGO_KEYS
                          if k in shapes.archipelago_features)
        traces.append(dict(type="scattergeo", lon=label_lon, lat=label_lat, text=label_text, mode="text",
                           textposition="bottom center" if shapes.kind == "tile" else "top center",
                           textfont=dict(size=11, color="#333333"),
                           hoverinfo="skip", showlegend=False, name=_e(names), meta={"role": "archipelago_labels"}))

    # Tile map: the province name in each tile, dark or light to stay readable on its colour.
    if shapes.kind == "tile":
        lon, lat, text, colours = [], [], [], []
        for code, (x, y) in shapes.labels.items():
            if code not in units.index:
                continue
            status = units.at[code, "status"]
            fill = _colour_at(md, units.at[code, "z"]) if status == "value" else STATUS_COLOURS[status]
            lon.append(x)
            lat.append(y)
            if (md.view, code) in TILE_SHORT:  # names too long for a tile on a phone: the usual short form
                text.append("<br>".join(_e(line) for line in t(f"map.tile.short.{md.view}.{code}", lang).split("|")))
            else:
                text.append(_tile_name(str(units.at[code, f"name_{lang}" if lang == "en" else "name_vi"])))
            colours.append(TEXT_LIGHT if _luminance(fill) < 0.45 else TEXT_DARK)
        traces.append(dict(type="scattergeo", lon=lon, lat=lat, text=text, mode="text", hoverinfo="skip",
                           showlegend=False, textfont=dict(size=TILE_FONT[md.view], color=colours),
                           name="tile labels", meta={"role": "tile_labels"}))

    # Boundary map: the colour values, while there are few enough, each in the sea east of the coast joined to its
    # province by a leader line; one that finds no room is left to the hover (map_labels).
    labels_wanted, labels_written = 0, 0  # said under the map when some found no room (layout.meta)
    if shapes.kind == "boundary":
        written = [c for c in coloured if c in shapes.labels]
        if 0 < len(written) <= MAX_VALUE_LABELS:
            labels_wanted = len(written)
            texts = dict(zip(written, (f"<b>{_e(label)}</b>" for label in value_labels(md, written, lang))))
            placed, _ = map_labels.place({c: shapes.labels[c] for c in written}, texts, shapes.east_edges,
                                         _label_obstacles(shapes, units, lang), BOUNDARY_LON, BOUNDARY_LAT)
            labels_written = len(placed)
            if placed:
                leader_lon, leader_lat = [], []
                for p in placed:
                    leader_lon += [p.anchor_lon, p.lon, None]
                    leader_lat += [p.anchor_lat, p.lat, None]
                traces.append(dict(type="scattergeo", lon=leader_lon, lat=leader_lat, mode="lines",
                                   line=dict(color="#555555", width=0.8), hoverinfo="skip", showlegend=False,
                                   name="value label lines", meta={"role": "value_leaders"}))
                traces.append(dict(
                    type="scattergeo", lon=[p.lon for p in placed], lat=[p.lat for p in placed],
                    text=[texts[p.code] for p in placed], mode="text", textposition="middle right",
                    textfont=dict(size=map_labels.FONT_PX, color=TEXT_DARK), hoverinfo="skip", showlegend=False,
                    name="value labels", meta={"role": "value_labels", "codes": [p.code for p in placed]}))

    # Progress: the five steps in the legend (named, in order), not on a colour bar over the map.
    if md.mode == "progress":
        for step, (colour, key) in enumerate(zip(PROGRESS_SCALE, PROGRESS_LABELS)):
            traces.append(dict(type="scattergeo", lon=[None], lat=[None], mode="markers",
                               marker=dict(symbol="square", size=12, color=colour, line=dict(color="#8c8c8c", width=1)),
                               name=_e(t(key, lang)), showlegend=True, hoverinfo="skip", legendrank=step,
                               meta={"role": "progress_legend", "step": step}))

    # Several values in one unit: flagged on the map (the hover explains how the colour was obtained).
    flagged = [c for c in units.index if units.at[c, "combined"] and c in shapes.labels]
    if flagged:
        offset = (0.0, -0.28) if shapes.kind == "tile" else (0.0, 0.0)
        traces.append(dict(
            type="scattergeo",
            lon=[shapes.labels[c][0] + offset[0] for c in flagged],
            lat=[shapes.labels[c][1] + offset[1] for c in flagged], mode="markers", hoverinfo="skip",
            marker=dict(symbol="diamond-open", size=11, color=SELECTED_BORDER, line=dict(width=2)),
            name=t("map.legend.combined", lang), showlegend=True, legendrank=30, meta={"role": "combined"}))

    if selected and selected in shapes.features:
        traces.append(dict(
            type="choropleth",
            geojson=_fc([shapes.features[selected]]), featureidkey="properties.code", locations=[selected], z=[0],
            colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale=False, hoverinfo="skip",
            marker=dict(line=dict(color=SELECTED_BORDER, width=2.5)), showlegend=False, name="selected",
            meta={"role": "selected"}))

    # Title, subtitle and source line wrapped to a phone's width (Plotly does not wrap; the server cannot know the
    # width), the title below a strip kept free for the chart's toolbar, the margins as tall as the lines need.
    title_lines = wrap_lines(figure_title(md)[lang], TITLE_CHARS)
    subtitle = wrap(figure_subtitle(md, shapes.kind, lang), SUBTITLE_CHARS)
    source = "<br>".join(wrap(part, SOURCE_CHARS) for part in source_parts(md, shapes.kind, lang))
    # Plotly draws a title of several lines higher than its anchor by about a line less one: moved down as much.
    title_top = TOOLBAR + 20 * (len(title_lines) - 1)
    top = title_top + 24 * len(title_lines) + 8 + 17 * (subtitle.count("<br>") + 1) + 14
    show_scale = md.mode != "progress" and bool(coloured or any(
        units.at[h, "status"] == "value" for h in shapes.archipelago_hosts.values() if h in units.index))
    bar_room = shapes.colourbar_room if show_scale else 0  # the colour bar's own row under the map
    entries = sum(1 for trace in traces if trace.get("showlegend")) if shapes.legend_below else 0
    room = bar_room + (LEGEND_ROW * entries + 14 if entries else 0)  # and the legend's rows under it
    bottom = 12 + 14 * (source.count("<br>") + 1) + shapes.source_shift + room
    height = shapes.height + (top - 92) + (bottom - 64 - shapes.source_shift)
    legend = dict(shapes.legend)
    if shapes.legend_below:  # under the colour bar: paper units below the plot area
        legend["y"] = -bar_room / (height - top - bottom)
    layout = dict(
        title=dict(text="<b>" + "<br>".join(_e(line) for line in title_lines) + "</b>", x=0, xanchor="left",
                   xref="container", pad=dict(l=10), y=1 - title_top / height, yanchor="top", yref="container",
                   font=dict(size=18), subtitle=dict(text=subtitle)),
        geo=shapes.geo,
        coloraxis=dict(colorscale=colour_scale, cmin=low, cmax=high, cmid=0 if md.mode == "diff" else None,
                       showscale=show_scale,
                       colorbar=dict(title=dict(text=_e(colourbar_title(md, lang)), side="top"),
                                     bgcolor="rgba(255,255,255,0.85)", **shapes.colourbar,
                                     **(dict(tickvals=list(range(len(PROGRESS_SCALE))),
                                             ticktext=[t(k, lang) for k in PROGRESS_LABELS])
                                        if md.mode == "progress" else {}))),
        legend=dict(bgcolor="rgba(255,255,255,0.9)", bordercolor="#cccccc", borderwidth=1, font=dict(size=12),
                    itemclick=False, itemdoubleclick=False, **legend),
        separators=formatting.plotly_separators(lang),
        height=height, margin=dict(l=10, r=10, t=top, b=bottom),
        paper_bgcolor="#ffffff", plot_bgcolor="#ffffff",
        hoverlabel=dict(bgcolor="#ffffff", font=dict(size=12, color="#1a1a1a"), align="left"),
        clickmode="event+select", dragmode=False,
        annotations=[dict(text=source,
                          xref="paper", yref="paper", x=0, y=0, yshift=-4 - shapes.source_shift - room,
                          xanchor="left", yanchor="top", showarrow=False, align="left",
                          font=dict(size=11, color="#555555"))],
        meta=dict(view=md.view, indicator=md.indicator, year=str(md.year), mode=md.mode, shape=shapes.kind,
                  labels_wanted=labels_wanted, labels_written=labels_written),
    )
    return figure_from_dicts(traces, layout, shared=shared)


def labels_note(figure: go.Figure, lang: str) -> str | None:
    """'Values written on the map for 7 of 15 provinces …' when some value labels found no room; None otherwise."""
    meta = figure.layout.meta or {}
    wanted, written = meta.get("labels_wanted", 0), meta.get("labels_written", 0)
    if not wanted or written >= wanted:
        return None
    return t("map.labels.partial", lang, written=written, wanted=wanted)


# =====================================================================================================
# Selection from the chart
# =====================================================================================================

def clicked_code(points: list[dict], shapes: MapShapes) -> str | None:
    """The unit a chart click selected: a province's location, or an archipelago's host province."""
    for point in points or []:
        location = point.get("location")
        if location in shapes.features:
            return location
        if location in shapes.archipelago_hosts:
            return shapes.archipelago_hosts[location]
    return None


def convert_selection(code: str | None, from_view: str, to_view: str, provinces_df: pd.DataFrame,
                      planned: frozenset[str] | set[str] = frozenset()) -> str | None:
    """Keep the selected province when the view switches: an old province becomes its successor; a province of
    today becomes the old province whose plan it was showing (Lâm Đồng, which lists Bình Thuận's plan, becomes
    Bình Thuận, not the old Lâm Đồng without a plan): of its predecessors with a plan in `planned` (63-province
    codes), the one with the same code, else the first; without one, the old province of the same code."""
    if code is None or from_view == to_view:
        return code
    if to_view == "34":
        match = provinces_df.loc[provinces_df["province_code"] == code, "province_2025_code"]
        return str(match.iloc[0]) if len(match) else None
    predecessors = [str(c) for c in provinces_df.loc[provinces_df["province_2025_code"] == code, "province_code"]]
    with_plan = [c for c in predecessors if c in planned]
    if with_plan:
        return code if code in with_plan else with_plan[0]
    return code if code in set(provinces_df["province_code"]) else None


def planned_codes(version) -> frozenset[str]:
    """The old (63) provinces with a plan of their own loaded: what the 63-province view shows as planned."""
    return frozenset(plan_documents(version)["province_code"])


# =====================================================================================================
# Cached entry points for the page: each figure is built once per (warehouse, view, map type, language, choice)
# =====================================================================================================

@data.shared(max_entries=16)
def cached_shapes(version, view: str, shape: str) -> MapShapes:
    """Parsed geometry of one view (shared, never modified): the boundaries, or the tile grid."""
    if shape == "boundary":
        return boundary_shapes(geometry(version, view), archipelagos(version), view)
    return tile_shapes(tile_grid(version, view), archipelago_reference(version), view)


@data.shared(max_entries=8)
def cached_choices(version, lang: str) -> Mapping[str, object]:
    """What the controls offer, read once per (warehouse, language): indicator keys in order with their labels in
    each view, the default indicator, each indicator's target years, and the indicators that have a national target
    (aggregated in SQL: one row per indicator, whatever the number of values).

    A label counts the provinces of its view that have a value (select_values): the old provinces' plans among the
    63, today's provinces with a plan of either era among the 34. One count for both views mixed the two eras'
    province keys and matched neither map."""
    frame = data.run(version, """
        SELECT indicator, any_value(indicator_label_vi) FILTER (WHERE province_code <> ?) AS label_vi,
               any_value(indicator_label_en) FILTER (WHERE province_code <> ?) AS label_en,
               count(DISTINCT province_code) FILTER (WHERE province_code <> ?) AS n_provinces,
               count(DISTINCT province_code) FILTER (WHERE province_code <> ? AND province_era <> '34') AS n_63,
               count(DISTINCT province_2025_code) FILTER (WHERE province_code <> ?) AS n_34,
               bool_or(province_code = ?) AS has_benchmark,
               coalesce(list(DISTINCT target_year ORDER BY target_year)
                        FILTER (WHERE province_code <> ? AND target_year IS NOT NULL), []) AS years
        FROM v_targets WHERE kind = 'target' GROUP BY indicator ORDER BY indicator""", (NATIONAL,) * 7)
    options = frame[frame["n_provinces"] > 0].sort_values(["n_34", "n_provinces", "label_vi"],
                                                          ascending=[False, False, True], kind="stable",
                                                          ignore_index=True)
    labels = {view: MappingProxyType({
        r.indicator: t("map.indicator.option_one" if getattr(r, f"n_{view}") == 1 else "map.indicator.option", lang,
                       label=getattr(r, f"label_{lang}"), n=int(getattr(r, f"n_{view}")))
        for r in options.itertuples()}) for view in VIEWS}
    return MappingProxyType({
        "keys": tuple(options["indicator"]), "labels": MappingProxyType(labels), "default": default_indicator(options),
        "years": MappingProxyType({r.indicator: tuple(int(y) for y in r.years) for r in options.itertuples()}),
        "benchmark": frozenset(frame.loc[frame["has_benchmark"], "indicator"])})


@data.shared(max_entries=8)
def cached_status(version) -> tuple[bool, str, bool]:
    """(boundary tables present, what the build said about them, tile grids present)."""
    boundaries_ok, reason = boundary_status(version)
    return boundaries_ok, reason, tiles_available(version)


def _indicator_targets(version, indicator: str) -> pd.DataFrame:
    """The targets (provincial and national) of one indicator: all that map_data reads, filtered in SQL."""
    return data.run(version, "SELECT v.*, p.status AS progress_status FROM v_targets v "
                             "LEFT JOIN progress p USING (target_id) WHERE v.kind = 'target' AND v.indicator = ? "
                             "ORDER BY v.province_code, v.indicator, v.target_year, v.target_id", (indicator,))


@st.cache_data(show_spinner=False, max_entries=128)
def cached_map_data(version, view: str, indicator: str, year: int | str, mode: str) -> MapData:
    return map_data(_indicator_targets(version, indicator), provinces(version), provinces_2025(version),
                    plan_documents(version), units_reference(version), indicator=indicator, year=year, view=view,
                    mode=mode, built_on=built_on(version), not_found=_not_found(version, indicator))


def _not_found(version, indicator: str) -> frozenset:
    """The provinces of today whose adopted target for `indicator` was searched for and not found (reviewed)."""
    try:
        frame = data.run(version, "SELECT province_2025_code FROM coverage_gaps WHERE indicator_key = ?", (indicator,))
    except Exception:  # noqa: BLE001 - a warehouse built before the gaps were curated
        return frozenset()
    return frozenset(frame["province_2025_code"])


@data.shared(max_entries=128)
def cached_view(version, view: str, shape: str, lang: str, indicator: str, year: int | str,
                mode: str) -> Mapping[str, object]:
    """The texts and the CSV (Arrow) under the map, and the units' names and codes in A–Z order (for the
    selectbox)."""
    md = cached_map_data(version, view, indicator, year, mode)
    unit_names = dict(zip(md.units["code"], md.units[f"name_{lang}"]))
    return MappingProxyType({
        "unit_names": MappingProxyType(unit_names), "codes": tuple(sorted(unit_names,
                                                                          key=lambda c: sort_key(unit_names[c]))),
        "summary": summary_text(md, lang), "source": source_text(md, shape, lang),
        "csv": data.arrow(csv_frame(md, lang)), "documents": tuple(md.documents)})


@data.shared(max_entries=32)
def cached_figure(version, view: str, shape: str, lang: str, indicator: str, year: int | str, mode: str,
                  selected: str | None) -> go.Figure:
    """The map (a charts.SharedFigure, shown to every session that asks for the same one: never modify it). Cached
    as a resource, not as data: unpickling a figure re-validates it, which cost more than the rest of the page."""
    return map_figure(cached_map_data(version, view, indicator, year, mode), cached_shapes(version, view, shape),
                      lang, selected=selected, shared=True)


@data.shared(max_entries=128)
def cached_province(version, view: str, indicator: str, year: int | str, mode: str, code: str,
                    lang: str) -> tuple[tuple[str, ...], tuple[str, ...], pa.Table]:
    """The selected unit: (side panel lines, its plans' values as short lines, the full table of them as Arrow, for
    st.dataframe). Only the values of the unit's provinces are read."""
    md = cached_map_data(version, view, indicator, year, mode)
    members = tuple(md.members.loc[md.members["unit_code"] == code, "province_code"])
    rows = data.run(version, "SELECT * FROM v_targets WHERE list_contains(?::VARCHAR[], province_code) "
                             "OR (? AND province_era = '34' AND province_2025_code = ?) "
                             "ORDER BY province_code, sector, indicator, target_year, target_id",
                    (members, view == "34", code))
    return (tuple(panel_lines(md, code, lang)), tuple(panel_targets(rows, md, code, lang)),
            data.arrow(province_table(rows, md, code, lang)))


# =====================================================================================================
# Page helpers (Streamlit state)
# =====================================================================================================

def take_click(chart_key: str, province_key: str, shapes: MapShapes) -> None:
    """A province clicked on the map becomes the selected one (the selectbox's state), once per click.

    The chart keeps its selection across reruns, so a click is taken only when it differs from the last one
    taken: choosing another province in the selectbox afterwards is not overridden by the old click."""
    event = st.session_state.get(chart_key) or {}
    points = (event.get("selection") or {}).get("points") or []
    signature = json.dumps(points, sort_keys=True, default=str)
    if points and signature != st.session_state.get(f"{chart_key}.taken"):
        code = clicked_code(points, shapes)
        if code:
            st.session_state[province_key] = code
    st.session_state[f"{chart_key}.taken"] = signature
