"""Tables shown on the pages: language-aware columns and formatted values (pure pandas)."""
from __future__ import annotations

from urllib.parse import quote

import pandas as pd

from . import formatting
from .i18n import label_column, t


def plans_table(documents: pd.DataFrame, lang: str) -> pd.DataFrame:
    frame = pd.DataFrame({
        t("col.province", lang): documents[label_column("province_name", lang)],
        t("col.document", lang): documents["document_number"],
        t("col.document_type", lang): documents["document_type_vi"] if lang == "vi"
        else [formatting.document_type_text(k, lang) for k in documents["document_type_key"]],
        t("col.issue_date", lang): documents["issue_date"].map(lambda d: d.strftime("%d/%m/%Y")),
        t("col.signer", lang): documents["signer"].fillna(""),
        t("col.implements", lang): documents["implements_number"].fillna(""),
        t("col.horizon", lang): documents["horizon_start"].astype(str) + "–" + documents["horizon_end"].astype(str),
        t("col.n_values", lang): documents["n_values"],
        t("col.province_2025", lang): documents[label_column("province_2025_name", lang)],
    })
    return frame.reset_index(drop=True)


def counts_by_province(targets: pd.DataFrame, sectors: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Values per province: the total and, in one text, the count of each sector used (taxonomy order), provinces
    A–Z, with a total row. One row per province: a province × sector grid was 34 columns wide."""
    name = label_column("province_name", lang)
    sector_label = dict(zip(sectors["sector_key"], sectors[label_column("label", lang)]))
    order = {key: index for index, key in enumerate(sectors["sector_key"])}

    def by_sector(rows: pd.DataFrame) -> str:
        counts = rows["sector"].value_counts()
        keys = sorted(counts.index, key=lambda key: order.get(key, len(order)))
        return " · ".join(f"{sector_label.get(key, key)} {formatting.number(counts[key], lang, 0)}" for key in keys)

    provinces = sorted(targets[name].dropna().unique(), key=lambda v: formatting.search_key(v, True))
    groups = dict(tuple(targets.groupby(name)))
    frame = pd.DataFrame({
        t("col.n_values", lang): [formatting.number(len(groups[p]), lang, 0) for p in provinces]
        + [formatting.number(len(targets), lang, 0)],
        t("home.counts.by_sector", lang): [by_sector(groups[p]) for p in provinces] + [by_sector(targets)],
    }, index=pd.Index([*provinces, t("home.total", lang)], name=t("col.province", lang)))
    return frame


def benchmarks_table(targets: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("col.document", lang): targets["document_number"],
        t("col.indicator", lang): targets[label_column("indicator_label", lang)],
        t("col.value", lang): [_value(r, lang) for r in targets.itertuples()],
        t("col.period", lang): [formatting.period_text(r.period_start, r.period_end) if pd.notna(r.period_start)
                                else "" for r in targets.itertuples()],
        t("col.year", lang): targets["target_year"].astype(int).astype(str),
        t("col.citation", lang): [formatting.clause_or_source(r, lang) for r in targets.itertuples()],
    }).reset_index(drop=True)


# ---------------------------------------------------------------- added for the analytical pages

NATIONAL_CODE = "VN"


def _value(row, lang: str) -> str:
    """A value as the plan states it: the one formatter (formatting.stated_value), fed by v_targets.approximate."""
    return formatting.stated_value(row, lang)


def relation(low: float, high: float, comparator: str, national_low: float, national_high: float) -> str:
    """Where a provincial value sits against the national one: 'above', 'below' or 'overlap'.

    A bound is open on one side: 'at least 8.7' is above 7–8, 'at most 3' is below 5."""
    upper = float("inf") if comparator == "at_least" else high
    lower = float("-inf") if comparator == "at_most" else low
    if lower > national_high:
        return "above"
    if upper < national_low:
        return "below"
    return "overlap"


def national_benchmark(row, national):
    """The national target a provincial value is read against: from the decision the plan implements,
    for the same year if it sets one, else its nearest year (the later one on a tie); a plan whose decision
    sets nothing for the indicator falls back to any national target of the same year.

    `national`: the national rows, as a frame or as a list of their `itertuples` (what `headline_rows` passes, so
    that finding a benchmark is a scan of a few tuples, not a filter of a frame)."""
    rows = national if isinstance(national, list) else list(national.itertuples(index=False))
    same = [n for n in rows if n.indicator == row.indicator and n.kind == "target"]
    if not same:
        return None
    implemented = [n for n in same if n.document_id == row.document_implements]
    if not implemented:
        return next((n for n in same if n.target_year == row.target_year), None)
    year = int(row.target_year)  # nearest year, the later one on a tie; the first in frame order among equals
    return min(implemented, key=lambda n: (abs(int(n.target_year) - year), -int(n.target_year)))


def headline_rows(headline: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Provincial services-growth and share targets beside the national benchmark of the same year.

    `headline` is `data.headline_targets` (national rows included). One row per provincial value,
    provinces A–Z; this is what the overview cards show and what their CSV download holds."""
    national = list(headline[headline["province_code"] == NATIONAL_CODE].itertuples(index=False))
    rows = []
    found: dict[tuple, object] = {}  # national_benchmark depends on these three fields only
    for row in headline[headline["province_code"] != NATIONAL_CODE].itertuples(index=False):
        key = (row.indicator, row.document_implements, row.target_year)
        if key not in found:
            found[key] = national_benchmark(row, national)
        bench = found[key]
        rows.append({
            "target_id": row.target_id,
            "province_code": row.province_code,
            "province": getattr(row, label_column("province_name", lang)),
            "document_number": row.document_number,
            "indicator": row.indicator,
            "indicator_label": getattr(row, label_column("indicator_label", lang)),
            "value_low": float(row.value_low),
            "value_high": float(row.value_high),
            "comparator": row.comparator,
            "value_text": _value(row, lang),
            "period": formatting.year_text(row.target_year, row.period_start, row.period_end),
            "target_year": int(row.target_year),
            "national_document": bench.document_number if bench is not None else "",
            "national_low": float(bench.value_low) if bench is not None else None,
            "national_high": float(bench.value_high) if bench is not None else None,
            "national_text": _value(bench, lang) if bench is not None else "",
            "national_period": formatting.year_text(bench.target_year, bench.period_start, bench.period_end)
            if bench is not None else "",
            "relation": "" if bench is None else
            relation(row.value_low, row.value_high, row.comparator, bench.value_low, bench.value_high)
            if int(bench.target_year) == int(row.target_year) else "other_year",
            "_sort": (formatting.search_key(getattr(row, label_column("province_name", lang)), True),
                      row.indicator, int(row.target_year)),
        })
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    return frame.sort_values("_sort", kind="stable").drop(columns="_sort").reset_index(drop=True)


def headline_csv(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The overview cards as a table with translated headers (numbers kept as numbers)."""
    return pd.DataFrame({
        t("col.province", lang): rows["province"],
        t("col.document", lang): rows["document_number"],
        t("col.indicator", lang): rows["indicator_label"],
        t("col.period", lang): rows["period"],
        t("col.value", lang): rows["value_text"],
        t("tables.col.low", lang): rows["value_low"],
        t("tables.col.high", lang): rows["value_high"],
        t("tables.col.national", lang): rows["national_text"],
        t("tables.col.national_document", lang): rows["national_document"],
        t("tables.col.national_low", lang): rows["national_low"],
        t("tables.col.national_high", lang): rows["national_high"],
        t("tables.col.relation", lang): [t(f"tables.relation.{r}", lang) if r else "" for r in rows["relation"]],
        t("progress.col.verdict", lang): rows["verdict"] if "verdict" in rows else "",
        t("export.col.target_id", lang): rows["target_id"],
    })


def ranges_table(plot: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The rows of a range chart (`charts.target_ranges_data`) as a readable table, numbers per language.

    The clause comes right after the value; the national column is left out when no row has one."""
    frame = pd.DataFrame({
        t("col.province", lang): plot["entity"],
        t("col.period", lang): plot["period"],
        t("col.value", lang): plot["value_text"],
        t("tables.col.national_same_year", lang): [
            f"{text} ({doc})" if text else "" for text, doc in zip(plot["benchmark_text"], plot["benchmark_document"])],
        t("col.document", lang): plot["document_number"],
        t("col.section", lang): plot["section"],
        t("col.citation", lang): plot["citation"],
        t("col.source", lang): plot["source_text"] if "source_text" in plot else "",
        t("tables.col.low", lang): [formatting.number(v, lang) for v in plot["value_low"]],
        t("tables.col.high", lang): [formatting.number(v, lang) for v in plot["value_high"]],
        t("col.unit", lang): plot["unit"],
        t("col.kind", lang): plot["kind_label"],
        "ID": plot["target_id"],
    }).reset_index(drop=True)
    national = t("tables.col.national_same_year", lang)
    if not (frame[national] != "").any():
        frame = frame.drop(columns=national)
    return frame


def ranges_csv(plot: pd.DataFrame) -> pd.DataFrame:
    """Exactly the data behind a range chart, machine-readable (raw numbers, stable column names)."""
    return plot.drop(columns=[c for c in plot.columns if c.startswith("_")]).reset_index(drop=True)


CHANGE_FIELDS = ("value_low", "value_high", "target_year", "citation")


def change_detail(detail: str, lang: str) -> str:
    """'value_low: 7.0 → 7.5; citation: … → …' with the field names translated."""
    if not isinstance(detail, str) or not detail:
        return ""
    parts = []
    for part in detail.split("; "):
        name, _, rest = part.partition(": ")
        if name in CHANGE_FIELDS:
            parts.append(f"{t(f'tables.field.{name}', lang)}: {rest}")
        else:
            parts.append(part)
    return "; ".join(parts)


def changes_table(changes: pd.DataFrame, lang: str) -> pd.DataFrame:
    values = []
    for row in changes.itertuples(index=False):
        if pd.isna(row.value_low):
            values.append("")
        else:
            values.append(_value(row, lang))
    return pd.DataFrame({
        t("tables.col.change", lang): [t(f"tables.change.{c}", lang) for c in changes["change"]],
        "ID": changes["target_id"],
        t("col.province", lang): changes[label_column("province_name", lang)].fillna(""),
        t("col.indicator", lang): changes[label_column("indicator_label", lang)].fillna(""),
        t("col.value", lang): values,
        t("col.year", lang): [str(int(y)) if pd.notna(y) else "" for y in changes["target_year"]],
        t("tables.col.detail", lang): [change_detail(d, lang) for d in changes["detail"]],
    }).reset_index(drop=True)


def documents_full_table(documents: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Every plan, national decisions included, with its metadata."""
    return pd.DataFrame({
        t("col.province", lang): documents[label_column("province_name", lang)],
        t("col.document", lang): documents["document_number"],
        t("col.document_type", lang): documents["document_type_vi"] if lang == "vi"
        else [formatting.document_type_text(k, lang) for k in documents["document_type_key"]],
        t("plans.col.title", lang): documents[label_column("title", lang)],
        t("col.issue_date", lang): [formatting.date_text(d, lang) for d in documents["issue_date"]],
        t("col.signer", lang): documents["signer"].fillna(""),
        t("col.implements", lang): documents["implements_number"].fillna(""),
        t("col.horizon", lang): [f"{int(a)}–{int(b)}" for a, b in zip(documents["horizon_start"], documents["horizon_end"])],
        t("col.n_targets", lang): documents["n_targets"],
        t("col.n_values", lang): documents["n_values"],
    }).reset_index(drop=True)


SOURCE_FIELDS = ("citation", "source_tier", "source_publisher", "locator")  # what formatting.clause_or_source reads
WHERE_FIELDS = ("source_tier", "source_publisher", "source_date", "locator")  # what formatting.where_read reads


def verified_text(value: object, lang: str) -> str:
    """Whether the citation was found verbatim in the plan's source text."""
    if value is None or pd.isna(value):
        return t("plans.verified.na", lang)
    return t("plans.verified.yes" if bool(value) else "plans.verified.no", lang)


def plan_targets_table(targets: pd.DataFrame, lang: str, link_base: str = "") -> pd.DataFrame:
    """Targets of one or more plans with their clause and a link that opens the Plans page on each one."""
    # Rows are read through the few columns they need: itertuples over all of v_targets' columns cost 7 s
    # for 17,700 values; verification and kind are looked up per distinct value.
    value_columns = ["value_low", "value_high", "comparator", "approximate", label_column("unit_symbol", lang)]
    verified = targets["citation_verified"].astype("boolean").map(
        {True: verified_text(True, lang), False: verified_text(False, lang)}).fillna(verified_text(None, lang))
    kinds = {k: t(f"kind.{k}", lang) for k in targets["kind"].unique()}
    return pd.DataFrame({
        t("col.province", lang): targets[label_column("province_name", lang)],
        t("col.document", lang): targets["document_number"],
        t("col.indicator", lang): targets[label_column("indicator_label", lang)],
        t("col.value", lang): [_value(r, lang) for r in targets[value_columns].itertuples(index=False)],
        t("col.period", lang): [formatting.year_text(year, start, end) for year, start, end in
                                zip(targets["target_year"], targets["period_start"], targets["period_end"])],
        t("col.section", lang): [formatting.section_text(s) for s in targets["section"]],
        t("plans.col.link", lang): [f"{link_base}?target={quote(str(i), safe='')}&lang={lang}"
                                    for i in targets["target_id"]],
        t("col.citation", lang): [formatting.clause_or_source(r, lang) for r in
                                  targets[[c for c in SOURCE_FIELDS if c in targets]].itertuples(index=False)],
        t("col.tier", lang): [t(f"tier.{k if isinstance(k, str) and k else 'primary_text'}", lang)
                              for k in (targets["source_tier"] if "source_tier" in targets else [None] * len(targets))],
        t("col.source", lang): [formatting.where_read(r, lang) for r in
                                targets[[c for c in WHERE_FIELDS if c in targets]].itertuples(index=False)],
        t("col.source_url", lang): targets["source_url"] if "source_url" in targets else None,
        t("col.kind", lang): targets["kind"].map(kinds),
        t("col.sector", lang): targets[label_column("sector_label", lang)],
        t("plans.col.verified", lang): verified,
        "ID": targets["target_id"],
    }).reset_index(drop=True)


def indicator_catalogue(pool: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Indicators of a selection: how many provinces and values state each, widest first."""
    name = label_column("province_name", lang)
    grouped = pool.groupby("indicator", sort=False)
    frame = pd.DataFrame({
        "sector": grouped[label_column("sector_label", lang)].first(),
        "label": grouped[label_column("indicator_label", lang)].first(),
        "unit": grouped[label_column("unit_symbol", lang)].first().fillna(""),
        "n_provinces": grouped["province_code"].nunique(),
        "n_values": grouped.size(),
        "provinces": grouped[name].agg(lambda s: ", ".join(sorted(set(s), key=lambda v: formatting.search_key(v, True)))),
    }).reset_index()
    frame = frame.sort_values(["n_provinces", "n_values"], ascending=False, kind="stable")
    return pd.DataFrame({
        t("col.sector", lang): frame["sector"],
        t("col.indicator", lang): frame["label"],
        t("col.unit", lang): frame["unit"],
        t("tables.col.n_provinces", lang): frame["n_provinces"],
        t("col.n_values", lang): frame["n_values"],
        t("tables.col.provinces", lang): frame["provinces"],
    }).reset_index(drop=True)


# ---------------------------------------------------------------- overview cards

def headline_cards(rows: pd.DataFrame, plans: pd.DataFrame, indicator_labels: dict[str, str], indicators,
                   lang: str, verdicts=None) -> list[str]:
    """The overview card of each province with a headline value, as one HTML fragment per card, in `rows` order,
    for `widgets.card_grid`.

    All the cards go to the page as ONE element: as Streamlit elements (a bordered container of Markdown in a grid of
    columns) they were about 210 elements at 63 provinces, 20 ms of every rerun and most of what the browser drew
    before the chart. `rows`: `headline_rows`; `plans`: provincial documents (province_code, document_number,
    implements_number) in display order; `indicators`: the headline indicators in card order.
    Every text from the data is HTML-escaped, so names and numbers can never become markup."""
    from html import escape
    plan_lines: dict[str, list[str]] = {}
    for code, number, implements in zip(plans["province_code"], plans["document_number"], plans["implements_number"]):
        implements = implements if isinstance(implements, str) and implements else "–"
        plan_lines.setdefault(code, []).append(
            f'<p class="dv-note">{escape(t("overview.card.plan", lang, document=number, implements=implements))}</p>')
    cards = []
    for code, mine in rows.groupby("province_code", sort=False):
        parts = [f'<h3 class="dv-name">{escape(mine["province"].iloc[0])}</h3>', *plan_lines.get(code, [])]
        for indicator in indicators:
            parts.append(f'<p class="dv-indicator">{escape(indicator_labels.get(indicator, indicator))}</p>')
            values = mine[mine["indicator"] == indicator]
            if values.empty:
                parts.append(f'<p class="dv-note">{escape(t("overview.card.none", lang))}</p>')
            for value in values.itertuples():
                if value.national_text:
                    national = t("overview.card.national", lang, value=value.national_text,
                                 period=value.national_period, document=value.national_document,
                                 relation=t(f"tables.relation.{value.relation}", lang))
                else:
                    national = t("overview.card.no_national", lang)
                parts.append(f'<p class="dv-value"><strong>{escape(value.value_text)}</strong> · '
                             f'{escape(value.period)}</p><p class="dv-note">{escape(national)}</p>')
                verdict = (verdicts or {}).get(value.target_id)
                if verdict:  # was it met, is it on track (the Progress page explains it)
                    parts.append(f'<p class="dv-verdict">{escape(verdict)}</p>')
        cards.append(f'<section class="dv-card">{"".join(parts)}</section>')
    return cards
