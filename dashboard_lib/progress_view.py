"""The Progress page's derived results: the verdicts the ETL published (table `progress`, view v_progress) with
their achieved values and sources, as readable rows and explanations. The maths is in progress.py; nothing here
computes a verdict."""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import pandas as pd

import plotly.graph_objects as go

from . import charts, data, formatting, widgets
from .i18n import label_column, t
from .progress import ACCELERATION_NEEDED, ON_TRACK, STATUSES

# Read without colour: a shape and a word for every status.
STATUS_SYMBOLS = {"met": "✔", "met_within_range": "✔", "target_achieved": "✔", "on_track": "▲",
                  "acceleration_needed": "▶", "limited_progress": "▽", "moving_away": "▼", "not_met": "✘",
                  "not_assessable": "–"}
TIER_FILTERS = ("all", "primary_text", "no_press")
DEFAULT_INDICATORS = ("grdp_growth", "services_growth", "services_share_grdp")


def status_text(status: str, lang: str) -> str:
    return f"{STATUS_SYMBOLS.get(status, '')} {t(f'progress.status.{status}', lang)}".strip()


def verdicts(version: data.WarehouseVersion) -> pd.DataFrame:
    """Every verdict with its target's labels (empty when the warehouse predates the progress table)."""
    try:
        return data.query(version, "SELECT * FROM v_progress ORDER BY province_era, province_code, indicator, "
                                   "target_year, target_id")
    except Exception:  # noqa: BLE001 - a warehouse built before verdicts were published has no v_progress
        return pd.DataFrame()


def achieved_values(version: data.WarehouseVersion) -> pd.DataFrame:
    return data.query(version, "SELECT * FROM v_achieved ORDER BY province_era, province_code, indicator, year")


@data.shared(max_entries=8)
def choices(version: data.WarehouseVersion, lang: str) -> Mapping[str, object]:
    frame = verdicts(version)
    if frame.empty:
        return MappingProxyType({"provinces": MappingProxyType({}), "indicators": MappingProxyType({})})
    name = label_column("province_name", lang)
    provinces = dict(zip(frame["province_code"], frame[name]))
    indicators = dict(zip(frame["indicator"], frame[label_column("indicator_label", lang)]))
    return MappingProxyType({"provinces": MappingProxyType(provinces),
                             "indicators": MappingProxyType(indicators)})


def filtered(version: data.WarehouseVersion, provinces: tuple[str, ...], indicators: tuple[str, ...],
             statuses: tuple[str, ...], tier: str, assessable_only: bool) -> pd.DataFrame:
    frame = verdicts(version)
    if frame.empty:
        return frame
    keep = pd.Series(True, index=frame.index)
    if provinces:
        keep &= frame["province_code"].isin(provinces)
    if indicators:
        keep &= frame["indicator"].isin(indicators)
    if statuses:
        keep &= frame["status"].isin(statuses)
    if tier == "primary_text":
        keep &= frame["source_tier"] == "primary_text"
    elif tier == "no_press":
        keep &= frame["source_tier"] != "press"
    if assessable_only:
        keep &= frame["status"] != "not_assessable"
    return frame[keep].reset_index(drop=True)


@data.shared(max_entries=64)
def selection_view(version: data.WarehouseVersion, lang: str, provinces: tuple[str, ...], indicators: tuple[str, ...],
                   statuses: tuple[str, ...], tier: str, assessable_only: bool) -> Mapping[str, object] | None:
    """What the page shows for one selection, built once and shared by every session (data.shared): the ratio
    chart (None when no target has a ratio), the table and the export table (Arrow), the documents drawn, and per
    target id the label offered for an explanation. None when nothing matches."""
    frame = filtered(version, provinces, indicators, statuses, tier, assessable_only)
    if frame.empty:
        return None
    chart = ratio_chart(frame, lang, data.built_on_text(version, lang))
    labels = {row["target_id"]: target_label(row, lang) for _, row in frame.iterrows()}
    rows = table(frame, lang)
    return MappingProxyType({
        "chart": None if chart is None else charts.share_figure(chart),
        "table": data.arrow(rows), "markup": shown_markup(rows, lang),
        "export": data.arrow(export_table(frame, lang)),
        "documents": tuple(sorted(set(frame["document_number"]))), "labels": MappingProxyType(labels)})


