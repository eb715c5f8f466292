"""The overview page's derived results, per (warehouse version, language, selection), shared by every session
(data.shared): what the page shows, never whole v_targets frames; the rows behind them are read with `data.run`
(filters in SQL) and not kept.
"""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import pandas as pd
import pyarrow as pa

from . import charts, data, formatting, tables, widgets
from .i18n import label_column, t


@data.shared(max_entries=8)
def overview_summary(version: data.WarehouseVersion) -> Mapping[str, int]:
    """The overview's counts: provincial plans, their values, indicators, verified citations."""
    frame = data.run(version, """
        SELECT (SELECT count(*) FROM v_documents WHERE scope = 'provincial') AS n_plans,
               (SELECT coalesce(sum(n_values), 0) FROM v_documents WHERE scope = 'provincial') AS n_values,
               (SELECT count(DISTINCT indicator) FROM v_targets WHERE scope = 'provincial') AS n_indicators,
               -- the values read in a plan text we hold: the ones whose citation can be verified
               (SELECT count(*) FROM v_targets t JOIN documents d USING (document_id)
                WHERE t.scope = 'provincial' AND t.source_tier = 'primary_text' AND d.source_file IS NOT NULL)
                   AS n_provincial_values,
               (SELECT count(*) FROM v_targets WHERE citation_verified) AS n_verified""")
    return MappingProxyType({name: int(value) for name, value in frame.iloc[0].items()})


