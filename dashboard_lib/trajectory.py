"""Lộ trình đến 2030 / Trajectories to 2030: the path each plan implies, year by year.

The maths, paths, tables and checks are pure functions of the rows `TARGETS_SQL` reads. The page calls only the
cached functions at the end of the module (`view`, `checks_view`, the option lists): they read the rows through
`data.query` on a cache miss and keep, per warehouse version and selection, just what the page shows.

Method (also explained on the page):
- average growth rates (measure growth_rate, unit %/year) for a period a–b compound into an index whose
  base year a−1 is 100: I(t) = I(a−1) · (1 + g)^(t − a + 1). Consecutive periods chain, so a plan with
  different rates for 2021–2025 and 2026–2030 changes slope in 2025. A range of rates gives a band
  (low rates → lower edge, high rates → upper edge).
- shares (measure share, %) move in a straight line, in percentage points, between two years with values.
- levels (measure level or ratio) move geometrically (a constant growth rate) between two years with values.
- a plan that stops before 2030 can be extended as a projection (same pace as its last period) — drawn
  dotted and labelled as a projection, never as a target.
"""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import NamedTuple

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st
from babel.numbers import format_decimal

from . import charts, data, formatting, widgets
from .i18n import t

HORIZON = 2030
FIRST_YEAR = 2021            # growth periods must start in or after this year (2016–2020 and 2020 are history)
PATH_MEASURES = ("growth_rate", "share", "level", "ratio")
# share-of-GRDP indicator -> growth indicator of the same sector: together they imply the economy's growth
SHARE_GROWTH_PAIRS = {"services_share_grdp": "services_growth",
                      "logistics_share_grdp": "logistics_services_growth"}
ECONOMY_GROWTH = "grdp_growth"
# wording by which a plan says the sector grows faster than the whole economy (so its share must rise)
FASTER_THAN_ECONOMY = ("cao hơn tốc độ tăng trưởng chung",)
TOLERANCE_PP = 0.1           # rounding of published figures: differences up to 0.1 percentage point are ignored

# Okabe–Ito (colour-blind safe), without black (national) and yellow (too light on white).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
SYMBOLS = ("circle", "square", "diamond", "x", "star", "hexagon", "pentagon", "cross")
NATIONAL_COLOURS = ("#000000", "#6E6E6E")

TARGETS_SQL = """
SELECT t.target_id, t.scope, t.province_code, t.province_name_vi, t.province_name_en,
       t.sector, t.indicator, t.indicator_label_vi, t.indicator_label_en, t.measure, t.kind,
       t.value_low, t.value_high, t.unit, t.unit_symbol_vi, t.unit_symbol_en, u.decimals AS unit_decimals,
       t.comparator, t.approximate, t.period_start, t.period_end, t.target_year, t.citation, t.section,
       t.document_id, t.document_number, d.horizon_end, s.sort_order AS sector_order
FROM v_targets t
JOIN documents d USING (document_id)
JOIN sectors s ON s.sector_key = t.sector
JOIN units u ON u.unit_key = t.unit
WHERE t.measure IN ('growth_rate', 'share', 'level', 'ratio') AND t.kind IN ('target', 'baseline')
ORDER BY t.province_code, t.document_id, t.indicator, t.target_year, t.target_id
"""


# ------------------------------------------------------------------------------------------- the maths

def compound(periods: list[tuple[int, int, float]], base: float = 100.0) -> dict[int, float]:
    """Index from chained average growth rates: periods [(start, end, rate %/year)], contiguous and sorted.

    The year before the first period is the base (= `base`); each year of a period grows by its rate.
    """
    if not periods:
        return {}
    path = {periods[0][0] - 1: base}
    value = base
    previous_end = periods[0][0] - 1
    for start, end, rate in periods:
        if start != previous_end + 1:
            raise ValueError(f"periods are not contiguous: {previous_end} then {start}")
        for year in range(start, end + 1):
            value *= 1 + rate / 100
            path[year] = value
        previous_end = end
    return path


def linear(y0: int, v0: float, y1: int, v1: float) -> dict[int, float]:
    """Straight line from (y0, v0) to (y1, v1), one value a year (shares, in percentage points)."""
    step = pp_per_year(y0, v0, y1, v1)
    return {year: v0 + step * (year - y0) for year in range(y0, y1 + 1)}


def geometric(y0: int, v0: float, y1: int, v1: float) -> dict[int, float]:
    """Constant growth from (y0, v0) to (y1, v1), one value a year (levels)."""
    rate = cagr(v0, v1, y1 - y0) / 100
    return {year: v0 * (1 + rate) ** (year - y0) for year in range(y0, y1 + 1)}


def pp_per_year(y0: int, v0: float, y1: int, v1: float) -> float:
    return (v1 - v0) / (y1 - y0)


def cagr(v0: float, v1: float, years: int) -> float:
    """Average compound growth, %/year, from v0 to v1 over `years` years."""
    return ((v1 / v0) ** (1 / years) - 1) * 100


def simple_average_growth(v0: float, v1: float, years: int) -> float:
    """Total growth divided by the number of years (%/year) — not compounded."""
    return (v1 / v0 - 1) / years * 100


def average_rate(periods: list[tuple[int, int, float]]) -> float:
    """The single average rate equivalent to chained rates (geometric mean), %/year."""
    path = compound(periods, 1.0)
    years = periods[-1][1] - periods[0][0] + 1
    return (path[periods[-1][1]] ** (1 / years) - 1) * 100


def implied_economy_growth(sector_growth: float, s0: float, s1: float, years: int) -> float:
    """Whole-economy growth implied by a sector's growth g_s and its share moving from s0 to s1.

    Sector value added S = s·Y, so (1 + g_Y) = (1 + g_s) · (s0 / s1)^(1 / years). Rates in %/year.
    """
    return ((1 + sector_growth / 100) * (s0 / s1) ** (1 / years) - 1) * 100


def implied_economy_growth_range(growth: tuple[float, float], s0: tuple[float, float], s1: tuple[float, float],
                                 years: int) -> tuple[float, float]:
    """Bounds of the implied growth when inputs are ranges: it rises with g_s and s0, falls with s1."""
    low = implied_economy_growth(growth[0], s0[0], s1[1], years)
    high = implied_economy_growth(growth[1], s0[1], s1[0], years)
    return low, high


def relative_growth(s0: float, s1: float, years: int) -> float:
    """How much faster (+) or slower (−) a sector grows than the economy, %/year, from its share change."""
    return ((s1 / s0) ** (1 / years) - 1) * 100


def overlaps(a: tuple[float, float], b: tuple[float, float], tolerance: float = TOLERANCE_PP) -> bool:
    return a[0] <= b[1] + tolerance and b[0] <= a[1] + tolerance


# ------------------------------------------------------------------------------------------- paths

@dataclass
class Segment:
    """Part of a path drawn in one style: years with lower and upper values (equal for a single value)."""
    years: list[int]
    low: list[float]
    high: list[float]
    comparator: str                     # of the target that ends the segment (range/exact/about/at_least/at_most)
    bound: str | None = None            # 'lower' (ít nhất) / 'upper' (không quá): the value is open-ended
    projection: bool = False
    step: tuple[float, float] = (math.nan, math.nan)   # rate %/year (growth, level) or pp/year (share)
    stated: tuple[float, float] | None = None           # the plan's own figure behind the segment
    period: tuple[int, int] | None = None
    approximate: bool = False           # the stated figure is hedged with 'khoảng' (v_targets.approximate)

    @property
    def is_band(self) -> bool:
        return any(abs(h - lo) > 1e-9 for lo, h in zip(self.low, self.high))


@dataclass
class Point:
    year: int
    low: float
    high: float
    comparator: str
    target_id: str
    approximate: bool = False


@dataclass
class Path:
    document_id: str
    document_number: str
    province_code: str
    names: dict[str, str]
    scope: str
    method: str                         # compound / linear / geometric / points
    segments: list[Segment] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    issue: str | None = None            # no_baseline / conflict / gap
    horizon_end: int | None = None
    colour_index: int = 0

    @property
    def national(self) -> bool:
        return self.scope == "national"

    @property
    def last_year(self) -> int | None:
        real = [s for s in self.segments if not s.projection]
        return real[-1].years[-1] if real else None

    @property
    def base_year(self) -> int | None:
        return self.segments[0].years[0] if self.segments else None

    def name(self, lang: str) -> str:
        return self.names[lang]


def method_for(measure: str) -> str:
    return {"growth_rate": "compound", "share": "linear"}.get(measure, "geometric")


def sort_key(text: str) -> str:
    """Vietnamese names in alphabetical order without the diacritics getting in the way."""
    stripped = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in stripped if not unicodedata.combining(c)).casefold()


class _Target(NamedTuple):
    """One value of an indicator as the path builders read it (plain Python values, no pandas per plan)."""
    document_id: str
    target_id: str
    scope: str
    province_code: str
    province_name_vi: str
    province_name_en: str
    document_number: str
    horizon_end: object
    measure: str
    value_low: float
    value_high: float
    comparator: str
    period_start: int | None
    period_end: int | None
    target_year: int | None
    approximate: bool          # v_targets.approximate: the plan hedges the value with 'khoảng'


def _plan_rows(frame: pd.DataFrame, indicator: str) -> list[_Target]:
    """The indicator's values sorted by plan, year and id, as tuples (one vectorised pass)."""
    rows = frame[frame["indicator"] == indicator].sort_values(["document_id", "target_year", "target_id"])
    return _records(rows, _Target)


_YEAR_FIELDS = ("period_start", "period_end", "target_year")


def _records(rows: pd.DataFrame, record: type) -> list:
    """`rows` as `record` NamedTuples, from the frame's columns named like the record's fields, in one vectorised
    pass (years as int or None)."""
    columns = [_none_if_na(rows[name].tolist()) if name in _YEAR_FIELDS else rows[name].tolist()
               for name in record._fields]
    return [record(*values) for values in zip(*columns)]