@data.shared(max_entries=256)
def explanation_of(version: data.WarehouseVersion, lang: str, target_id: str) -> str | None:
    """The explanation of one target's verdict (Markdown), None for an unknown target."""
    frame = verdicts(version)
    rows = frame[frame["target_id"] == target_id] if not frame.empty else frame
    return None if rows.empty else explanation(rows.iloc[0], achieved_values(version), lang)


def _unit(row, lang: str) -> str:
    return formatting.unit_symbol(row["unit"], row["unit_symbol_vi"], row["unit_symbol_en"], lang)


def target_text(row, lang: str) -> str:
    value = formatting.value_label(row["value_low"], row["value_high"], row["comparator"], _unit(row, lang), lang,
                                   bool(row["approximate"]) if pd.notna(row["approximate"]) else False)
    when = formatting.year_text(row["target_year"], row["period_start"], row["period_end"])
    return f"{value} ({when})" if when else value


def target_label(row, lang: str) -> str:
    """'Bình Thuận · Tốc độ tăng trưởng khu vực dịch vụ · 7–7,5%/năm (2021–2025)': a target named in one line."""
    return (f"{row[label_column('province_name', lang)]} · {row[label_column('indicator_label', lang)]} · "
            f"{target_text(row, lang)}")


def achieved_text(row, lang: str) -> str:
    if pd.isna(row["achieved"]):
        return "–"
    unit = _unit(row, lang)
    value = formatting.value_text(row["achieved"], row["achieved"], "exact", unit, lang)
    if row["basis"] in ("annual_rates", "progress_ratio") and row["unit"] == "pct_per_year":
        start = int(row["period_start"]) if pd.notna(row["period_start"]) else None
        end = int(row["current_year"]) if pd.notna(row["current_year"]) else None
        return f"{value} ({formatting.period_text(start, end)})"
    year = int(row["current_year"]) if pd.notna(row["current_year"]) else ""
    return f"{value} ({year})"


