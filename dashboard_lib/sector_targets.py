"""The sector targets page's derived results, cached per (warehouse version, language, selection) and shared by
every session (data.shared: read-only mappings, tuples, Arrow tables and shared figures, never modified)."""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import pandas as pd
import streamlit as st

from . import charts, data, formatting, tables, widgets
from .i18n import label_column


@data.shared(max_entries=8)
def sector_choices(version: data.WarehouseVersion, lang: str) -> Mapping[str, object]:
    """What the sector page's filters offer: province and sector names, options in display order, indicator
    labels, which indicators have a national target, and which provinces state each indicator (aggregated in SQL:
    a few hundred rows, whatever the number of values)."""
    lang = data.checked_lang(lang)
    provinces = data.run(version, f"""
        SELECT DISTINCT province_code, {label_column("province_name", lang)} AS name FROM v_targets
        WHERE province_code <> ? ORDER BY province_code""", (data.NATIONAL_CODE,))
    used = set(data.run(version, "SELECT DISTINCT sector FROM v_targets WHERE province_code <> ?", (data.NATIONAL_CODE,))["sector"])
    indicators_ = data.run(version, f"""
        SELECT indicator, any_value({label_column("indicator_label", lang)}) AS label,
               bool_or(province_code = ?) AS national,
               coalesce(list(DISTINCT province_code ORDER BY province_code) FILTER (WHERE province_code <> ?), [])
                   AS stating
        FROM v_targets GROUP BY indicator ORDER BY indicator""", (data.NATIONAL_CODE, data.NATIONAL_CODE))
    sectors_frame = data.sectors(version)
    names = dict(zip(provinces["province_code"], provinces["name"]))
    return MappingProxyType({
        "names": MappingProxyType(names),
        "sector_labels": MappingProxyType(dict(zip(sectors_frame["sector_key"],
                                                   sectors_frame[label_column("label", lang)]))),
        "sector_options": tuple(s for s in sectors_frame["sector_key"] if s in used),
        "province_options": tuple(sorted(names, key=lambda code: formatting.search_key(names[code], True))),
        "indicator_labels": MappingProxyType(dict(zip(indicators_["indicator"], indicators_["label"]))),
        "national_indicators": frozenset(indicators_.loc[indicators_["national"], "indicator"]),
        "stating": MappingProxyType({indicator: tuple(codes) for indicator, codes
                                     in zip(indicators_["indicator"], indicators_["stating"]) if len(codes)}),
    })


@data.shared(max_entries=64)
def sector_pool(version: data.WarehouseVersion, lang: str, sectors_: tuple[str, ...],
                provinces: tuple[str, ...]) -> Mapping[str, object]:
    """What the chosen sectors and provinces hold: `options`, (indicator, number of provinces stating it) most
    widely stated first, then by name; `catalogue`, tables.indicator_catalogue as Arrow (None when empty)."""
    lang = data.checked_lang(lang)
    columns = ", ".join(["indicator", "province_code", label_column("sector_label", lang),
                         label_column("indicator_label", lang), label_column("unit_symbol", lang),
                         label_column("province_name", lang)])
    pool = data.run(version, f"""
        SELECT {columns} FROM v_targets
        WHERE province_code <> ? AND list_contains(?::VARCHAR[], sector) AND list_contains(?::VARCHAR[], province_code)
        {data.TARGETS_ORDER}""", (data.NATIONAL_CODE, sectors_, provinces))
    spread = pool.groupby("indicator")["province_code"].nunique()
    labels = sector_choices(version, lang)["indicator_labels"]
    options = sorted(((indicator, int(n)) for indicator, n in spread.items()),
                     key=lambda pair: (-pair[1], formatting.search_key(labels[pair[0]], True)))
    return MappingProxyType({"options": tuple(options),
                             "catalogue": data.arrow(tables.indicator_catalogue(pool, lang)) if len(pool) else None})


@st.cache_data(show_spinner=False, max_entries=32)
def _indicator_rows(version: data.WarehouseVersion, indicator: str | None) -> pd.DataFrame:
    """Every value of one indicator (a few hundred rows at most), for the sector page's selections to filter."""
    return data.run(version, f"SELECT * FROM v_targets WHERE indicator = ? {data.TARGETS_ORDER}", (indicator,))


def _sector_rows(version: data.WarehouseVersion, indicator: str | None, provinces: tuple[str, ...],
                 kinds: tuple[str, ...], national: bool, years: tuple[str, ...] | None = None,
                 tiers: tuple[str, ...] = data.SOURCE_TIERS) -> pd.DataFrame:
    """The values of one indicator in the chosen provinces, kinds and source tiers (and years), with the national
    ones when `national` (`filter_targets` on the indicator's rows)."""
    return data.filter_targets(_indicator_rows(version, indicator), provinces=provinces, indicator=indicator,
                               kinds=kinds, years=years, national=national, tiers=tiers)


@data.shared(max_entries=64)
def sector_years(version: data.WarehouseVersion, indicator: str | None, provinces: tuple[str, ...],
                 kinds: tuple[str, ...], national: bool,
                 tiers: tuple[str, ...] = data.SOURCE_TIERS) -> tuple[str, ...]:
    """Target years of the selection before the year filter, in order."""
    rows = _sector_rows(version, indicator, provinces, kinds, national, tiers=tiers)
    return tuple(str(y) for y in sorted(rows["target_year"].dropna().astype(int).unique()))


@data.shared(max_entries=32)
def sector_view(version: data.WarehouseVersion, lang: str, indicator: str | None, provinces: tuple[str, ...],
                kinds: tuple[str, ...], years: tuple[str, ...], national: bool,
                tiers: tuple[str, ...] = data.SOURCE_TIERS) -> Mapping[str, object]:
    """The sector page's selection: its chart (charts.RangesChart, None when empty), its table (Arrow) with the
    source line, and the province codes it shows."""
    selection = _sector_rows(version, indicator, provinces, kinds, national, years, tiers)
    plot = charts.target_ranges_data(selection, lang, benchmarks=national)
    empty = plot.empty
    documents_drawn = [*plot["document_number"], *plot.loc[plot["benchmark_document"] != "", "benchmark_document"]]
    codes = tuple(selection["province_code"])
    return MappingProxyType({
        "chart": charts.ranges_chart(plot, lang, built_on=data.built_on_text(version, lang)),
        "table": None if empty else data.arrow(tables.ranges_table(plot, lang)),
        "source": "" if empty else widgets.source_line(documents_drawn, data.built_on_text(version, lang), lang),
        "shown": tuple(dict.fromkeys(codes)), "has_provincial": any(code != data.NATIONAL_CODE for code in codes)})