def _none_if_na(values: list) -> list:
    return [None if pd.isna(v) else int(v) for v in values]


def _growth_path(rows: list[_Target], path: Path) -> Path:
    usable = [r for r in rows if r.period_start is not None and r.period_start >= FIRST_YEAR
              and r.period_end is not None and r.period_end <= HORIZON]
    usable.sort(key=lambda r: (r.period_start, r.period_end))
    if not usable:
        path.method = "points"
        path.issue = "no_period"
        return path
    if len({(r.period_start, r.period_end) for r in usable}) != len(usable):
        path.issue = "conflict"
        path.method = "points"
        return path
    chain: list = []
    for row in usable:
        if chain and row.period_start != chain[-1].period_end + 1:
            path.issue = "gap"
            break
        chain.append(row)
    low = compound([(int(r.period_start), int(r.period_end), r.value_low) for r in chain])
    high = compound([(int(r.period_start), int(r.period_end), r.value_high) for r in chain])
    bound = None
    for row in chain:
        bound = _bound(row.comparator) or bound
        years = list(range(int(row.period_start) - 1, int(row.period_end) + 1))
        path.segments.append(Segment(years, [low[y] for y in years], [high[y] for y in years], row.comparator,
                                     bound=bound, step=(row.value_low, row.value_high),
                                     stated=(row.value_low, row.value_high),
                                     period=(int(row.period_start), int(row.period_end)),
                                     approximate=_flag(row.approximate)))
    return path


def _flag(value: object) -> bool:
    """v_targets.approximate as a bool (NULL: not hedged)."""
    return False if value is None or value is pd.NA or value != value else bool(value)


def _bound(comparator: str) -> str | None:
    return {"at_least": "lower", "at_most": "upper"}.get(comparator)


def _value_path(rows: list[_Target], path: Path, method: str) -> Path:
    path.points = [Point(int(r.target_year), r.value_low, r.value_high, r.comparator, r.target_id,
                         _flag(r.approximate)) for r in rows
                   if r.target_year is not None and FIRST_YEAR - 1 <= r.target_year <= HORIZON]
    years = [p.year for p in path.points]
    if len(set(years)) != len(years):
        path.issue = "conflict"
        path.method = "points"
        return path
    if len(path.points) < 2:
        path.issue = "no_baseline"
        path.method = "points"
        return path
    interpolate = linear if method == "linear" else geometric
    bound = None
    for start, end in zip(path.points, path.points[1:]):
        low = interpolate(start.year, start.low, end.year, end.low)
        high = interpolate(start.year, start.high, end.year, end.high)
        bound = _bound(end.comparator) or bound
        years = list(range(start.year, end.year + 1))
        if method == "linear":
            step = (pp_per_year(start.year, start.low, end.year, end.low),
                    pp_per_year(start.year, start.high, end.year, end.high))
        else:
            step = (cagr(start.low, end.low, end.year - start.year), cagr(start.high, end.high, end.year - start.year))
        path.segments.append(Segment(years, [low[y] for y in years], [high[y] for y in years], end.comparator,
                                     bound=bound, step=step, stated=(end.low, end.high), period=(start.year, end.year),
                                     approximate=end.approximate))
    return path


def _projection(path: Path, method: str) -> Segment | None:
    """Continue the last period's pace to the horizon: a projection, never a target."""
    last = path.segments[-1]
    start = last.years[-1]
    if start >= HORIZON:
        return None
    years = list(range(start, HORIZON + 1))
    values = []
    for edge, step in ((last.low[-1], last.step[0]), (last.high[-1], last.step[1])):
        if method == "linear":
            values.append([min(100.0, max(0.0, edge + step * (y - start))) for y in years])
        else:
            values.append([edge * (1 + step / 100) ** (y - start) for y in years])
    return Segment(years, values[0], values[1], last.comparator, bound=last.bound, projection=True, step=last.step,
                   period=(start + 1, HORIZON))


def build_paths(frame: pd.DataFrame, indicator: str, provinces: list[str], projection: bool = False,
                national: bool = True) -> list[Path]:
    """One path per plan for the indicator: the selected provinces' plans, then the national ones."""
    rows = _plan_rows(frame, indicator)
    if not rows:
        return []
    method = method_for(rows[0].measure)
    colours = plan_colours(frame)
    plans: dict[str, list[_Target]] = {}
    for row in rows:
        plans.setdefault(row.document_id, []).append(row)
    chosen = set(provinces)
    paths = []
    for document_id, plan in plans.items():
        first = plan[0]
        is_national = first.scope == "national"
        if is_national and not national:
            continue
        if not is_national and first.province_code not in chosen:
            continue
        path = Path(document_id, first.document_number, first.province_code,
                    {"vi": first.province_name_vi, "en": first.province_name_en}, first.scope, method,
                    horizon_end=_int(first.horizon_end), colour_index=colours.get(document_id, 0))
        path = _growth_path(plan, path) if method == "compound" else _value_path(plan, path, method)
        if projection and not is_national and path.segments:
            extra = _projection(path, method)
            if extra is not None:
                path.segments.append(extra)
        paths.append(path)
    order = {code: i for i, code in enumerate(provinces)}
    paths.sort(key=lambda p: (p.national, order.get(p.province_code, 0), p.document_id))
    return paths


