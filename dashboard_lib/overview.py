"""The overview page's derived results, cached per (warehouse version, language, selection).

st.cache_data unpickles its result on every hit, so these return what the page shows, never whole v_targets
frames; the rows behind them are read with `data.run` (filters in SQL) and not kept. What cannot be changed is
cached with st.cache_resource and handed to every session as the same object, without the unpickling (3 ms for the
overview's tables at 100× the data): Arrow tables, tuples of text, read-only mappings, and figures as
charts.SharedFigure (NEVER modify one).
"""
from __future__ import annotations

from types import MappingProxyType

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from . import charts, data, tables, widgets
from .i18n import label_column, t


@st.cache_data(show_spinner=False, max_entries=8)
def overview_summary(version: data.WarehouseVersion) -> dict[str, int]:
    """The overview's counts: provincial plans, their values, indicators, verified citations."""
    frame = data.run(version, """
        SELECT (SELECT count(*) FROM v_documents WHERE scope = 'provincial') AS n_plans,
               (SELECT coalesce(sum(n_values), 0) FROM v_documents WHERE scope = 'provincial') AS n_values,
               (SELECT count(DISTINCT indicator) FROM v_targets WHERE scope = 'provincial') AS n_indicators,
               (SELECT count(*) FROM v_targets WHERE scope = 'provincial') AS n_provincial_values,
               (SELECT count(*) FROM v_targets WHERE citation_verified) AS n_verified""")
    return {name: int(value) for name, value in frame.iloc[0].items()}


def _headline(version: data.WarehouseVersion) -> pd.DataFrame:
    return data.run(version, """
        SELECT * FROM v_targets WHERE indicator IN ('services_growth', 'services_share_grdp') AND kind = 'target'
        ORDER BY province_code, indicator, target_year, period_start""")


@st.cache_resource(show_spinner=False, max_entries=8)
def overview_cards(version: data.WarehouseVersion, lang: str) -> tuple[widgets.HtmlBlock | None, pa.Table,
                                                                        MappingProxyType[str, str]]:
    """(the grid of one HTML card per province or None, the cards' CSV table, headline indicator → label); shared,
    read-only."""
    headline = _headline(version)
    labels = MappingProxyType(dict(zip(headline["indicator"],
                                       headline[label_column("indicator_label", data.checked_lang(lang))])))
    rows = tables.headline_rows(headline, lang)
    if rows.empty:
        return None, data.arrow(rows), labels
    docs = data.documents(version)
    plans = docs.loc[docs["scope"] == "provincial", ["province_code", "document_number", "implements_number"]]
    return (widgets.card_grid_markup(tables.headline_cards(rows, plans, labels, data.HEADLINE_INDICATORS, lang)),
            data.arrow(tables.headline_csv(rows, lang)), labels)


@st.cache_data(show_spinner=False, max_entries=8)
def overview_plot(version: data.WarehouseVersion, lang: str, indicator: str) -> pd.DataFrame:
    """The data behind the overview chart of one headline indicator (charts.target_ranges_data)."""
    headline = _headline(version)
    return charts.target_ranges_data(headline[headline["indicator"] == indicator], lang)


@st.cache_resource(show_spinner=False, max_entries=8)
def overview_figure(version: data.WarehouseVersion, lang: str, indicator: str) -> go.Figure:
    """The overview chart (shared: never modify it)."""
    plot = overview_plot(version, lang, indicator)
    if plot.empty:
        return charts.share_figure(charts.empty_figure(t("charts.empty", lang), lang))
    return charts.ranges_figure(plot, lang, built_on=data.built_on_text(version, lang), shared=True,
                                subtitle=t("overview.chart.subtitle", lang, unit=plot["unit"].iloc[0]))


@st.cache_data(show_spinner=False, max_entries=8)
def overview_changes(version: data.WarehouseVersion, lang: str) -> tuple[dict[str, int], pd.DataFrame]:
    """(number of added / changed / removed values, the table of changes) of the last build."""
    changes = data.build_changes(version)
    counts = {change: int(n) for change, n in changes["change"].value_counts().items()}
    return counts, tables.changes_table(changes, lang)


@st.cache_resource(show_spinner=False, max_entries=8)
def overview_tables(version: data.WarehouseVersion, lang: str) -> tuple[pa.Table, pa.Table, pa.Table]:
    """(plans loaded, values by sector and province, national benchmarks) as the overview shows them (Arrow:
    immutable, so shared)."""
    docs = data.documents(version)
    plans = tables.plans_table(docs[docs["scope"] == "provincial"], lang)
    name = label_column("province_name", data.checked_lang(lang))
    provincial = data.run(version, f"SELECT sector, {name} FROM v_targets WHERE scope = 'provincial'")
    counts = tables.counts_by_province_and_sector(provincial, data.sectors(version), lang)
    national = data.run(version, f"SELECT * FROM v_targets WHERE scope = 'national' {data.TARGETS_ORDER}")
    return data.arrow(plans), data.arrow(counts), data.arrow(tables.benchmarks_table(national, lang))
