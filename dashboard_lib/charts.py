"""Chart builders: pure functions from a data frame and a language to a Plotly figure.

No Streamlit here, so the export feature (slides, static images) reuses the same figures unchanged.
Every figure carries its title, a subtitle with the unit, and the source line naming the plans it
draws from; numbers follow the reader's language through Plotly's `separators`.

Encodings never rely on colour alone (Okabe–Ito palette, safe for colour-blind readers):
- a range ("7–7,5%") is a thick bar from low to high with end caps;
- a value the plan hedges with "khoảng" is dotted (ranges) or a diamond (single values);
- an exact value is a filled circle;
- a bound is an open triangle pointing where the plan allows: ▷ "at least", ◁ "at most";
- the national benchmark of the same year is a grey band (range) or grey tick (value) behind each row.
"""
from __future__ import annotations

import html
import textwrap

import pandas as pd
import plotly.graph_objects as go

from . import formatting
from .i18n import label_column, t

NATIONAL_CODE = "VN"
# Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {"blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermilion": "#D55E00",
             "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000"}
KIND_COLOURS = {"target": OKABE_ITO["blue"], "baseline": OKABE_ITO["orange"], "project_scale": OKABE_ITO["green"]}
NATIONAL_COLOUR = "#3A3A3A"
BENCHMARK_COLOUR = "rgba(90, 90, 90, 0.22)"
BENCHMARK_TICK = "rgba(70, 70, 70, 0.75)"
FONT = "Source Sans Pro, Arial, sans-serif"
ROW_HEIGHT = 34
LABEL_COLUMN = 150  # pixels between the group labels and the plot, room for the row labels
TOP = 150  # pixels above the plot: title, subtitle, legend
BOTTOM = 100  # pixels below the plot: axis title and the source line


def _escape(text: str) -> str:
    """Data text inside Plotly's labels and hover: <, > and & escaped so it cannot add markup. Quotes stay as they
    are (Plotly shows an escaped quote as the literal text &quot;, and there are no attributes to break out of)."""
    return html.escape(text, quote=False)


# ---------------------------------------------------------------- data behind the range chart

def _unit(row, lang: str) -> str:
    value = row.get(label_column("unit_symbol", lang)) if isinstance(row, dict) else getattr(row, label_column("unit_symbol", lang))
    return value if isinstance(value, str) else ""


def _sort_key(text: str) -> str:
    return formatting.search_key(text, fold_diacritics=True)


def _benchmark_for(row, national: pd.DataFrame):
    """The national value of the same indicator and year, preferring the decision the plan implements."""
    if national.empty:
        return None
    same = national[(national["indicator"] == row.indicator) & (national["target_year"] == row.target_year)
                    & (national["kind"] == "target")]
    if same.empty:
        return None
    implemented = same[same["document_id"] == getattr(row, "document_implements", None)]
    return (implemented if not implemented.empty else same).iloc[0]