def _int(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def plan_colours(frame: pd.DataFrame) -> dict[str, int]:
    """A stable colour (and marker) per provincial plan, whatever the indicator or selection."""
    plans = frame.loc[frame["scope"] != "national", ["document_id", "province_name_vi"]].drop_duplicates("document_id")
    plans = sorted(zip(plans["province_name_vi"].map(sort_key).tolist(), plans["document_id"].tolist()))
    colours = {document_id: i for i, (_, document_id) in enumerate(plans)}
    for i, document_id in enumerate(frame.loc[frame["scope"] == "national", "document_id"].drop_duplicates()
                                    .sort_values(ascending=False)):
        colours[document_id] = i
    return colours


def drawable(frame: pd.DataFrame, indicator: str) -> bool:
    """True when at least one plan (provincial or national) gives a path for the indicator.

    The same answer as `any(p.segments for p in build_paths(frame, indicator, <all provinces>))`, without building
    the paths (indicator_options asks it of every indicator on every run): a growth-rate plan draws when it has a
    period inside the horizon and no two rows with the same period (_growth_path); any other plan draws when it
    has two or more values inside the horizon, no two in the same year (_value_path)."""
    return indicator in _drawable_indicators(frame[frame["indicator"] == indicator])


def _drawable_indicators(frame: pd.DataFrame) -> set[str]:
    """The indicators of `frame` that `drawable` accepts, all at once."""
    if frame.empty:
        return set()
    measures = frame.groupby("indicator", sort=False)["measure"].agg(lambda m: m.iloc[0])
    compound = frame["indicator"].isin(measures.index[measures.map(method_for) == "compound"])
    # growth rates: a period inside the horizon, and no plan stating two rows for the same period
    usable = frame.loc[compound & frame["period_start"].notna() & (frame["period_start"] >= FIRST_YEAR)
                       & (frame["period_end"] <= HORIZON), ["indicator", "document_id", "period_start", "period_end"]]
    plan = ["indicator", "document_id"]
    conflicting = usable.loc[usable.duplicated(keep=False), plan].drop_duplicates()
    usable = usable[plan].merge(conflicting, on=plan, how="left", indicator=True)
    drawn = set(usable.loc[usable["_merge"] == "left_only", "indicator"])
    # levels and shares: two or more values inside the horizon, no two in the same year
    years = frame.loc[~compound & (frame["target_year"] >= FIRST_YEAR - 1) & (frame["target_year"] <= HORIZON),
                      [*plan, "target_year"]]
    per_plan = years.groupby(plan)["target_year"].agg(["size", "nunique"])
    per_plan = per_plan[(per_plan["size"] >= 2) & (per_plan["size"] == per_plan["nunique"])]
    return drawn | set(per_plan.index.get_level_values("indicator"))


def indicator_options(frame: pd.DataFrame) -> pd.DataFrame:
    """Indicators for which some plan implies a path, services first, then by sector and name."""
    rows = []
    drawn = _drawable_indicators(frame)
    for indicator, group in frame.groupby("indicator", sort=False):
        if indicator not in drawn:
            continue
        first = group.iloc[0]
        provincial = group[group["scope"] != "national"]
        rows.append({"indicator": indicator, "label_vi": first["indicator_label_vi"],
                     "label_en": first["indicator_label_en"], "measure": first["measure"],
                     "sector_order": first["sector_order"], "n_provinces": provincial["province_code"].nunique(),
                     "has_national": bool((group["scope"] == "national").any())})
    options = pd.DataFrame(rows, columns=["indicator", "label_vi", "label_en", "measure", "sector_order",
                                          "n_provinces", "has_national"])
    if options.empty:
        return options
    options["_name"] = options["label_vi"].map(sort_key)
    options["_first"] = ~options["indicator"].isin(["services_growth", "services_share_grdp"])
    return (options.sort_values(["_first", "sector_order", "_name"]).drop(columns=["_name", "_first"])
            .reset_index(drop=True))


def province_options(frame: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """Provinces whose plans state the indicator (with a path or only a target), alphabetically."""
    rows = frame[(frame["indicator"] == indicator) & (frame["scope"] != "national")]
    provinces = rows.drop_duplicates("province_code")[["province_code", "province_name_vi", "province_name_en"]]
    provinces = provinces.assign(_key=provinces["province_name_vi"].map(sort_key))
    return provinces.sort_values("_key").drop(columns="_key").reset_index(drop=True)


# ------------------------------------------------------------------------------------------- numbers

def indicator_meta(frame: pd.DataFrame, indicator: str) -> dict:
    row = frame[frame["indicator"] == indicator].iloc[0]
    return {"indicator": indicator, "label_vi": row["indicator_label_vi"], "label_en": row["indicator_label_en"],
            "measure": row["measure"], "unit": row["unit"], "symbol_vi": row["unit_symbol_vi"] or "",
            "symbol_en": row["unit_symbol_en"] or "", "decimals": int(row["unit_decimals"])}


def value_decimals(meta: dict, paths: list[Path] | None = None) -> int:
    """Decimals of the path values: an index has one; shares as many as the plans' own figures (1–2)."""
    if meta["measure"] == "growth_rate":
        return 1
    if meta["measure"] == "share":
        stated = [v for p in paths or [] for pt in p.points for v in (pt.low, pt.high)]
        return max([1] + [_decimals_of(v) for v in stated])
    return max(meta["decimals"], 0)


def _decimals_of(value: float, most: int = 2) -> int:
    text = f"{round(value, most):.{most}f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def _significant(value: float, digits: int = 4) -> float:
    """Interpolated levels shown to 4 significant digits: 227.009.162 t is not that precise."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))


def stated_years(path: Path) -> set[int]:
    """Years for which the plan itself states a figure (period ends of rates; years of values)."""
    if path.method == "compound":
        return {s.years[-1] for s in path.segments if not s.projection}
    return {p.year for p in path.points}


def _status(path: Path, segment: Segment, year: int) -> str:
    if segment.projection:
        return "projection"
    if year == path.base_year and path.method == "compound":
        return "base"
    if year in stated_years(path):
        return "period_end" if path.method == "compound" else "stated"
    return "implied"


def implied_numbers(paths: list[Path]) -> pd.DataFrame:
    """Long table of every value drawn: one row per plan, year and kind (projection rows separate)."""
    rows = []
    for path in paths:
        seen: set[tuple[int, bool]] = set()
        for segment in path.segments:
            for year, low, high in zip(segment.years, segment.low, segment.high):
                if (year, segment.projection) in seen or (segment.projection and year == segment.years[0]):
                    continue
                seen.add((year, segment.projection))
                rows.append({"document_id": path.document_id, "document_number": path.document_number,
                             "province_code": path.province_code, "province_vi": path.names["vi"],
                             "province_en": path.names["en"], "scope": path.scope, "method": path.method,
                             "year": year, "low": low, "high": high, "comparator": segment.comparator,
                             "bound": segment.bound, "approximate": segment.approximate,
                             "status": _status(path, segment, year)})
        if not path.segments:
            for point in path.points:
                rows.append({"document_id": path.document_id, "document_number": path.document_number,
                             "province_code": path.province_code, "province_vi": path.names["vi"],
                             "province_en": path.names["en"], "scope": path.scope, "method": "points",
                             "year": point.year, "low": point.low, "high": point.high,
                             "comparator": point.comparator, "bound": _bound(point.comparator),
                             "approximate": point.approximate, "status": "stated"})
    return pd.DataFrame(rows, columns=["document_id", "document_number", "province_code", "province_vi", "province_en",
                                       "scope", "method", "year", "low", "high", "comparator", "bound", "approximate",
                                       "status"])


def csv_frame(numbers: pd.DataFrame, meta: dict, lang: str) -> pd.DataFrame:
    """The CSV behind the chart: exactly the values drawn, unrounded, with translated headers.

    The qualifier of a value: a bound carried from an earlier period wins (ít nhất …) over its own comparator."""
    qualifier = numbers["bound"].map({"lower": "at_least", "upper": "at_most"}).fillna(numbers["comparator"])
    about = t("comparator.about.prefix", lang)
    texts = []
    for key, hedged, status in zip(qualifier, numbers["approximate"].fillna(False), numbers["status"]):
        prefix = t(f"comparator.{key}.prefix", lang)
        if hedged and key != "about":  # 'khoảng 7–8%' stays hedged, as formatting.value_label writes it
            prefix = f"{prefix} {about}".strip()
        texts.append("" if status == "base" else prefix)
    qualifier = pd.Series(texts, index=numbers.index, dtype=object)
    return pd.DataFrame({
        t("col.province", lang): numbers[f"province_{lang}"],
        t("col.document", lang): numbers["document_number"],
        t("col.indicator", lang): meta[f"label_{lang}"],
        t("col.unit", lang): unit_label(meta, lang),
        t("col.year", lang): numbers["year"].astype(int),
        t("trajectory.col.low", lang): numbers["low"].round(6),
        t("trajectory.col.high", lang): numbers["high"].round(6),
        t("trajectory.col.qualifier", lang): qualifier.tolist(),
        t("trajectory.col.status", lang): numbers["status"].map(lambda s: t(f"trajectory.status.{s}", lang)),
        t("trajectory.col.method", lang): numbers["method"].map(lambda m: t(f"trajectory.method.{m}", lang)),
    })


def unit_label(meta: dict, lang: str) -> str:
    if meta["measure"] == "growth_rate":
        return t("trajectory.unit.index", lang)
    return meta[f"symbol_{lang}"] or t(f"trajectory.unit.{meta['measure']}", lang)


def _number_pair(low: float, high: float, lang: str, decimals: int) -> str:
    a, b = formatting.number(low, lang, decimals), formatting.number(high, lang, decimals)
    return a if a == b else f"{a}–{b}"


@lru_cache(maxsize=65536)
def _fixed(value: float, lang: str, decimals: int) -> str:
    """A number with exactly `decimals` decimals (babel costs ~70 µs a call; tables and hovers repeat values)."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=formatting.LOCALES[lang])


def _cell(low: float, high: float, comparator: str, lang: str, decimals: int) -> str:
    a, b = _fixed(low, lang, decimals), _fixed(high, lang, decimals)
    text = a if a == b else f"{a}–{b}"
    prefix = {"at_least": "≥ ", "at_most": "≤ "}.get(comparator, "")
    return prefix + text


def stated_text(path: Path, meta: dict, lang: str) -> str:
    """The plan's own figures behind the path, as stated: 'khoảng 10,4%/năm (2021–2025)'."""
    symbol = meta[f"symbol_{lang}"]
    parts = []
    if path.method == "compound":
        for segment in path.segments:
            if segment.projection or segment.stated is None:
                continue
            text = formatting.value_label(segment.stated[0], segment.stated[1], segment.comparator, symbol, lang,
                                          segment.approximate)
            parts.append(f"{text} ({formatting.period_text(*segment.period)})")
    else:
        for point in path.points:
            text = formatting.value_label(point.low, point.high, point.comparator, symbol, lang, point.approximate)
            parts.append(f"{text} ({point.year})")
    return "; ".join(parts)


def step_text(path: Path, meta: dict, lang: str, projection: bool = False) -> str:
    """Pace of each segment: %/year for growth and levels, percentage points a year for shares."""
    parts = []
    if path.method == "compound" and not projection:
        real = [s for s in path.segments if not s.projection]
        periods_low = [(s.period[0], s.period[1], s.step[0]) for s in real]
        periods_high = [(s.period[0], s.period[1], s.step[1]) for s in real]
        average = _number_pair(average_rate(periods_low), average_rate(periods_high), lang, 2)
        total = _number_pair(real[-1].low[-1] / real[0].low[0] * 100 - 100,
                             real[-1].high[-1] / real[0].high[0] * 100 - 100, lang, 1)
        return t("trajectory.pace.compound", lang, rate=average + t("trajectory.unit.pct_per_year", lang),
                 period=formatting.period_text(real[0].period[0], real[-1].period[1]), total=total)
    for segment in path.segments:
        if segment.projection != projection:
            continue
        if path.method == "linear":
            unit = t("trajectory.unit.pp_per_year", lang)
            value = _signed_range(segment.step, lang, 3)
            parts.append(f"{value} {unit} ({formatting.period_text(*segment.period)})")
            continue
        else:
            unit = t("trajectory.unit.pct_per_year", lang)
            low, high = (formatting.number(segment.step[0], lang, 2), formatting.number(segment.step[1], lang, 2))
        value = low if low == high else f"{low}–{high}"
        space = " " if path.method == "linear" else ""
        parts.append(f"{value}{space}{unit} ({formatting.period_text(*segment.period)})")
    return "; ".join(parts)


def _signed_range(values: tuple[float, float], lang: str, decimals: int) -> str:
    """+0,224 / +0,3–0,4 / −0,2–0,1 (one sign for both ends) / −0,1 … +0,3 (ends of different signs)."""
    low, high = values
    if (low >= 0) == (high >= 0):
        sign = "+" if low >= 0 else "−"
        a, b = formatting.number(abs(low), lang, decimals), formatting.number(abs(high), lang, decimals)
        a, b = (a, b) if low >= 0 else (b, a)
        return sign + (a if a == b else f"{a}–{b}")
    return f"{_signed(low, lang, decimals)} … {_signed(high, lang, decimals)}"


def _signed(value: float, lang: str, decimals: int) -> str:
    text = formatting.number(abs(value), lang, decimals)
    return ("+" if value >= 0 else "−") + text


def summary_table(paths: list[Path], meta: dict, lang: str) -> pd.DataFrame:
    """One row per plan: what it states, and the pace that implies (plus the projection's pace, if shown)."""
    rows = []
    for path in paths:
        if path.segments:
            pace = step_text(path, meta, lang)
            if any(s.projection for s in path.segments):
                pace += "; " + t("trajectory.projection_label", lang) + " " + step_text(path, meta, lang, True)
        else:
            pace = t(f"trajectory.issue.{path.issue or 'no_baseline'}", lang)
        rows.append({t("trajectory.col.plan", lang): plan_label(path, lang),
                     t("trajectory.col.stated", lang): stated_text(path, meta, lang),
                     t("trajectory.col.pace", lang): pace})
    return pd.DataFrame(rows)


def implied_table(paths: list[Path], meta: dict, lang: str) -> pd.DataFrame:
    """The implied values for reading: one row per year, one column per plan, formatted for the language.

    Projected values carry a dagger (†); minimums (ít nhất) a ≥.
    """
    numbers = implied_numbers(paths)
    if numbers.empty:
        return pd.DataFrame()
    decimals = value_decimals(meta, paths)
    years = sorted(int(y) for y in numbers["year"].unique())
    table = {t("col.year", lang): [str(y) for y in years]}
    by_plan: dict[str, list] = {}
    for r in numbers.itertuples():      # the values of the plans shown: a few hundred rows at most
        by_plan.setdefault(r.document_id, []).append(r)
    for path in paths:
        cells = {}
        for r in by_plan.get(path.document_id, []):
            comparator = {"lower": "at_least", "upper": "at_most"}.get(r.bound or "", "exact")
            if r.status == "base":
                comparator = "exact"
            low, high = r.low, r.high
            if meta["measure"] in ("level", "ratio") and r.status in ("implied", "projection"):
                low, high = _significant(low), _significant(high)
            text = _cell(low, high, comparator, lang, decimals)
            cells[int(r.year)] = text + (" †" if r.status == "projection" else "")
        table[plan_label(path, lang)] = [cells.get(y, "") for y in years]
    return pd.DataFrame(table)


# ------------------------------------------------------------------------------------------- the chart

def _rgba(hex_colour: str, alpha: float) -> str:
    hex_colour = hex_colour.lstrip("#")
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def colour_of(path: Path) -> str:
    if path.national:
        return NATIONAL_COLOURS[path.colour_index % len(NATIONAL_COLOURS)]
    return PALETTE[path.colour_index % len(PALETTE)]


def symbol_of(path: Path) -> str:
    return SYMBOLS[path.colour_index % len(SYMBOLS)] if not path.national else "circle"


def plan_label(path: Path, lang: str) -> str:
    return f"{path.name(lang)} – {path.document_number}"


_plotly_text = widgets.escape_html  # Plotly reads a few HTML-like tags in text: data must not add any


def legend_name(path: Path, lang: str) -> str:
    return _plotly_text(plan_label(path, lang))


def figure(paths: list[Path], meta: dict, lang: str, source: str, achieved: pd.DataFrame | None = None) -> go.Figure:
    """Line/band chart of the implied paths, with the national ones in black and grey, and the `achieved` values
    (v_achieved rows) over them: drawn before the layout, which sizes the legend and the value axis for them too."""
    decimals = value_decimals(meta, paths)
    unit = unit_label(meta, lang)
    fig = go.Figure()
    ranks = {p.document_id: i for i, p in enumerate(paths)}
    # national paths first so that they lie underneath; the legend keeps the provinces on top
    for path in sorted(paths, key=lambda p: not p.national):
        colour = colour_of(path)
        name = legend_name(path, lang)
        first_shown = False
        for segment in path.segments:
            show_legend = not first_shown and not segment.projection
            first_shown = first_shown or show_legend
            _add_segment(fig, path, segment, name, colour, meta, lang, decimals, show_legend, ranks[path.document_id])
        if not path.segments:
            _add_points(fig, path, name, colour, meta, lang, decimals, ranks[path.document_id])
    projections = [p for p in paths if any(s.projection for s in p.segments)]
    for path in projections:  # one legend entry per projected plan, after the real paths
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=_plotly_text(path.name(lang)) + ": "
                                 + t("trajectory.projection_legend", lang),
                                 line=dict(color=colour_of(path), dash="dot", width=2),
                                 legendgroup=path.document_id + "-projection", showlegend=True, hoverinfo="skip",
                                 legendrank=100 + ranks[path.document_id],
                                 meta={"document_id": path.document_id, "role": "projection_legend"}))
    if achieved is not None:
        add_achieved(fig, paths, achieved, meta, lang)
    years = [y for p in paths for s in p.segments for y in s.years] + [pt.year for p in paths if not p.segments
                                                                         for pt in p.points]
    base_years = sorted({p.base_year for p in paths if p.segments and p.method == "compound"})
    base = t("trajectory.base_year_n", lang, year=base_years[0]) if len(base_years) == 1 \
        else t("trajectory.base_year", lang)
    subtitle = t(f"trajectory.subtitle.{meta['measure'] if meta['measure'] in ('growth_rate', 'share') else 'level'}",
                 lang, base=base, unit=unit)
    title = t("trajectory.chart_title", lang, indicator=meta[f"label_{lang}"])
    y_title = t("trajectory.axis.index", lang, base=base) if meta["measure"] == "growth_rate" else unit
    if years and min(years) < 2025 < max(years):
        fig.add_vline(x=2025, line=dict(color="#9A9A9A", width=1, dash="dot"))
    _lay_out(fig, paths, lang, title, subtitle, source, y_title, meta["measure"], years)
    return fig


