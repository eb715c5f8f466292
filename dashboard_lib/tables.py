"""Tables shown on the pages: language-aware columns and formatted values (pure pandas)."""
from __future__ import annotations

import pandas as pd

from . import formatting
from .i18n import label_column, t


def plans_table(documents: pd.DataFrame, lang: str) -> pd.DataFrame:
    frame = pd.DataFrame({
        t("col.province", lang): documents[label_column("province_name", lang)],
        t("col.document", lang): documents["document_number"],
        t("col.document_type", lang): documents["document_type_vi"] if lang == "vi"
        else documents["document_type_key"].str.replace("_", " ").str.capitalize(),
        t("col.issue_date", lang): documents["issue_date"].map(lambda d: d.strftime("%d/%m/%Y")),
        t("col.signer", lang): documents["signer"].fillna(""),
        t("col.implements", lang): documents["implements_number"].fillna(""),
        t("col.horizon", lang): documents["horizon_start"].astype(str) + "–" + documents["horizon_end"].astype(str),
        t("col.n_values", lang): documents["n_values"],
        t("col.province_2025", lang): documents[label_column("province_2025_name", lang)],
    })
    return frame.reset_index(drop=True)


def counts_by_province_and_sector(targets: pd.DataFrame, sectors: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Province × sector counts with totals; sectors in taxonomy order, only those used."""
    name = label_column("province_name", lang)
    sector_label = dict(zip(sectors["sector_key"], sectors[label_column("label", lang)]))
    order = [s for s in sectors["sector_key"] if s in set(targets["sector"])]
    # Sectors as rows: there are many more sectors than provinces with a plan.
    table = pd.crosstab(targets["sector"], targets[name]).reindex(index=order, fill_value=0)
    table.index = [sector_label[s] for s in table.index]
    table.loc[t("home.total", lang)] = table.sum(axis=0)
    table.index.name = t("col.sector", lang)
    table.columns.name = None
    return table


def benchmarks_table(targets: pd.DataFrame, lang: str) -> pd.DataFrame:
    symbol = label_column("unit_symbol", lang)
    return pd.DataFrame({
        t("col.document", lang): targets["document_number"],
        t("col.indicator", lang): targets[label_column("indicator_label", lang)],
        t("col.value", lang): [formatting.value_text(r.value_low, r.value_high, r.comparator, getattr(r, symbol) or "", lang)
                               for r in targets.itertuples()],
        t("col.period", lang): [formatting.period_text(r.period_start, r.period_end) if pd.notna(r.period_start)
                                else "" for r in targets.itertuples()],
        t("col.year", lang): targets["target_year"].astype(int).astype(str),
        t("col.citation", lang): targets["citation"],
    }).reset_index(drop=True)