def table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The rows the page shows and downloads, with translated headers."""
    rows = []
    for _, row in frame.iterrows():
        ratio = formatting.ratio_text(row["ratio"], lang) if pd.notna(row["ratio"]) else ""
        remaining = ""
        if pd.notna(row["required_remaining"]):
            remaining = formatting.value_text(row["required_remaining"], row["required_remaining"], "exact",
                                              _unit(row, lang), lang)
        rows.append({
            t("progress.col.province", lang): row[label_column("province_name", lang)],
            t("progress.col.indicator", lang): row[label_column("indicator_label", lang)],
            t("progress.col.target", lang): target_text(row, lang),
            t("progress.col.document", lang): row["document_number"],
            t("progress.col.achieved", lang): achieved_text(row, lang),
            t("progress.col.verdict", lang): status_text(row["status"], lang),
            t("progress.col.ratio", lang): ratio,
            t("progress.col.remaining", lang): remaining,
            t("progress.col.vintage", lang): row["vintages"] or "",
            t("progress.col.revision", lang): status_text(row["flipped_from"], lang)
            if isinstance(row["flipped_from"], str) and row["flipped_from"] else "",
            t("progress.col.tier", lang): t(f"tier.{row['source_tier']}", lang),
            t("progress.col.source", lang): row["source_url"] if isinstance(row["source_url"], str)
            else row["source_publisher"],
        })
    return pd.DataFrame(rows)


# What the page's table shows of `table`: what a reader judges a target by, with its source tier (always visible).
# The document, ratio R, rate still required, vintages and revision are in the explanation of a picked target, the
# chart, the CSV and the exports.
SHOWN_COLUMNS = ("province", "indicator", "target", "achieved", "verdict", "tier")


def shown_markup(rows: pd.DataFrame, lang: str) -> widgets.HtmlBlock:
    """The verdicts as a static table whose cells wrap: st.dataframe cut its values and verdicts to fit 1440 px."""
    headers = [t(f"progress.col.{key}", lang) for key in SHOWN_COLUMNS]
    return widgets.tables_markup([(None, rows[headers].set_index(headers[0]))])


def explanation(row, achieved: pd.DataFrame, lang: str) -> str:
    """Markdown (data text escaped by the caller's formatter) saying how the verdict was reached, with links to
    the target's source and to every achieved value used."""
    from .widgets import escape_markdown as md
    parts = [t("progress.explain.target", lang, target=md(target_text(row, lang)),
               document=md(row["document_number"]), tier=t(f"tier.{row['source_tier']}", lang))]
    if isinstance(row["source_url"], str):
        parts.append(f"[{md(row['source_publisher'])}]({row['source_url']})")
    parts.append(t(f"progress.explain.basis.{row['basis']}", lang))
    if row["comparator"] in ("range", "about", "at_least", "at_most"):
        parts.append(t(f"progress.explain.comparator.{row['comparator']}", lang))
    parts.append(t("progress.explain.verdict", lang, verdict=status_text(row["status"], lang)))
    if pd.notna(row["ratio"]):
        parts.append(t("progress.explain.ratio", lang, ratio=formatting.ratio_text(row["ratio"], lang)))
    if pd.notna(row["required_remaining"]):
        parts.append(t("progress.explain.remaining", lang, value=md(formatting.value_text(
            row["required_remaining"], row["required_remaining"], "exact", _unit(row, lang), lang))))
    if isinstance(row["years_missing"], str) and row["years_missing"]:
        parts.append(t("progress.explain.missing", lang, years=row["years_missing"]))
    if isinstance(row["flipped_from"], str) and row["flipped_from"]:
        parts.append(t("progress.explain.flipped", lang, before=status_text(row["flipped_from"], lang)))
    text = " ".join(parts)
    used = _achieved_rows(achieved, row["achieved_ids"])
    # No verdict without values: show what is published, so the reader sees which years are missing.
    shown, heading = (used, "progress.explain.achieved") if not used.empty else \
        (_achieved_rows(achieved, row.get("considered_ids")), "progress.explain.considered")
    lines = []
    for _, a in shown.iterrows():
        when = formatting.period_text(a["period_start"], a["year"]) if pd.notna(a["period_start"]) else str(a["year"])
        unit = formatting.unit_symbol(a["unit"], a["unit_symbol_vi"], a["unit_symbol_en"], lang)
        value = formatting.value_label(a["value"], a["value"], a["comparator"], unit, lang)
        revised = ""
        if pd.notna(a["previous_value"]):
            revised = " " + t("progress.explain.revised_from", lang,
                              value=formatting.value_text(a["previous_value"], a["previous_value"], "exact", unit,
                                                          lang))
        link = f"[{md(a['source_publisher'])}]({a['source_url']})" if isinstance(a["source_url"], str) else \
            md(a["source_publisher"])
        lines.append(f"- {when}: **{md(value)}** ({t('vintage.' + a['vintage'], lang)}){revised}, {link}, "
                     f"{t('tier.' + a['source_tier'], lang)}")
    if lines:
        text += "\n\n" + t(heading, lang) + "\n" + "\n".join(lines)
    return text


def _achieved_rows(achieved: pd.DataFrame, ids: object) -> pd.DataFrame:
    """The achieved values named in a ';'-separated id list, in the order of years."""
    wanted = [i for i in str(ids).split(";") if i] if isinstance(ids, str) else []
    return achieved[achieved["achieved_id"].isin(wanted)].sort_values(["year", "achieved_id"])


def status_options() -> tuple[str, ...]:
    return STATUSES


STATUS_MARKERS = {"on_track": "triangle-up", "acceleration_needed": "triangle-right", "limited_progress":
                  "triangle-down-open", "moving_away": "triangle-down", "target_achieved": "star"}
STATUS_COLOURS = {"on_track": "#2166ac", "acceleration_needed": "#67a9cf", "limited_progress": "#ef8a62",
                  "moving_away": "#b2182b", "target_achieved": "#1b7837"}
RATIO_SHOWN = (-1.0, 2.0)  # ratios beyond are drawn at the edge, their value in the label


def ratio_chart(frame: pd.DataFrame, lang: str, built_on: str) -> go.Figure | None:
    """The open targets' progress ratios R against the Open SDG thresholds (0, 0.60, 0.95), one row per target,
    highest first, a shape per class so that it reads without colour; None when no target of the selection has one.

    Laid out like the range charts (charts.ranges_figure), to read on a 390 px phone as on a desktop: each row's
    label on a line above its mark (as y-axis labels they ran off a phone's chart), the title, subtitle and
    source wrapped to a phone's width, the legend one entry a line."""
    rows = frame[frame["ratio"].notna()].copy()
    if rows.empty:
        return None
    rows = rows.sort_values("ratio", ascending=False, kind="stable").reset_index(drop=True)
    name = label_column("province_name", lang)
    indicator = label_column("indicator_label", lang)
    labels = [charts.label_lines([f"<b>{widgets.escape_html(r[name])}</b>", widgets.escape_html(r[indicator]),
                                  widgets.escape_html(target_text(r, lang))]) for _, r in rows.iterrows()]
    positions, y = [], 0.0
    for lines in labels:  # a row, and room above it for each line of its label after the first
        y += 1.0 + charts.LABEL_LINE * (len(lines) - 1) if positions else charts.LABEL_LINE * (len(lines) - 1)
        positions.append(y)
    low, high = RATIO_SHOWN
    traces = []
    for status in STATUS_MARKERS:
        mine = (rows["status"] == status).to_numpy()
        if not mine.any():
            continue
        part = rows[mine]
        plain = [target_label(r, lang) for _, r in part.iterrows()]
        traces.append(dict(
            type="scatter", mode="markers+text", name=t(f"progress.status.{status}", lang),  # the marker is the shape
            x=[min(max(float(v), low), high) for v in part["ratio"]],
            y=[p for p, keep in zip(positions, mine) if keep],
            text=[formatting.ratio_text(v, lang) for v in part["ratio"]], textposition="middle right",
            marker=dict(symbol=STATUS_MARKERS[status], size=13, color=STATUS_COLOURS[status],
                        line=dict(width=1.5, color=STATUS_COLOURS[status])),
            hovertext=[widgets.escape_html(f"{label}: R = {formatting.ratio_text(v, lang)} ({status_text(status, lang)})")
                       for label, v in zip(plain, part["ratio"])],
            hoverinfo="text", cliponaxis=False))
    legend_entries = len(traces)
    traces.append(charts.row_labels(positions, labels))
    bands = [dict(type="rect", xref="x", yref="paper", x0=a, x1=b, y0=0, y1=1, fillcolor=c, line=dict(width=0),
                  layer="below") for a, b, c in ((low, 0, "#fbe3e1"), (0, ACCELERATION_NEEDED, "#fdf1e6"),
                                                 (ACCELERATION_NEEDED, ON_TRACK, "#eef4fa"),
                                                 (ON_TRACK, high, "#e3edf7"))]
    head = charts.header(t("progress.chart.title", lang),
                         t("progress.chart.subtitle", lang) + ". " + t("progress.chart.edge_note", lang),
                         t("progress.chart.source", lang, method=t("progress.method.name", lang), built_on=built_on),
                         legend_entries)
    top = -charts.LABEL_ABOVE - charts.LABEL_LINE * (len(labels[0]) - 1) - 0.35
    layout = charts.layout_dict(lang, head=head, height=charts.chart_height(positions[-1] + 0.6 - top, head))
    layout.update(
        shapes=bands, annotations=[charts.source_annotation(head.source)],
        xaxis=dict(range=[low - 0.05, high + 0.35], zeroline=True, zerolinecolor="#8c8c8c", showgrid=False,
                   tickvals=[-1, 0, ACCELERATION_NEEDED, ON_TRACK, 1.5, 2], ticks="outside", ticklen=4,
                   title=dict(text=t("progress.chart.axis", lang))),
        yaxis=dict(autorange=False, range=[positions[-1] + 0.6, top], tickmode="array", tickvals=positions,
                   showticklabels=False, showgrid=True, gridcolor="rgba(255,255,255,0.7)", zeroline=False,
                   fixedrange=True),
        xaxis2=dict(overlaying="x", range=[0, 1], visible=False, fixedrange=True))
    return charts.figure_from_dicts(traces, layout)


def export_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The table the exports carry: the page's table with the method named on every row."""
    exported = table(frame, lang)
    exported[t("progress.col.method", lang)] = t("progress.method.name", lang)
    return exported