# The chart reads on a 390 px phone as at 1440 px from one figure (the server does not know the width), like the
# overview's range chart (charts.header, charts.layout_dict): title, subtitle, reading note and source wrapped to a
# phone's width; the legend in rows above the plot (orientation 'h', in the container's coordinates, so Plotly wraps
# it to the width and moves the plot's top below it: many rows on a phone, a few on a screen); the paths named at
# their ends inside the plot, pushed apart so that no two names overlap.
PLOT_MIN = 330          # pixels of plot height on a phone, under a legend of one entry a row
LEGEND_ROW = 21         # pixels of a legend row (font 12)
NOTE_LINE = 15          # pixels of a line of the reading note and the source line (font 11–12)
LABEL_LINE = 14         # pixels of a line of an end label (font 11)
LABEL_CHAR = 6.6        # pixels of a character of an end label (font 11, bold)
PHONE_PLOT_WIDTH = 270  # pixels of plot width on a 390 px phone (chart 358 px less the y axis)
NOTE_CHARS = 46        # characters a line of the reading note and source line: they fit a phone's plot width


def _lay_out(fig: go.Figure, paths: list[Path], lang: str, title: str, subtitle: str, source: str, y_title: str,
             measure: str, years: list[int]) -> None:
    entries = sum(1 for trace in fig.data if trace.showlegend is not False and trace.name)
    # one legend row per entry reserved (a phone's worst); the reading note and the source line are wrapped here,
    # narrower than the overview's: they start at the plot's left edge, right of the y axis
    head = charts.header(title, subtitle, "", entries)
    notes = [charts.wrap_lines(t("trajectory.how_to_read", lang), NOTE_CHARS), charts.wrap_lines(source, NOTE_CHARS)]
    bottom = head.bottom + NOTE_LINE * (len(notes[0]) + len(notes[1])) + 8
    height = head.legend_top + LEGEND_ROW * entries + 12 + PLOT_MIN + bottom
    layout = charts.layout_dict(lang, head=head, height=height)
    # the legend's rows push the plot's top down (a reserved margin): its least top is just under the subtitle
    layout["margin"].update(t=head.legend_top + 10, b=bottom, autoexpand=True)
    layout["legend"].update(orientation="h", title=dict(text=t("trajectory.legend_title", lang), side="top"),
                            groupclick="togglegroup", maxheight=1.0)
    values = [v for p in paths for s in p.segments for v in (*s.low, *s.high)] + \
             [v for p in paths if not p.segments for pt in p.points for v in (pt.low, pt.high)] + \
             [v for trace in fig.data if (trace.meta or {}).get("role") == "achieved" for v in trace.y]
    x_range = (min(years) - 0.3, max(years) + 0.3) if years else None
    # the labels pushed apart on the value axis, the axis grown for the room the top labels need, until it holds them
    y_range = _value_range(values, [], PLOT_MIN)
    labels = end_labels(paths, lang, x_range=x_range, y_range=y_range)
    for _ in range(5):
        needed = _value_range(values, labels, PLOT_MIN)
        if y_range is None or needed[1] <= y_range[1] + 1e-9:
            break
        y_range = needed
        labels = end_labels(paths, lang, x_range=x_range, y_range=y_range)
    fig.update_layout(
        **layout,
        hovermode="x unified",
        # year labels as many as the width holds (every 5 years on a phone), a tick at every year
        xaxis=dict(title=dict(text=t("col.year", lang), standoff=6), tickformat="d", showgrid=False,
                   range=list(x_range) if x_range else None, automargin=True, ticks="outside", ticklen=5,
                   minor=dict(dtick=1, ticks="outside", ticklen=3)),
        yaxis=dict(title=dict(text=y_title, standoff=4),
                   tickformat=",.0f" if measure != "share" else ",.1f", zeroline=False, automargin=True,
                   showgrid=True, gridcolor="#E5E5E5", range=y_range),
        annotations=[dict(text="<br>".join(widgets.escape_html(line) for line in notes[0]), xref="paper",
                          yref="paper", x=0, y=0, yshift=-62, xanchor="left", yanchor="top", showarrow=False,
                          align="left", font=dict(size=11, color="#262730")),
                     dict(charts.source_annotation("<br>".join(widgets.escape_html(line) for line in notes[1])),
                          yshift=-62 - NOTE_LINE * len(notes[0]) - 8)],
    )
    for label in labels:
        fig.add_annotation(**label)


def _value_range(values: list[float], labels: list[dict], plot_height: float) -> list[float] | None:
    """The value axis: the paths with a little room below, and above them the room their end labels need on the
    shortest plot (a phone's) — on a taller plot the same pixels take less of the axis."""
    if not values:
        return None
    low, high = min(values), max(values)
    span = (high - low) or abs(high) or 1.0
    bottom, top = low - 0.04 * span, high + 0.04 * span
    for label in labels:
        above = label["yshift"] + (label["text"].count("<br>") + 1) * LABEL_LINE + 4 + 4
        if above > 0:  # the label's top must stay under the plot's top: (y-b)/(T-b)·P + above <= P
            top = max(top, bottom + (label["y"] - bottom) * plot_height / max(plot_height - above, 1.0))
    return [bottom, top]