def _headline(version: data.WarehouseVersion) -> pd.DataFrame:
    """The headline services targets of the plans that implement a national decision (531/QĐ-TTg, 283/QĐ-TTg),
    and those decisions' own: the plans issued before the merger. The targets the 34 provinces adopted since are
    the overview's first section (`present_chart`): the two eras are never drawn as one."""
    return data.run(version, """
        SELECT * FROM v_targets WHERE indicator IN ('services_growth', 'services_share_grdp') AND kind = 'target'
          AND (document_implements IS NOT NULL
               OR document_id IN (SELECT implements FROM documents WHERE implements IS NOT NULL))
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
    verdicts = _verdict_texts(version, lang)
    rows["verdict"] = rows["target_id"].map(verdicts).fillna("")
    docs = data.documents(version)
    plans = docs.loc[(docs["scope"] == "provincial") & docs["implements"].notna(),
                     ["province_code", "document_number", "implements_number"]]
    return (widgets.card_grid_markup(tables.headline_cards(rows, plans, labels, data.HEADLINE_INDICATORS, lang,
                                                           verdicts)),
            data.arrow(tables.headline_csv(rows, lang)), labels)


def _verdict_texts(version: data.WarehouseVersion, lang: str) -> dict[str, str]:
    """target_id → 'Tiến độ: ▲ Đúng hướng (R = 0,98)' for every assessed target (progress_view: one wording)."""
    from . import progress_view
    frame = progress_view.verdicts(version)
    if frame.empty:
        return {}
    texts = {}
    for row in frame[frame["status"] != "not_assessable"].itertuples():
        text = progress_view.status_text(row.status, lang)
        if pd.notna(row.ratio):
            text += f" (R = {formatting.ratio_text(row.ratio, lang)})"
        texts[row.target_id] = t("overview.card.verdict", lang, verdict=text)
    return texts


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
def overview_tables(version: data.WarehouseVersion, lang: str) -> tuple[pa.Table, widgets.HtmlBlock, pa.Table]:
    """(plans loaded, values by province and sector as a static table, national benchmarks) as the overview shows
    them (Arrow and markup: immutable, so shared)."""
    docs = data.documents(version)
    plans = tables.plans_table(docs[docs["scope"] == "provincial"], lang)
    name = label_column("province_name", data.checked_lang(lang))
    provincial = data.run(version, f"SELECT sector, {name} FROM v_targets WHERE scope = 'provincial'")
    counts = widgets.tables_markup([(None, tables.counts_by_province(provincial, data.sectors(version), lang))])
    national = data.run(version, f"SELECT * FROM v_targets WHERE scope = 'national' {data.TARGETS_ORDER}")
    return data.arrow(plans), counts, data.arrow(tables.benchmarks_table(national, lang))


# ---------------------------------------------------------------- the 34 provinces today

PRESENT_INDICATORS = ("grdp_growth", "services_growth", "services_share_grdp")
PRESENT_SQL = """
    SELECT * FROM v_targets
    WHERE indicator = ? AND kind = 'target' AND (
        province_era = '34'
        -- an unmerged province whose congress figures were not found: its master plan (same territory)
        OR (province_era = '63' AND document_type_key = 'decision' AND document_implements IS NULL
            AND target_year >= 2030
            AND province_2025_code NOT IN (SELECT province_2025_code FROM v_targets
                                           WHERE province_era = '34' AND indicator = ?))
        -- the national target for 2030: of the 14th Party Congress (2026–2030), else of 306/NQ-CP (revised
        -- national master plan)
        OR (province_era = 'national' AND target_year = 2030 AND document_id IN (
            SELECT document_id FROM v_targets WHERE province_era = 'national' AND indicator = ? AND target_year = 2030
              AND document_type_key IN ('party_resolution', 'government_resolution')
            ORDER BY document_issue_date DESC LIMIT 1)))"""


def _present_rows(version: data.WarehouseVersion, indicator: str) -> pd.DataFrame:
    return data.run(version, PRESENT_SQL, (indicator, indicator, indicator))


@data.shared(max_entries=8)
def present_chart(version: data.WarehouseVersion, lang: str, indicator: str) -> charts.RangesChart | None:
    """The 34 provinces' targets of one indicator for 2030, ranked from the highest, against the national one."""
    plot = charts.target_ranges_data(_present_rows(version, indicator), lang, ranked=True)
    return charts.ranges_chart(plot, lang, built_on=data.built_on_text(version, lang),
                               subtitle=None if plot.empty else t(f"overview.present.subtitle.{indicator}", lang))


@data.shared(max_entries=8)
def present_growth_table(version: data.WarehouseVersion, lang: str) -> tuple[pa.Table, tuple[str, ...]]:
    """(each of the 34 provinces: its 2026–2030 target, its 2021–2025 result as reported, the sources; the names
    of the provinces whose adopted target no stored source gives)."""
    lang = data.checked_lang(lang)
    targets = _present_rows(version, "grdp_growth")
    targets = targets[targets["province_era"] != "national"]
    achieved = data.run(version, """
        SELECT * FROM v_achieved WHERE province_era = '34' AND indicator = 'grdp_growth' AND is_latest
        AND period_start = 2021 AND period_end = 2025""")
    names = data.run(version, "SELECT province_2025_code, name_vi, name_en FROM provinces_2025")
    gaps = data.run(version, "SELECT province_2025_code FROM coverage_gaps WHERE indicator_key = 'grdp_growth'")
    by_code = {r.province_2025_code: r for r in achieved.itertuples()}
    rows = []
    for r in targets.sort_values("value_mid", ascending=False, kind="stable").itertuples():
        unit = getattr(r, f"unit_symbol_{lang}")
        result = by_code.get(r.province_2025_code)
        rows.append({
            t("progress.col.province", lang): getattr(r, f"province_name_{lang}"),
            t("overview.present.col.target", lang): formatting.value_label(
                r.value_low, r.value_high, r.comparator, unit, lang, bool(r.approximate)),
            t("overview.present.col.period", lang): formatting.period_text(r.period_start, r.period_end),
            t("progress.col.document", lang): r.document_number,
            t("progress.col.tier", lang): t(f"tier.{r.source_tier}", lang),
            t("overview.present.col.source", lang): r.source_url,
            t("overview.present.col.result", lang): "–" if result is None else formatting.value_label(
                result.value, result.value, result.comparator, unit, lang),
            t("overview.present.col.result_source", lang): None if result is None else result.source_url,
        })
    gap_names = tuple(sorted(names.loc[names["province_2025_code"].isin(gaps["province_2025_code"]),
                                       f"name_{lang}"], key=lambda n: formatting.search_key(n, True)))
    return data.arrow(pd.DataFrame(rows)), gap_names