def target_ranges_data(frame: pd.DataFrame, lang: str, *, benchmarks: bool = True) -> pd.DataFrame:
    """One row per plotted value, in drawing order (national group first, then provinces A–Z).

    This is exactly the data behind `target_ranges` (the CSV download offers it)."""
    columns = ["target_id", "province_code", "entity", "row_label", "indicator", "indicator_label", "kind",
               "kind_label", "comparator", "approximate", "value_low", "value_high", "unit", "value_text",
               "target_year", "period", "document_number", "section", "citation", "benchmark_low",
               "benchmark_high", "benchmark_text", "benchmark_document"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    national = frame[frame["province_code"] == NATIONAL_CODE]
    rows = []
    found: dict[tuple, pd.Series | None] = {}  # _benchmark_for depends on these three fields only
    for row in frame.itertuples(index=False):
        is_national = row.province_code == NATIONAL_CODE
        unit = _unit(row, lang)
        approximate = formatting.is_approximate(row.comparator, row.value_low, row.citation)
        period = formatting.year_text(row.target_year, row.period_start, row.period_end)
        label = period
        if row.kind != "target":
            label += f" · {t(f'kind.{row.kind}', lang).lower()}"
        if is_national:
            label += f" · {row.document_number}"
        bench = None
        if not is_national and benchmarks:
            key = (row.indicator, row.target_year, getattr(row, "document_implements", None))
            if key not in found:
                found[key] = _benchmark_for(row, national)
            bench = found[key]
        rows.append({
            "target_id": row.target_id,
            "province_code": row.province_code,
            "entity": t("national", lang) if is_national else getattr(row, label_column("province_name", lang)),
            "row_label": label,
            "indicator": row.indicator,
            "indicator_label": getattr(row, label_column("indicator_label", lang)),
            "kind": row.kind,
            "kind_label": t(f"kind.{row.kind}", lang),
            "comparator": row.comparator,
            "approximate": approximate,
            "value_low": float(row.value_low),
            "value_high": float(row.value_high),
            "unit": unit,
            "value_text": formatting.value_label(row.value_low, row.value_high, row.comparator, unit, lang, approximate),
            "target_year": int(row.target_year),
            "period": period,
            "document_number": row.document_number,
            "section": row.section,
            "citation": row.citation,
            "benchmark_low": float(bench["value_low"]) if bench is not None else None,
            "benchmark_high": float(bench["value_high"]) if bench is not None else None,
            "benchmark_text": formatting.value_label(
                bench["value_low"], bench["value_high"], bench["comparator"], unit, lang,
                formatting.is_approximate(bench["comparator"], bench["value_low"], bench["citation"]))
            if bench is not None else "",
            "benchmark_document": bench["document_number"] if bench is not None else "",
            "_national": is_national,
            "_sort": (0 if is_national else 1, "" if is_national else _sort_key(getattr(row, label_column("province_name", lang))),
                      int(row.target_year), int(row.period_start) if pd.notna(row.period_start) else 0,
                      float(row.value_low)),
        })
    data = pd.DataFrame(rows).sort_values("_sort", kind="stable").drop(columns=["_sort"]).reset_index(drop=True)
    return data[columns + ["_national"]]


# ---------------------------------------------------------------- figure pieces

def _hover(row: pd.Series, lang: str) -> str:
    citation = "<br>".join(textwrap.wrap(_escape(str(row["citation"])), 70))
    lines = [f"<b>{_escape(row['entity'])}</b> · {_escape(row['period'])}",
             f"{_escape(row['indicator_label'])}: <b>{_escape(row['value_text'])}</b>",
             f"{t('col.kind', lang)}: {_escape(row['kind_label'])}",
             f"{t('col.document', lang)}: {_escape(str(row['document_number']))}, "
             f"{t('charts.hover.section', lang)} {_escape(str(row['section']))}",
             f"<i>“{citation}”</i>"]
    if row.get("benchmark_text"):
        lines.append(t("charts.hover.benchmark", lang, document=_escape(row["benchmark_document"]),
                       value=_escape(row["benchmark_text"])))
    return "<br>".join(lines)


def _style(row: pd.Series) -> str:
    if row["value_low"] != row["value_high"] or row["comparator"] == "range":
        return "range_about" if row["approximate"] else "range"
    if row["comparator"] in ("at_least", "at_most"):
        return row["comparator"]
    return "about" if row["approximate"] else "exact"


SYMBOLS = {"exact": "circle", "about": "diamond", "at_least": "triangle-right-open",
           "at_most": "triangle-left-open"}
STYLE_ORDER = ["range", "range_about", "exact", "about", "at_least", "at_most"]


def _layout(fig: go.Figure, lang: str, *, title: str, subtitle: str, source: str, height: int,
            left_margin: int = 300) -> None:
    """Title, subtitle and legend at fixed pixel positions above the plot; the source line below it."""
    fig.update_layout(
        title=dict(text=f"<b>{_escape(title)}</b>", subtitle=dict(text=_escape(subtitle), font=dict(size=13)),
                   x=0, xanchor="left", xref="container", y=1 - 14 / height, yanchor="top", yref="container",
                   pad=dict(l=14), font=dict(size=17)),
        separators=formatting.plotly_separators(lang),
        font=dict(family=FONT, size=13, color="#262730"),
        height=height,
        margin=dict(l=left_margin, r=30, t=TOP, b=BOTTOM, autoexpand=False),
        plot_bgcolor="white", paper_bgcolor="white",
        legend=dict(orientation="h", x=0, xref="container", xanchor="left", y=1 - 78 / height, yref="container",
                    yanchor="top", font=dict(size=12), itemsizing="constant", traceorder="normal",
                    indentation=8),
        hoverlabel=dict(bgcolor="white", bordercolor="#8a8a99", font=dict(family=FONT, size=12, color="#1f1f29"),
                        align="left"),
    )
    fig.add_annotation(text=_escape(source), xref="paper", yref="paper", x=0, y=0, xanchor="left",
                       yanchor="top", xshift=-left_margin + 14, yshift=-62, showarrow=False,
                       font=dict(size=11, color="#5c5c66"), align="left")


def _row_positions(data: pd.DataFrame) -> list[float]:
    """Row positions top to bottom, with a gap between groups."""
    positions, y, previous = [], 0.0, None
    for entity in data["entity"]:
        if previous is not None:
            y += 1.0 if entity == previous else 1.6
        positions.append(y)
        previous = entity
    return positions


def _height(rows: float) -> int:
    return int(TOP + BOTTOM + ROW_HEIGHT * max(rows, 2.5) + 20)


def source_text(document_numbers, built_on: str | None, lang: str) -> str:
    """The same source line as `widgets.source_line`, for use inside a figure."""
    documents = ", ".join(sorted(dict.fromkeys(str(d) for d in document_numbers)))
    return t("source.line", lang, documents=documents, built_on=built_on or "–")


def empty_figure(message: str, lang: str) -> go.Figure:
    """A figure that says there is nothing to draw (never an empty axis)."""
    fig = go.Figure()
    fig.add_annotation(text=_escape(message), x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font=dict(size=15))
    fig.update_layout(xaxis=dict(visible=False), yaxis=dict(visible=False), height=220,
                      separators=formatting.plotly_separators(lang), plot_bgcolor="white")
    return fig


# ---------------------------------------------------------------- the range (dot-and-whisker) chart

def target_ranges(frame: pd.DataFrame, lang: str, *, built_on: str | None = None, benchmarks: bool = True,
                  title: str | None = None, subtitle: str | None = None) -> go.Figure:
    """Values of ONE indicator grouped by province: ranges as bars, bounds as open triangles.

    `frame` holds v_targets rows of a single indicator (national rows, province_code 'VN', become their
    own group and, with `benchmarks`, a grey band behind each provincial row of the same year).
    Indicators with different units are never put on one axis: a frame with several units is an error."""
    units = frame["unit"].dropna().unique() if not frame.empty else []
    if len(units) > 1 or (not frame.empty and frame["indicator"].nunique() > 1):
        raise ValueError("target_ranges draws one indicator (one unit) at a time")
    data = target_ranges_data(frame, lang, benchmarks=benchmarks)
    if data.empty:
        return empty_figure(t("charts.empty", lang), lang)

    unit = data["unit"].iloc[0]
    positions = _row_positions(data)
    data = data.assign(_y=positions)
    fig = go.Figure()

    # National benchmark of the same year behind each provincial row.
    bench = data[data["benchmark_text"] != ""]
    shown = False
    for _, row in bench.iterrows():
        hover = t("charts.hover.benchmark", lang, document=_escape(row["benchmark_document"]),
                  value=_escape(row["benchmark_text"]))
        common = dict(legendgroup="benchmark", name=t("charts.legend.benchmark", lang), showlegend=not shown,
                      hovertemplate=hover + "<extra></extra>")
        if row["benchmark_low"] != row["benchmark_high"]:
            fig.add_trace(go.Scatter(x=[row["benchmark_low"], row["benchmark_high"]], y=[row["_y"]] * 2,
                                     mode="lines", line=dict(color=BENCHMARK_COLOUR, width=20), **common))
        else:
            fig.add_trace(go.Scatter(x=[row["benchmark_low"]], y=[row["_y"]], mode="markers",
                                     marker=dict(symbol="line-ns", size=26, line=dict(color=BENCHMARK_TICK, width=3)),
                                     **common))
        shown = True

    # The values themselves, one trace per row; the legend shows each encoding once, in a fixed order.
    legend_done: set[str] = set()
    styles = data.apply(_style, axis=1)
    for style in STYLE_ORDER:
        for _, row in data[styles == style].iterrows():
            colour = NATIONAL_COLOUR if row["_national"] else KIND_COLOURS.get(row["kind"], OKABE_ITO["blue"])
            common = dict(legendgroup=style, name=t(f"charts.legend.{style}", lang),
                          showlegend=style not in legend_done, hovertemplate=_hover(row, lang) + "<extra></extra>",
                          textfont=dict(size=12, color="#262730"), cliponaxis=False)
            legend_done.add(style)
            if style.startswith("range"):
                fig.add_trace(go.Scatter(
                    x=[row["value_low"], row["value_high"]], y=[row["_y"]] * 2, mode="lines+markers+text",
                    line=dict(color=colour, width=7, dash="dot" if style == "range_about" else "solid"),
                    marker=dict(symbol="line-ns", size=16, line=dict(color=colour, width=3)),
                    text=["", "  " + row["value_text"]], textposition="middle right", **common))
            else:
                symbol = SYMBOLS[style]
                open_marker = symbol.endswith("-open")
                fig.add_trace(go.Scatter(
                    x=[row["value_low"]], y=[row["_y"]], mode="markers+text",
                    marker=dict(symbol=symbol, size=15 if open_marker else 13, color=colour,
                                line=dict(color=colour if open_marker else "white", width=2.5 if open_marker else 1)),
                    text=["  " + row["value_text"]], textposition="middle right", **common))

    # Group labels (province / national) at the left, a thin rule between groups. Added in one go: each
    # add_annotation/add_shape call re-validates every earlier one (seconds for 63 provinces).
    groups = data.groupby("entity", sort=False)["_y"].agg(["min", "max"])
    labels, rules = [], []
    for number, (entity, span) in enumerate(groups.iterrows()):
        labels.append(dict(text=f"<b>{_escape(entity)}</b>", xref="paper", yref="y", x=0, y=span["min"],
                           xanchor="right", yanchor="middle", xshift=-LABEL_COLUMN, showarrow=False,
                           font=dict(size=13, color="#262730"), align="right"))
        if number:
            rules.append(dict(type="line", xref="paper", yref="y", x0=0, x1=1, y0=span["min"] - 0.8,
                              y1=span["min"] - 0.8, line=dict(color="#c9c9d1", width=1)))
    fig.update_layout(annotations=[*fig.layout.annotations, *labels], shapes=[*fig.layout.shapes, *rules])
    kinds = [k for k in ("baseline", "project_scale") if k in set(data["kind"])]
    note = t("charts.note.kinds", lang) if kinds else ""
    low = min(data["value_low"].min(), data["benchmark_low"].dropna().min() if bench.size else data["value_low"].min())
    high = max(data["value_high"].max(), data["benchmark_high"].dropna().max() if bench.size else data["value_high"].max())
    span = (high - low) or abs(high) or 1.0
    # Room on the right for the value labels.
    fig.update_xaxes(range=[low - 0.08 * span, high + 0.42 * span], showgrid=True, gridcolor="#e6e6ea",
                     zeroline=False, tickformat=",~f", ticks="outside", ticklen=4,
                     title=dict(text=t("charts.axis.value", lang, unit=unit) if unit else t("col.value", lang)))
    fig.update_yaxes(autorange=False, range=[data["_y"].max() + 0.8, data["_y"].min() - 0.8], showgrid=True,
                     gridcolor="#f2f2f5", tickfont=dict(size=12), tickmode="array", tickvals=data["_y"].tolist(),
                     ticktext=[_escape(label) for label in data["row_label"]], zeroline=False)

    indicator_label = data["indicator_label"].iloc[0]
    default_subtitle = t("charts.ranges.subtitle", lang, unit=unit or t("col.value", lang))
    if note:
        default_subtitle += " " + note
    _layout(fig, lang, title=title or indicator_label, subtitle=subtitle or default_subtitle,
            source=source_text([*data["document_number"], *bench["benchmark_document"]], built_on, lang),
            height=_height(len(data) + 0.6 * (data["entity"].nunique() - 1)))
    return fig