END_LABEL = "end-label"  # the name of the annotations naming the paths at their ends
END_LABEL_GAP = 0.05  # ends closer than this share of the value axis share one label


def end_labels(paths: list[Path], lang: str, plot_height: float = PLOT_MIN, x_range: tuple[float, float] | None = None,
               y_range: list[float] | None = None) -> list[dict]:
    """Each drawn path named at its last stated year, just above its end, in its colour: lines that coincide
    (Hậu Giang's 'ít nhất 8,7%/năm' and Thanh Hóa's 8,9% then 'khoảng 8,5%', a few tenths apart) could not be told
    apart by colour or marker, one drawn over the other. Ends in the same year closer than END_LABEL_GAP of the
    axis share one label that lists them all, top to bottom, one a line, so a hidden line is still named where it
    ends. The names are short lines (a national plan's number on a line of its own) left of the end, inside the
    plot: a phone's plot is ~270 px wide. Labels of the same year are pushed down, in pixels, until none overlaps
    the one above it on the shortest plot (`plot_height`, a phone's, with the value axis `y_range`; without it, not
    at all): on a taller plot they are further apart."""
    ends = []
    for path in paths:
        segments = [s for s in path.segments if not s.projection and s.years]
        if not segments:
            continue
        last = segments[-1]
        lines = [path.name(lang)] + ([path.document_number] if path.national else [])
        ends.append((last.years[-1], (last.low[-1] + last.high[-1]) / 2, lines, colour_of(path)))
    if not ends:
        return []
    values = [v for p in paths for s in p.segments for v in (*s.low, *s.high)]
    low, high = min(values), max(values)
    gap = END_LABEL_GAP * ((high - low) or 1.0)
    clusters: list[list[tuple]] = []
    for end in sorted(ends, key=lambda e: (e[0], -e[1])):
        if clusters and clusters[-1][-1][0] == end[0] and clusters[-1][-1][1] - end[1] < gap:
            clusters[-1].append(end)
        else:
            clusters.append([end])
    per_pixel = (y_range[1] - y_range[0]) / plot_height if y_range else None  # axis units a pixel, shortest plot
    labels, above = [], None                    # `above`: (year, pixel bottom) of the label over the next
    for cluster in clusters:
        year, y = cluster[0][0], cluster[0][1]
        names = [line for _, _, lines, _ in cluster for line in lines]
        text = "<br>".join(f"<span style='color:{colour}'>{'<br>'.join(_plotly_text(line) for line in lines)}</span>"
                           for _, _, lines, colour in cluster)  # a span per path: its name, its colour
        width = LABEL_CHAR * max(len(line) for line in names)
        # left of the end, unless the plot has no room left of it on a phone: then right of it
        room = (year - x_range[0]) / (x_range[1] - x_range[0]) * PHONE_PLOT_WIDTH if x_range else width
        left = room >= width + 6
        shift = 6
        pixel = y / per_pixel if per_pixel else 0.0  # the end, in pixels up the shortest plot
        if per_pixel and above is not None and above[0] == year:  # its top stays under the label above it
            top = pixel + shift + LABEL_LINE * len(names) + 4
            if top > above[1] - 2:
                shift -= top - (above[1] - 2)
        above = (year, pixel + shift)
        labels.append(dict(x=year, y=y, xref="x", yref="y", text=f"<b>{text}</b>", showarrow=False,
                           xanchor="right" if left else "left", yanchor="bottom", xshift=-4 if left else 4,
                           yshift=shift, align="right" if left else "left", font=dict(size=11),
                           bgcolor="rgba(255,255,255,0.8)", name=END_LABEL))
    return labels


def _hover(path: Path, segment: Segment, low: float, high: float, lang: str, decimals: int) -> str:
    value = _cell(low, high, "exact", lang, decimals)
    prefix = {"lower": t("trajectory.hover.at_least", lang), "upper": t("trajectory.hover.at_most", lang)}.get(
        segment.bound or "", "")
    text = f"{_plotly_text(plan_label(path, lang))}: {prefix}{value}"
    if segment.projection:
        text += " — " + t("trajectory.projection_label", lang)
    elif segment.comparator == "about" or segment.approximate:
        text += " (" + t("trajectory.hover.about", lang) + ")"
    return text


def _add_segment(fig: go.Figure, path: Path, segment: Segment, name: str, colour: str, meta: dict, lang: str,
                 decimals: int, show_legend: bool, rank: int) -> None:
    stated = stated_years(path)
    marker_sizes = [0 if segment.projection or y not in stated else 9 for y in segment.years]
    hover = [_hover(path, segment, lo, hi, lang, decimals) for lo, hi in zip(segment.low, segment.high)]
    dash = "dot" if segment.projection else ("dash" if segment.bound else "solid")
    symbol = {"lower": "triangle-up", "upper": "triangle-down"}.get(segment.bound or "", symbol_of(path))
    common = dict(legendgroup=path.document_id + ("-projection" if segment.projection else ""), legendrank=rank,
                  meta={"document_id": path.document_id, "projection": segment.projection,
                        "band": segment.is_band, "bound": segment.bound, "comparator": segment.comparator})
    if segment.is_band:
        fig.add_trace(go.Scatter(x=segment.years, y=segment.low, mode="lines", showlegend=False, hoverinfo="skip",
                                 line=dict(color=colour, width=1.2, dash=dash), name=name, **common))
        fig.add_trace(go.Scatter(
            x=segment.years, y=segment.high, mode="lines+markers", fill="tonexty",
            fillcolor=_rgba(colour, 0.0 if segment.projection else (0.13 if path.national else 0.2)),
            line=dict(color=colour, width=1.2, dash=dash),
            marker=dict(size=[s * 0.8 for s in marker_sizes], symbol=symbol, color=colour),
            name=name, showlegend=show_legend, text=hover, hovertemplate="%{text}<extra></extra>", **common))
    else:
        fig.add_trace(go.Scatter(
            x=segment.years, y=segment.low, mode="lines+markers", name=name, showlegend=show_legend,
            line=dict(color=colour, width=2 if segment.projection else 3, dash=dash),
            marker=dict(size=marker_sizes, symbol=symbol, color=colour, line=dict(width=1, color="white")),
            text=hover, hovertemplate="%{text}<extra></extra>", **common))


def _add_points(fig: go.Figure, path: Path, name: str, colour: str, meta: dict, lang: str, decimals: int,
                rank: int) -> None:
    """A plan with no path (a target without a base year): a range as a bar from low to high, a single
    value as an open circle, a minimum/maximum as an open triangle — shapes, not colours, tell them apart."""
    reason = t(f"trajectory.issue.{path.issue or 'no_baseline'}", lang)
    for i, point in enumerate(path.points):
        value = formatting.value_label(point.low, point.high, point.comparator, meta[f"symbol_{lang}"], lang,
                                       point.approximate)
        text = _plotly_text(f"{plan_label(path, lang)}, {point.year}: {value} — {reason}")
        common = dict(name=f"{name}: " + t("trajectory.points_only", lang), legendgroup=path.document_id,
                      legendrank=rank, showlegend=i == 0, hovertemplate="%{text}<extra></extra>",
                      meta={"document_id": path.document_id, "points_only": True, "year": point.year,
                            "low": point.low, "high": point.high, "comparator": point.comparator})
        if point.low != point.high:
            fig.add_trace(go.Scatter(x=[point.year, point.year], y=[point.low, point.high], mode="lines+markers",
                                     line=dict(color=colour, width=7), text=[text, text],
                                     marker=dict(symbol="line-ew", size=16, line=dict(width=3, color=colour)),
                                     **common))
        else:
            symbol = {"at_least": "triangle-up-open", "at_most": "triangle-down-open"}.get(point.comparator,
                                                                                         "circle-open")
            fig.add_trace(go.Scatter(x=[point.year], y=[point.low], mode="markers", text=[text],
                                     marker=dict(size=15, symbol=symbol, color=colour, line=dict(width=3)),
                                     **common))


# ------------------------------------------------------------------------------------------- consistency

@dataclass
class Check:
    document_id: str
    document_number: str
    province_code: str
    names: dict[str, str]
    kind: str                  # economy_growth / share_direction / level_growth
    status: str                # consistent / inconsistent / no_reference / missing
    window: tuple[int, int] | None = None
    details: dict = field(default_factory=dict)
    scope: str = ""            # the plan's scope (provincial / national): which selections show the check


class _Row(NamedTuple):
    """One target as the checks read it: plain Python values (a plan has a few dozen; pandas per plan is slow)."""
    target_id: str
    indicator: str
    measure: str
    value_low: float
    value_high: float
    comparator: str
    period_start: int | None
    period_end: int | None
    target_year: int | None
    unit_symbol_vi: str
    unit_symbol_en: str
    approximate: bool


class _Plan:
    """The targets of one plan that some check can use, by indicator, in the warehouse's order."""

    def __init__(self, rows: list[_Row], faster: list[str]):
        self.by_indicator: dict[str, list[_Row]] = {}
        for row in rows:
            self.by_indicator.setdefault(row.indicator, []).append(row)
        self.measures = {row.indicator: row.measure for row in rows}   # the last row's, like dict(zip(...))
        self.faster = faster       # ids of the targets whose clause says the sector outgrows the economy, in order

    def rows(self, indicator: str) -> list[_Row]:
        return self.by_indicator.get(indicator, [])

    def values_at(self, indicator: str, year: int) -> list[tuple[float, float, str]]:
        return [(r.value_low, r.value_high, r.target_id) for r in self.rows(indicator) if r.target_year == year]

    def claims_faster(self, ids: list[str]) -> str | None:
        """The id of a clause saying the sector grows faster than the economy, among the given targets."""
        wanted = set(ids)
        return next((target_id for target_id in self.faster if target_id in wanted), None)


