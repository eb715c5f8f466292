"""The overview page's derived results, per (warehouse version, language, selection), shared by every session
(data.shared): what the page shows, never whole v_targets frames; the rows behind them are read with `data.run`
(filters in SQL) and not kept.
"""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import pandas as pd
import pyarrow as pa

from . import charts, data, tables, widgets
from .i18n import label_column, t


@data.shared(max_entries=8)
def overview_summary(version: data.WarehouseVersion) -> Mapping[str, int]:
    """The overview's counts: provincial plans, their values, indicators, verified citations."""
    frame = data.run(version, """
        SELECT (SELECT count(*) FROM v_documents WHERE scope = 'provincial') AS n_plans,
               (SELECT coalesce(sum(n_values), 0) FROM v_documents WHERE scope = 'provincial') AS n_values,
               (SELECT count(DISTINCT indicator) FROM v_targets WHERE scope = 'provincial') AS n_indicators,
               (SELECT count(*) FROM v_targets WHERE scope = 'provincial') AS n_provincial_values,
               (SELECT count(*) FROM v_targets WHERE citation_verified) AS n_verified""")
    return MappingProxyType({name: int(value) for name, value in frame.iloc[0].items()})


def _headline(version: data.WarehouseVersion) -> pd.DataFrame:
    return data.run(version, """
        SELECT * FROM v_targets WHERE indicator IN ('services_growth', 'services_share_grdp') AND kind = 'target'
        ORDER BY province_code, indicator, target_year, period_start""")


@data.shared(max_entries=8)
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


@data.shared(max_entries=8)
def overview_chart(version: data.WarehouseVersion, lang: str, indicator: str) -> charts.RangesChart | None:
    """The overview chart of one headline indicator (charts.target_ranges_data), None when no plan states it."""
    headline = _headline(version)
    plot = charts.target_ranges_data(headline[headline["indicator"] == indicator], lang)
    return charts.ranges_chart(plot, lang, built_on=data.built_on_text(version, lang),
                               subtitle=None if plot.empty else t("overview.chart.subtitle", lang,
                                                                  unit=plot["unit"].iloc[0]))


@data.shared(max_entries=8)
def overview_changes(version: data.WarehouseVersion, lang: str) -> tuple[Mapping[str, int], pa.Table]:
    """(number of added / changed / removed values, the table of changes) of the last build."""
    changes = data.build_changes(version)
    counts = MappingProxyType({change: int(n) for change, n in changes["change"].value_counts().items()})
    return counts, data.arrow(tables.changes_table(changes, lang))


@data.shared(max_entries=8)
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