def _growth_chain(plan: _Plan, indicator: str) -> list[_Row]:
    rows = [r for r in plan.rows(indicator) if r.period_start is not None and r.period_start >= FIRST_YEAR]
    rows.sort(key=lambda r: (r.period_start, r.period_end is None, r.period_end or 0))   # stable, like sort_values
    chain: list[_Row] = []
    for row in rows:
        if chain and row.period_start != chain[-1].period_end + 1:
            break
        if chain and row.period_start == chain[-1].period_start:
            continue
        chain.append(row)
    return chain


def _windows(chain: list) -> list[tuple[int, int, list]]:
    """Every stretch of consecutive periods: (first year − 1, last year, rows)."""
    out = []
    for i in range(len(chain)):
        for j in range(i, len(chain)):
            out.append((int(chain[i].period_start) - 1, int(chain[j].period_end), chain[i:j + 1]))
    return out


def _chain_rate(rows: list, edge: str) -> float:
    periods = [(int(r.period_start), int(r.period_end), getattr(r, edge)) for r in rows]
    return average_rate(periods)


def _check_indicators(indicators) -> set[str]:
    """The indicators some check reads: the share/growth pairs, GRDP growth, every `*_growth` and its level."""
    wanted = set(SHARE_GROWTH_PAIRS) | set(SHARE_GROWTH_PAIRS.values()) | {ECONOMY_GROWTH}
    for indicator in indicators:
        if isinstance(indicator, str) and indicator.endswith("_growth"):
            wanted |= {indicator, indicator.removesuffix("_growth")}
    return wanted


def plan_checks(frame: pd.DataFrame) -> list[Check]:
    """Every plan's checks (national plans included), plan by plan: what its own targets imply.

    The rows are narrowed to the indicators a check reads and turned into plain tuples once (vectorised), so the
    cost is one pass over those rows, not a pandas filter per plan and indicator."""
    if frame.empty:
        return []
    firsts = frame.drop_duplicates("document_id")
    headers = {doc: dict(document_id=doc, document_number=number, province_code=code, names={"vi": vi, "en": en},
                         scope=scope)
               for doc, number, code, vi, en, scope in zip(
                   firsts["document_id"].tolist(), firsts["document_number"].tolist(),
                   firsts["province_code"].tolist(), firsts["province_name_vi"].tolist(),
                   firsts["province_name_en"].tolist(), firsts["scope"].tolist())}
    rows = frame[frame["indicator"].isin(_check_indicators(frame["indicator"].unique()))]
    text = rows["citation"].astype(object).fillna("").astype(str).str.normalize("NFC").str.casefold()
    faster = pd.Series(False, index=rows.index)
    for phrase in FASTER_THAN_ECONOMY:
        faster |= text.str.contains(phrase, regex=False)
    plans: dict[str, list[_Row]] = {}
    claims: dict[str, list[str]] = {}
    for document_id, row, is_faster in zip(rows["document_id"].tolist(), _records(rows, _Row), faster.tolist()):
        plans.setdefault(document_id, []).append(row)
        if is_faster:
            claims.setdefault(document_id, []).append(row.target_id)
    checks: list[Check] = []
    for document_id, plan_rows in plans.items():
        plan, header = _Plan(plan_rows, claims.get(document_id, [])), headers[document_id]
        implied_by_services: dict[tuple[int, int], tuple[float, float, str]] = {}
        for share_indicator, growth_indicator in SHARE_GROWTH_PAIRS.items():
            found = _economy_checks(plan, header, share_indicator, growth_indicator, implied_by_services)
            if share_indicator == "services_share_grdp":
                for check in found:
                    if check.kind == "economy_growth" and check.status != "missing":
                        implied_by_services[check.window] = (*check.details["implied"], "services")
            checks += found
        checks += _level_checks(plan, header)
    return checks


SEVERITY = {"inconsistent": 0, "consistent": 1, "no_reference": 2, "missing": 3}


def select_checks(checks: list[Check], provinces: list[str] | tuple[str, ...] | None = None,
                  national: bool = True) -> list[Check]:
    """The checks of the selected provinces' plans (all provinces when None) and of the national ones, in the
    order of the selection, the nation last; within a plan the inconsistent ones first."""
    chosen = None if provinces is None else set(provinces)
    kept = [c for c in checks if (national if c.scope == "national" else chosen is None or c.province_code in chosen)]
    order = {code: i for i, code in enumerate(provinces or [])}
    kept.sort(key=lambda c: (c.province_code == "VN", order.get(c.province_code, 0), c.document_id,
                             SEVERITY[c.status]))
    return kept


def consistency_checks(frame: pd.DataFrame, provinces: list[str] | None = None, national: bool = True) -> list[Check]:
    """What each plan's own targets imply that can be checked, plan by plan."""
    return select_checks(plan_checks(frame), provinces, national)


def _economy_checks(plan: _Plan, header: dict, share_indicator: str, growth_indicator: str,
                    implied_elsewhere: dict | None = None) -> list[Check]:
    """Sector growth + the change of the sector's share of GRDP imply the economy's growth.

    The result is compared with the plan's own GRDP growth target for the same years; failing that
    (for sectors other than services), with the growth the plan's services targets imply.
    """
    shares = plan.rows(share_indicator)
    chain = _growth_chain(plan, growth_indicator)
    if not shares and not chain:
        return []
    checks = []
    covered: set[tuple[int, int]] = set()
    share_years = sorted({r.target_year for r in shares})
    economy = plan.rows(ECONOMY_GROWTH)
    for y0, y1, rows in _windows(chain):
        s0s, s1s = plan.values_at(share_indicator, y0), plan.values_at(share_indicator, y1)
        if not s0s or not s1s:
            continue
        covered.add((y0, y1))
        growth = (_chain_rate(rows, "value_low"), _chain_rate(rows, "value_high"))
        growth_ids = [r.target_id for r in rows]
        reference = _economy_reference(economy, y0, y1)
        if reference is None and implied_elsewhere and (y0, y1) in implied_elsewhere:
            reference = implied_elsewhere[(y0, y1)]
        for s0 in s0s:
            for s1 in s1s:
                implied = implied_economy_growth_range(growth, (s0[0], s0[1]), (s1[0], s1[1]), y1 - y0)
                claim = plan.claims_faster(growth_ids + [s1[2]])
                details = {"share_indicator": share_indicator, "growth_indicator": growth_indicator,
                           "growth": growth, "growth_comparators": [r.comparator for r in rows],
                           "growth_parts": _parts(rows),
                           "s0": s0[:2], "s1": s1[:2], "implied": implied, "reference": reference,
                           "claim": claim, "conflict": len(s0s) > 1 or len(s1s) > 1,
                           "ids": growth_ids + [s0[2], s1[2]]}
                status = "no_reference"
                if reference is not None:
                    status = "consistent" if overlaps(implied, reference[:2]) else "inconsistent"
                if claim and implied[0] > growth[1] + TOLERANCE_PP:
                    status = "inconsistent"
                checks.append(Check(**header, kind="economy_growth", status=status, window=(y0, y1),
                                    details=details))
    # successive shares with no growth rate over the same years: the share's direction still says something
    for y0, y1 in zip(share_years, share_years[1:]):
        if (y0, y1) in covered or any(a <= y0 and y1 <= b for a, b in covered):
            continue
        if any(y0 <= a and b <= y1 for a, b in covered):
            continue
        for s0 in plan.values_at(share_indicator, y0):
            for s1 in plan.values_at(share_indicator, y1):
                relative = (relative_growth(s0[0], s1[1], y1 - y0), relative_growth(s0[1], s1[0], y1 - y0))
                relative = (min(relative), max(relative))
                claim = plan.claims_faster([s1[2]])
                status = "no_reference"
                if claim:
                    status = "consistent" if relative[1] > 0 else "inconsistent"
                checks.append(Check(**header, kind="share_direction", status=status, window=(int(y0), int(y1)),
                                    details={"share_indicator": share_indicator, "s0": s0[:2], "s1": s1[:2],
                                             "relative": relative, "claim": claim, "ids": [s0[2], s1[2]]}))
    if chain and not covered:
        y0, y1 = int(chain[0].period_start) - 1, int(chain[-1].period_end)
        missing = [y for y in (y0, y1) if not plan.values_at(share_indicator, y)]
        have = [(int(r.target_year), r.value_low, r.value_high, r.comparator) for r in shares]
        checks.append(Check(**header, kind="economy_growth", status="missing", window=(y0, y1),
                            details={"share_indicator": share_indicator, "growth_indicator": growth_indicator,
                                     "growth": (_chain_rate(chain, "value_low"), _chain_rate(chain, "value_high")),
                                     "growth_parts": _parts(chain),
                                     "growth_comparators": [r.comparator for r in chain],
                                     "missing_years": missing, "have": have,
                                     "ids": [r.target_id for r in chain]}))
    return checks


def _economy_reference(economy: list[_Row], y0: int, y1: int) -> tuple[float, float, str] | None:
    """The plan's own GRDP growth target for exactly the same years, if it states one."""
    for row in economy:
        if row.period_start == y0 + 1 and row.period_end == y1:
            return (row.value_low, row.value_high, row.target_id)
    return None


def _level_checks(plan: _Plan, header: dict) -> list[Check]:
    """A stated growth rate of a quantity against the plan's own levels of it (freight_volume_growth ↔ freight_volume)."""
    checks = []
    measures = plan.measures
    for growth_indicator in sorted(i for i, m in measures.items() if m == "growth_rate" and i.endswith("_growth")):
        level_indicator = growth_indicator.removesuffix("_growth")
        if measures.get(level_indicator) not in ("level", "ratio"):
            continue
        level_rows = plan.rows(level_indicator)
        unit = (level_rows[0].unit_symbol_vi, level_rows[0].unit_symbol_en)
        for row in plan.rows(growth_indicator):
            if row.period_start is None:
                continue
            y0, y1 = int(row.period_start) - 1, int(row.period_end)
            if y1 <= y0 or row.period_start < FIRST_YEAR:
                continue
            v0s, v1s = plan.values_at(level_indicator, y0), plan.values_at(level_indicator, y1)
            stated = (row.value_low, row.value_high)
            base = dict(**header, kind="level_growth", window=(y0, y1))
            info = {"growth_indicator": growth_indicator, "level_indicator": level_indicator, "stated": stated,
                    "comparator": row.comparator, "unit": unit}
            if v0s and v1s:
                for v0 in v0s:
                    for v1 in v1s:
                        implied = (cagr(v0[0], v1[0], y1 - y0), cagr(v0[1], v1[1], y1 - y0))
                        implied = (min(implied), max(implied))
                        simple = simple_average_growth((v0[0] + v0[1]) / 2, (v1[0] + v1[1]) / 2, y1 - y0)
                        ok = overlaps(implied, stated)
                        checks.append(Check(**base, status="consistent" if ok else "inconsistent", details={
                            **info, "v0": v0[:2], "v1": v1[:2], "implied": implied,
                            "simple": simple if abs(simple - (stated[0] + stated[1]) / 2) <= TOLERANCE_PP else None,
                            "ids": [row.target_id, v0[2], v1[2]]}))
            elif v1s or v0s:
                known_year, values = (y1, v1s[0]) if v1s else (y0, v0s[0])
                factor_low, factor_high = (1 + stated[0] / 100) ** (y1 - y0), (1 + stated[1] / 100) ** (y1 - y0)
                if v1s:
                    implied = (values[0] / factor_high, values[1] / factor_low)
                else:
                    implied = (values[0] * factor_low, values[1] * factor_high)
                checks.append(Check(**base, status="missing", details={
                    **info, "known_year": known_year, "known": values[:2], "missing_year": y0 if v1s else y1,
                    "implied_level": implied, "ids": [row.target_id, values[2]]}))
    return checks


def _parts(rows: list) -> list[tuple[int, int, float, float, str, bool]]:
    return [(int(r.period_start), int(r.period_end), r.value_low, r.value_high, r.comparator, _flag(r.approximate))
            for r in rows]


def _rate(low: float, high: float, lang: str, decimals: int = 1, fixed: bool = False) -> str:
    """A rate in %/year; computed rates (fixed=True) keep their decimals so that 41,0–62,2 lines up."""
    if fixed:
        a, b = _fixed(low, lang, decimals), _fixed(high, lang, decimals)
        text = a if a == b else f"{a}–{b}"
    else:
        text = _number_pair(low, high, lang, decimals)
    return text + t("trajectory.unit.pct_per_year", lang)


def _growth_text(d: dict, lang: str) -> str:
    """The plan's growth figures as stated; several periods are followed by their average."""
    symbol = t("trajectory.unit.pct_per_year", lang)
    parts = d["growth_parts"]
    if len(parts) == 1:
        return formatting.value_label(parts[0][2], parts[0][3], parts[0][4], symbol, lang, parts[0][5])
    stated = ", ".join(formatting.value_label(lo, hi, c, symbol, lang, about) + f" ({formatting.period_text(a, b)})"
                       for a, b, lo, hi, c, about in parts)
    return f"{stated} → {_rate(*d['growth'], lang, 1, fixed=True)}"


def _share(value: tuple[float, float], lang: str) -> str:
    return _number_pair(value[0], value[1], lang, 2) + "%"


def checks_table(checks: list[Check], labels: dict[str, dict[str, str]], lang: str) -> pd.DataFrame:
    """The checks in plain language: what was combined, what it implies, and the verdict."""
    rows = []
    for check in checks:
        d = check.details
        period = formatting.period_text(check.window[0] + 1, check.window[1]) if check.window else ""
        if check.kind in ("economy_growth", "share_direction"):
            share_label = labels.get(d["share_indicator"], {}).get(lang, d["share_indicator"])
        if check.kind == "economy_growth" and check.status != "missing":
            test = t("trajectory.check.economy_growth", lang)
            inputs = t("trajectory.check.economy_inputs", lang, growth=_growth_text(d, lang),
                       sector=labels.get(d["growth_indicator"], {}).get(lang, d["growth_indicator"]),
                       period=period, share=share_label, y0=check.window[0], y1=check.window[1],
                       s0=_share(d["s0"], lang), s1=_share(d["s1"], lang))
            implied = _rate(*d["implied"], lang, fixed=True)
            verdict = _economy_verdict(check, lang)
        elif check.kind == "economy_growth":
            test = t("trajectory.check.economy_growth", lang)
            have = ", ".join(f"{_share((lo, hi), lang)} ({y})" for y, lo, hi, _ in d["have"]) or "—"
            inputs = t("trajectory.check.economy_inputs_partial", lang, growth=_growth_text(d, lang),
                       sector=labels.get(d["growth_indicator"], {}).get(lang, d["growth_indicator"]),
                       period=period, share=share_label, have=have)
            implied = "—"
            verdict = t("trajectory.verdict.missing_share", lang,
                        years=", ".join(str(y) for y in d["missing_years"]))
        elif check.kind == "share_direction":
            test = t("trajectory.check.share_direction", lang)
            inputs = t("trajectory.check.share_inputs", lang, share=share_label, y0=check.window[0],
                       y1=check.window[1], s0=_share(d["s0"], lang), s1=_share(d["s1"], lang))
            implied = _relative_text(d["relative"], lang)
            verdict = _direction_verdict(check, lang)
        else:
            level = labels.get(d["level_indicator"], {}).get(lang, d["level_indicator"])
            unit = d["unit"][0] if lang == "vi" else d["unit"][1]
            test = t("trajectory.check.level_growth", lang)
            stated = _rate(*d["stated"], lang, 2)
            if check.status == "missing":
                inputs = t("trajectory.check.level_inputs_missing", lang, level=level, year=d["known_year"],
                           value=_number_pair(*d["known"], lang, 1) + f" {unit}", growth=stated, period=period)
                implied = t("trajectory.check.implied_level", lang, year=d["missing_year"],
                            value=_number_pair(*d["implied_level"], lang, 0) + f" {unit}")
                verdict = t("trajectory.verdict.missing_level", lang, year=d["missing_year"])
            else:
                inputs = t("trajectory.check.level_inputs", lang, level=level, y0=check.window[0],
                           y1=check.window[1], v0=_number_pair(*d["v0"], lang, 1) + f" {unit}",
                           v1=_number_pair(*d["v1"], lang, 1) + f" {unit}", growth=stated)
                implied = _rate(*d["implied"], lang, 2, fixed=True)
                verdict = _level_verdict(check, lang)
        rows.append({
            t("trajectory.col.plan", lang): f"{check.names[lang]} – {check.document_number}",
            t("trajectory.col.check", lang): test,
            t("trajectory.col.inputs", lang): inputs,
            t("trajectory.col.implied", lang): implied,
            t("trajectory.col.verdict", lang): t(f"trajectory.status_label.{check.status}", lang),
            t("trajectory.col.explanation", lang): verdict,
        })
    return pd.DataFrame(rows)


def _relative_text(values: tuple[float, float], lang: str) -> str:
    """'2,5%/năm nhanh hơn GRDP' / 'chậm hơn', or the signed range when it straddles zero."""
    low, high = values
    if low > 0:
        return t("trajectory.check.relative_faster", lang, value=_number_pair(low, high, lang, 2))
    if high < 0:
        return t("trajectory.check.relative_slower", lang, value=_number_pair(-high, -low, lang, 2))
    return t("trajectory.check.relative", lang, value=_signed_pair(values, lang))


def _signed_pair(values: tuple[float, float], lang: str) -> str:
    a, b = _signed(values[0], lang, 2), _signed(values[1], lang, 2)
    return a if a == b else f"{a} … {b}"


def _economy_verdict(check: Check, lang: str) -> str:
    d = check.details
    parts = []
    implied = _rate(*d["implied"], lang, fixed=True)
    if d["reference"] is not None:
        reference = _rate(d["reference"][0], d["reference"][1], lang, fixed=d["reference"][2] == "services")
        match = "match" if overlaps(d["implied"], d["reference"][:2]) else "mismatch"
        source = "_services" if d["reference"][2] == "services" else ""
        parts.append(t(f"trajectory.verdict.economy_{match}{source}", lang, implied=implied, reference=reference))
    else:
        parts.append(t("trajectory.verdict.economy_no_reference", lang, implied=implied))
    if d["implied"][1] < d["growth"][0] - TOLERANCE_PP:
        parts.append(t("trajectory.verdict.share_rises", lang))
    elif d["implied"][0] > d["growth"][1] + TOLERANCE_PP:
        parts.append(t("trajectory.verdict.share_falls", lang))
    if d.get("claim") and d["implied"][0] > d["growth"][1] + TOLERANCE_PP:
        parts.append(t("trajectory.verdict.claim_contradicted", lang))
    if d.get("conflict"):
        parts.append(t("trajectory.verdict.conflict", lang))
    if "at_least" in d.get("growth_comparators", []):
        parts.append(t("trajectory.verdict.at_least_growth", lang))
    return " ".join(parts)


def _direction_verdict(check: Check, lang: str) -> str:
    d = check.details
    rising = d["relative"][0] > 0
    falling = d["relative"][1] < 0
    key = "rises" if rising else ("falls" if falling else "flat")
    text = t(f"trajectory.verdict.direction_{key}", lang)
    if d.get("claim"):
        text += " " + t("trajectory.verdict.claim_" + ("contradicted" if falling else "supported"), lang)
    return text


def _level_verdict(check: Check, lang: str) -> str:
    d = check.details
    implied, stated = _rate(*d["implied"], lang, 2, fixed=True), _rate(*d["stated"], lang, 2)
    if check.status == "consistent":
        return t("trajectory.verdict.level_match", lang, implied=implied, stated=stated)
    text = t("trajectory.verdict.level_mismatch", lang, implied=implied, stated=stated)
    if d.get("simple") is not None:
        text += " " + t("trajectory.verdict.simple_average", lang,
                        simple=formatting.number((d["stated"][0] + d["stated"][1]) / 2, lang, 2),
                        years=check.window[1] - check.window[0])
    return text


def indicator_labels(frame: pd.DataFrame) -> dict[str, dict[str, str]]:
    first = frame.drop_duplicates("indicator")
    return {r.indicator: {"vi": r.indicator_label_vi, "en": r.indicator_label_en} for r in first.itertuples()}



# ------------------------------------------------------------------------------------------- cached per warehouse version
#
# The page reads everything through these. Each result depends only on the warehouse version and a few small,
# hashable arguments (indicator, provinces as a tuple, projection, language): a rerun gets a cached copy of what
# it shows instead of recomputing it from every target, and the targets themselves are read only on a miss.

MAX_PLANS = 12      # provincial plans drawn, tabulated and checked at once; the CSV files hold all of them


def _targets(version: data.WarehouseVersion) -> pd.DataFrame:
    return data.query(version, TARGETS_SQL)


class IndicatorChoice(NamedTuple):
    indicator: str
    label_vi: str
    label_en: str
    n_provinces: int            # provinces whose plans state it (0: national plans only)


class ProvinceChoice(NamedTuple):
    province_code: str
    name_vi: str
    name_en: str


@data.shared(max_entries=8)
def cached_indicator_options(version: data.WarehouseVersion) -> tuple[IndicatorChoice, ...]:
    options = indicator_options(_targets(version))
    return tuple(IndicatorChoice(row.indicator, row.label_vi, row.label_en, int(row.n_provinces))
                 for row in options.itertuples(index=False))


@data.shared(max_entries=64)
def cached_province_options(version: data.WarehouseVersion, indicator: str) -> tuple[ProvinceChoice, ...]:
    options = province_options(_targets(version), indicator)
    return tuple(ProvinceChoice(*row) for row in options[["province_code", "province_name_vi", "province_name_en"]]
                 .itertuples(index=False))


@st.cache_data(show_spinner=False, max_entries=64)
def _cached_paths(version: data.WarehouseVersion, indicator: str, provinces: tuple[str, ...],
                  projection: bool) -> tuple[dict, list[Path]]:
    frame = _targets(version)
    return indicator_meta(frame, indicator), build_paths(frame, indicator, list(provinces), projection=projection)


def shown_paths(paths: list[Path], limit: int | None = None) -> list[Path]:
    """The first `limit` (MAX_PLANS) provincial plans, in the order of the selection, and every national one."""
    limit = MAX_PLANS if limit is None else limit
    return [p for p in paths if not p.national][:limit] + [p for p in paths if p.national]


@dataclass(frozen=True)
class View:
    """What the page shows for one selection: the plans drawn and tabulated, and the CSV of all of them."""
    meta: Mapping[str, object]
    paths: tuple[Path, ...]     # drawn and tabulated: shown_paths(every plan of the selection)
    shown: int                  # provincial plans among them
    total: int                  # provincial plans of the selection
    any_plan: bool              # the selection (national plans included) has some plan
    provincial_path: bool       # some selected provincial plan has a path, not only points
    csv: pa.Table               # csv_frame of every plan of the selection, in the language
    tables: widgets.HtmlBlock   # summary_table (by plan) and implied_table (by year) of the plans shown

    @property
    def capped(self) -> bool:
        return self.total > self.shown


@data.shared(max_entries=64)
def view(version: data.WarehouseVersion, indicator: str, provinces: tuple[str, ...], projection: bool,
         lang: str) -> View:
    meta, paths = _cached_paths(version, indicator, provinces, projection)
    shown = shown_paths(paths)
    provincial = [p for p in paths if not p.national]
    summary, implied = summary_table(shown, meta, lang), implied_table(shown, meta, lang)
    tables = [(None, frame.set_index(column)) for frame, column in
              ((summary, t("trajectory.col.plan", lang)), (implied, t("col.year", lang))) if not frame.empty]
    return View(MappingProxyType(meta), tuple(shown), sum(not p.national for p in shown), len(provincial),
                bool(paths), any(p.segments for p in provincial),
                data.arrow(csv_frame(implied_numbers(paths), meta, lang)), widgets.tables_markup(tables))


@st.cache_data(show_spinner=False, max_entries=4)
def _cached_checks(version: data.WarehouseVersion) -> tuple[list[Check], dict[str, dict[str, str]]]:
    """Every plan's checks, computed once per warehouse version (the selection only filters them)."""
    frame = _targets(version)
    return plan_checks(frame), indicator_labels(frame)


@dataclass(frozen=True)
class ChecksView:
    """The checks of one selection as the page shows them, plan by plan, and all of them for the CSV."""
    plans: tuple[str, ...]      # the plans shown (their checks: national plans and the first MAX_PLANS others)
    tables: widgets.HtmlBlock   # each shown plan's checks, by check, under the plan's name
    shown: int                  # provincial plans shown
    total: int                  # provincial plans of the selection with some check
    csv: pa.Table               # checks_table of every plan of the selection

    @property
    def capped(self) -> bool:
        return self.total > self.shown


@data.shared(max_entries=64)
def checks_view(version: data.WarehouseVersion, provinces: tuple[str, ...], lang: str) -> ChecksView:
    every, labels = _cached_checks(version)
    checks = select_checks(every, provinces)
    table = checks_table(checks, labels, lang)
    if not checks:
        return ChecksView((), widgets.tables_markup([]), 0, 0, data.arrow(table))
    provincial = list(dict.fromkeys(c.document_id for c in checks if c.scope != "national"))
    kept = set(provincial[:MAX_PLANS])
    shown = table[[c.scope == "national" or c.document_id in kept for c in checks]]
    plan_column, check_column = t("trajectory.col.plan", lang), t("trajectory.col.check", lang)
    groups = [(plan, rows.drop(columns=plan_column).set_index(check_column))
              for plan, rows in shown.groupby(plan_column, sort=False)]
    return ChecksView(tuple(plan for plan, _ in groups), widgets.tables_markup(groups), len(kept), len(provincial),
                      data.arrow(table))


@data.shared(max_entries=32)
def chart(version: data.WarehouseVersion, indicator: str, provinces: tuple[str, ...], projection: bool, lang: str,
          source: str) -> go.Figure:
    """The figure of `view(...)`, built once: building it (Plotly validates every trace) was a third of a rerun.

    A charts.SharedFigure, not a copy: callers only read it (st.plotly_chart serialises it, export_ui copies it)."""
    shown = view(version, indicator, provinces, projection, lang)
    fig = figure(shown.paths, shown.meta, lang, source, _achieved(version, indicator))
    return charts.share_figure(fig)


def _achieved(version: data.WarehouseVersion, indicator: str) -> pd.DataFrame:
    """The achieved values of one indicator, newest vintage of each year (v_achieved)."""
    try:
        return data.run(version, "SELECT * FROM v_achieved WHERE indicator = ? AND is_latest ORDER BY year",
                        (indicator,))
    except Exception:  # noqa: BLE001 - a warehouse built before achieved values were curated
        return pd.DataFrame()


def achieved_points(path: Path, achieved: pd.DataFrame, measure: str) -> list[tuple[int, float, str]]:
    """(year, value on the chart's scale, hover text) of what was achieved where `path` is drawn: the values
    themselves for a share or a level; for a growth rate, the index the published annual rates compound to from
    the path's base year (100), as long as consecutive years are published (a missing year ends the line: it is
    never filled in). Only the same era's figures of the same province are used."""
    if achieved.empty:
        return []
    rows = achieved[(achieved["province_code"] == path.province_code)]
    if measure != "growth_rate":
        rows = rows[rows["period_start"].isna() | (rows["period_start"] == rows["year"])]
        return [(int(r.year), float(r.value), r.vintage) for r in rows.itertuples()]
    base = path.base_year
    if base is None:
        return []
    annual = {int(r.year): r for r in rows.itertuples() if pd.notna(r.period_start) and r.period_start == r.year}
    points, index, year = [(base, 100.0, "")], 100.0, base + 1
    while year in annual:
        index *= 1 + float(annual[year].value) / 100
        points.append((year, index, f"{annual[year].value:g}|{annual[year].vintage}"))
        year += 1
    return points if len(points) > 1 else []


def add_achieved(fig: go.Figure, paths, achieved: pd.DataFrame, meta: Mapping, lang: str) -> None:
    """Achieved values over the implied paths (a cross per year, in the plan's colour), so the gap shows."""
    decimals = value_decimals(dict(meta))
    done = set()
    for path in paths:
        if path.province_code in done:
            continue
        points = achieved_points(path, achieved, meta["measure"])
        if not points:
            continue
        done.add(path.province_code)
        texts = []
        for year, value, extra in points:
            if meta["measure"] == "growth_rate":
                rate, _, vintage = extra.partition("|")
                texts.append(t("trajectory.achieved.hover_growth", lang, year=year,
                               index=_fixed(value, lang, 1),
                               rate=formatting.number(float(rate), lang) if rate else "–",
                               vintage=t(f"vintage.{vintage}", lang) if vintage else ""))
            else:
                texts.append(t("trajectory.achieved.hover", lang, year=year, value=_fixed(value, lang, decimals),
                               unit=unit_label(dict(meta), lang), vintage=t(f"vintage.{extra}", lang)))
        fig.add_trace(go.Scatter(
            x=[p[0] for p in points], y=[p[1] for p in points], mode="lines+markers",
            name=_plotly_text(t("trajectory.achieved.legend", lang, name=path.name(lang))),
            line=dict(color=colour_of(path), width=1.5, dash="solid"),
            marker=dict(symbol="x-thin-open", size=11, line=dict(width=2.5, color=colour_of(path)),
                        color=colour_of(path)),
            hovertext=texts, hoverinfo="text", legendrank=300,
            meta={"role": "achieved", "province_code": path.province_code}))
