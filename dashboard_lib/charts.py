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
import re
import textwrap
from functools import lru_cache
from typing import NamedTuple

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pyarrow as pa
from plotly.io.json import from_json_plotly

from . import formatting, tables, widgets
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
ROW_HEIGHT = 40  # a row: its label line above, its value below
# The range chart reads on a 390 px phone as on a 1440 px screen (the server cannot know the width): the row labels
# sit on a line above each value (no label column eating the plot), the legend lists its entries one per line (its
# height does not depend on the width), and the title, subtitle and source line are wrapped to a phone's width.
LABEL_ABOVE = 0.45  # rows: how far above its value a row's label sits
LABEL_CHARS = 50  # characters of a row's label per line (a 358 px chart holds this many at 12 px)
LABEL_LINE = 0.4  # rows: the room a row's label takes for each line after its first
GROUP_GAP = 1.25  # rows between the last row of a group and the first of the next
MARGIN = 14  # pixels left and right of the plot
TITLE_CHARS, SUBTITLE_CHARS, SOURCE_CHARS = 34, 48, 60  # characters per line that fit a 358 px chart
# The title below a strip kept free for Plotly's toolbar: a phone shows the toolbar at all times, over the title.
TITLE_TOP = 40
# ... and the source line's pixels (11 px type, the plot's left margin off): a line of document numbers (digits,
# capitals) of 60 characters ran past a phone's chart
SOURCE_PX = 330
LEGEND_ENTRY = 20  # pixels per legend entry
TOP = 150  # pixels above the plot: title, subtitle, legend (the range chart computes its own)
BOTTOM = 100  # pixels below the plot: axis title and the source line


def wrap_lines(text: str, width: int, max_px: float | None = None, size: float = 11) -> list[str]:
    """Text broken into lines of at most `width` characters at spaces (a longer word keeps its own line), for
    joining with <br>: Plotly does not wrap titles or annotations. Non-breaking spaces hold their words together.
    `max_px`: nor wider than this at font `size` (digits and capitals are wider than the average character)."""
    lines: list[str] = []
    for word in filter(None, text.split(" ")):
        if lines and len(lines[-1]) + 1 + len(word) <= width and (
                max_px is None or formatting.text_width_px(f"{lines[-1]} {word}", size) <= max_px):
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


_escape = widgets.escape_html  # data text inside Plotly's labels and hover


# ---------------------------------------------------------------- figures shared between sessions

class SharedFigure(go.Figure):
    """A figure built once, cached and shown to every session that asks for the same chart: read-only.

    st.plotly_chart and the exports read a figure through `to_dict()`, which for a plain figure deep-copies every
    trace and walks it for arrays (15 ms for a chart of 160 values, 8 ms for the map, on every rerun). A shared
    figure keeps its JSON from when it was shared and hands out a fresh copy decoded from it (with orjson, Plotly's
    fast engine: a third of the json module's time). NEVER modify one (copy it with go.Figure(fig) first): the JSON
    would not follow the change."""

    def to_dict(self) -> dict:
        frozen = self.__dict__.get("_shared_json")
        return from_json_plotly(frozen) if frozen is not None else super().to_dict()


def _without_none(value):
    """Dictionaries (and lists of them) without None entries: None means "not set" to Plotly's validation, which
    `figure_from_dicts` skips. Lists of numbers (coordinates, values with None gaps) are kept as they are."""
    if isinstance(value, dict):
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [_without_none(item) for item in value]
    return value


def figure_from_dicts(traces: list[dict], layout: dict, *, shared: bool = False) -> go.Figure:
    """A figure from plain dictionaries, handed to Plotly in one go without validating every property (validation
    cost ~1 ms a trace, more than the rest of a page; the tests validate the same dictionaries). `shared`: a
    SharedFigure, its JSON written from the dictionaries (no deep copy of the figure to write it)."""
    layout = _without_none(layout)
    if isinstance(pio.templates.default, str) and pio.templates.default in pio.templates and "template" not in layout:
        layout["template"] = _template_json(pio.templates.default)  # copied by Plotly, never shared
    spec = dict(data=[_without_none(trace) for trace in traces], layout=layout)
    if not shared:
        return go.Figure(spec, _validate=False)
    frozen = pio.to_json(spec, validate=False)
    fig = SharedFigure(spec, _validate=False)
    fig.__dict__["_shared_json"] = frozen
    return fig


def share_figure(fig: go.Figure) -> SharedFigure:
    """`fig` itself, made a SharedFigure (see there): call it last, on a figure nobody changes any more."""
    if isinstance(fig, SharedFigure) and "_shared_json" in fig.__dict__:
        return fig
    spec = pio.to_json(fig.to_dict(), validate=False)
    fig.__class__ = SharedFigure
    fig.__dict__["_shared_json"] = spec
    return fig


# ---------------------------------------------------------------- data behind the range chart

def _sort_key(text: str) -> str:
    return formatting.search_key(text, fold_diacritics=True)


def _benchmark_lookup(national: list[dict]) -> dict[tuple, list[dict]]:
    """National targets by (indicator, target year), in the frame's order: built once per chart, so finding a
    row's benchmark is a dictionary look-up rather than a filter of the national rows."""
    lookup: dict[tuple, list[dict]] = {}
    for row in national:
        if row["kind"] == "target":
            lookup.setdefault((row["indicator"], row["target_year"]), []).append(row)
    return lookup


def _benchmark_for(row: dict, lookup: dict[tuple, list[dict]]) -> dict | None:
    """The national value of the same indicator and year, preferring the decision the plan implements."""
    same = lookup.get((row["indicator"], row["target_year"]))
    if not same:
        return None
    implements = row.get("document_implements")
    implemented = [candidate for candidate in same if candidate.get("document_id") == implements]
    return (implemented or same)[0]


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """The rows of `frame` as dictionaries of the given columns only (None where a column is absent): reading a
    few columns as lists costs far less than iterating or filtering a wide frame of text columns."""
    lists = [frame[c].tolist() if c in frame.columns else [None] * len(frame) for c in columns]
    return [dict(zip(columns, values)) for values in zip(*lists)]


def target_ranges_data(frame: pd.DataFrame, lang: str, *, benchmarks: bool = True,
                       ranked: bool = False) -> pd.DataFrame:
    """One row per plotted value, in drawing order (national group first, then provinces A–Z, or with `ranked`
    from the highest value to the lowest).

    This is exactly the data behind `target_ranges` (the CSV download offers it)."""
    columns = ["target_id", "province_code", "entity", "row_label", "indicator", "indicator_label", "kind",
               "kind_label", "comparator", "approximate", "value_low", "value_high", "unit", "value_text",
               "target_year", "period", "document_number", "section", "citation", "verbatim", "source_tier",
               "source_text", "benchmark_low", "benchmark_high", "benchmark_text", "benchmark_document"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    name_column, indicator_column = label_column("province_name", lang), label_column("indicator_label", lang)
    unit_column = label_column("unit_symbol", lang)
    records = _records(frame, ["target_id", "province_code", name_column, "indicator", indicator_column, "kind",
                               "comparator", "approximate", "value_low", "value_high", unit_column, "target_year",
                               "period_start", "period_end", "document_id", "document_number", "document_implements",
                               "section", "citation", "source_tier", "source_publisher", "source_date", "locator"])
    lookup = _benchmark_lookup([r for r in records if r["province_code"] == NATIONAL_CODE]) if benchmarks else {}
    national_label = t("national", lang)
    kind_labels: dict[str, str] = {}
    rows = []
    for row in records:
        is_national = row["province_code"] == NATIONAL_CODE
        unit = row[unit_column] if isinstance(row[unit_column], str) else ""
        kind = row["kind"]
        if kind not in kind_labels:
            kind_labels[kind] = t(f"kind.{kind}", lang)
        low, high, comparator = row["value_low"], row["value_high"], row["comparator"]
        approximate = bool(row["approximate"]) if pd.notna(row["approximate"]) else False
        period = formatting.year_text(row["target_year"], row["period_start"], row["period_end"])
        label = period
        if kind != "target":
            label += f" · {kind_labels[kind].lower()}"
        if is_national:
            label += f" · {row['document_number']}"
        bench = None if is_national or not benchmarks else _benchmark_for(row, lookup)
        name = row[name_column]
        rows.append({
            "target_id": row["target_id"],
            "province_code": row["province_code"],
            "entity": national_label if is_national else name,
            "row_label": label,
            "indicator": row["indicator"],
            "indicator_label": row[indicator_column],
            "kind": kind,
            "kind_label": kind_labels[kind],
            "comparator": comparator,
            "approximate": approximate,
            "value_low": float(low),
            "value_high": float(high),
            "unit": unit,
            "value_text": formatting.stated_value(row, lang, unit),
            "target_year": int(row["target_year"]),
            "period": period,
            "document_number": row["document_number"],
            "section": formatting.section_text(row["section"]),
            "citation": formatting.clause_or_source(row, lang),  # never 'None': where it was read, if not a clause
            "verbatim": isinstance(row["citation"], str) and bool(row["citation"].strip()),
            "source_tier": row["source_tier"] or "primary_text",
            "source_text": formatting.where_read(row, lang),
            "benchmark_low": float(bench["value_low"]) if bench is not None else None,
            "benchmark_high": float(bench["value_high"]) if bench is not None else None,
            "benchmark_text": formatting.stated_value(bench, lang, unit) if bench is not None else "",
            "benchmark_document": bench["document_number"] if bench is not None else "",
            "_national": is_national,
            "_sort": (0 if is_national else 1, (-(float(low) + float(high)) / 2, _sort_key(name)) if ranked and
                      not is_national else ("" if is_national else _sort_key(name)), int(row["target_year"]),
                      int(row["period_start"]) if pd.notna(row["period_start"]) else 0, float(low)),
        })
    rows.sort(key=lambda r: r.pop("_sort"))  # stable, like the drawing order
    return pd.DataFrame(rows, columns=columns + ["_national"])


# ---------------------------------------------------------------- figure pieces

@lru_cache(maxsize=4)
def _template_json(name: str) -> dict:
    """Plotly's default template as plain JSON: a figure given it skips deep-copying the template object."""
    return pio.templates[name].to_plotly_json()

def _hover(row, lang: str) -> str:
    citation = "<br>".join(textwrap.wrap(_escape(str(row["citation"])), 70))
    where = f"{t('col.document', lang)}: {_escape(str(row['document_number']))}"
    if row["section"]:
        where += f", {t('charts.hover.section', lang)} {_escape(str(row['section']))}"
    lines = [f"<b>{_escape(row['entity'])}</b> · {_escape(row['period'])}",
             f"{_escape(row['indicator_label'])}: <b>{_escape(row['value_text'])}</b>",
             f"{t('col.kind', lang)}: {_escape(row['kind_label'])}", where]
    if row.get("verbatim", True):  # the clause, then its tier: the document's own text
        lines += [f"<i>“{citation}”</i>", _escape(row.get("source_text") or t("tier.primary_text", lang))]
    else:  # read in a report: its tier, publisher, date and where on the page
        lines.append("<br>".join(textwrap.wrap(_escape(row.get("source_text") or citation), 70)))
    if row.get("benchmark_text"):
        lines.append(t("charts.hover.benchmark", lang, document=_escape(row["benchmark_document"]),
                       value=_escape(row["benchmark_text"])))
    return "<br>".join(lines)


def _style(row) -> str:
    if row["value_low"] != row["value_high"] or row["comparator"] == "range":
        return "range_about" if row["approximate"] else "range"
    if row["comparator"] in ("at_least", "at_most"):
        return row["comparator"]
    return "about" if row["approximate"] else "exact"


SYMBOLS = {"exact": "circle", "about": "diamond", "at_least": "triangle-right-open",
           "at_most": "triangle-left-open"}
STYLE_ORDER = ["range", "range_about", "exact", "about", "at_least", "at_most"]


class Header(NamedTuple):
    """The text above and below the range chart's plot, wrapped to a phone's width, and the room it takes."""
    title: str
    subtitle: str
    source: str
    legend_top: int  # pixels from the figure's top to the legend
    top: int  # pixels above the plot
    bottom: int  # pixels below the plot


def _wrapped(text: str, width: int, max_px: float | None = None) -> str:
    return "<br>".join(_escape(line) for line in wrap_lines(text, width, max_px))


def header(title: str, subtitle: str, source: str, legend_entries: int) -> Header:
    """Title, subtitle and source line broken into lines that fit a 390 px phone, and the pixels they need with a
    legend of `legend_entries` entries listed one per line (as many lines at every width)."""
    title_lines = wrap_lines(title, TITLE_CHARS)
    subtitle_lines = wrap_lines(subtitle, SUBTITLE_CHARS)
    source_lines = wrap_lines(source, SOURCE_CHARS, SOURCE_PX)
    legend_top = TITLE_TOP + 23 * len(title_lines) + 8 + 18 * len(subtitle_lines) + 10
    top = legend_top + LEGEND_ENTRY * legend_entries + (16 if legend_entries else 0)
    bottom = 62 + 14 * len(source_lines) + 10
    return Header(f"<b>{_wrapped(title, TITLE_CHARS)}</b>",
                  _wrapped(subtitle, SUBTITLE_CHARS), _wrapped(source, SOURCE_CHARS, SOURCE_PX), legend_top, top, bottom)


def layout_dict(lang: str, *, head: Header, height: int) -> dict:
    """Title, subtitle and legend (one entry a line) at fixed pixel positions above the plot (the source line:
    `source_annotation`)."""
    return dict(
        title=dict(text=head.title, subtitle=dict(text=head.subtitle, font=dict(size=13)),
                   x=0, xanchor="left", xref="container", y=1 - TITLE_TOP / height, yanchor="top", yref="container",
                   pad=dict(l=MARGIN), font=dict(size=17)),
        separators=formatting.plotly_separators(lang),
        font=dict(family=FONT, size=13, color="#262730"),
        height=height,
        margin=dict(l=MARGIN, r=MARGIN, t=head.top, b=head.bottom, autoexpand=False),
        plot_bgcolor="white", paper_bgcolor="white",
        legend=dict(orientation="v", x=0, xref="container", xanchor="left", y=1 - head.legend_top / height,
                    yref="container", yanchor="top", font=dict(size=12), itemsizing="constant",
                    traceorder="normal", tracegroupgap=0),
        hoverlabel=dict(bgcolor="white", bordercolor="#8a8a99", font=dict(family=FONT, size=12, color="#1f1f29"),
                        align="left"),
    )


def source_annotation(source: str) -> dict:
    """The source line (already wrapped and escaped) below the plot, as a layout annotation."""
    return dict(text=source, xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top",
                yshift=-62, showarrow=False, font=dict(size=11, color="#5c5c66"), align="left")


def _row_positions(data: pd.DataFrame, label_lines: list[int] | None = None) -> list[float]:
    """Row positions top to bottom, with a gap between groups and room above a row for each line of its label after
    the first (`label_lines`)."""
    positions, y, previous = [], 0.0, None
    for number, entity in enumerate(data["entity"]):
        if previous is not None:
            y += 1.0 if entity == previous else GROUP_GAP
        if label_lines:
            y += LABEL_LINE * (label_lines[number] - 1)
        positions.append(y)
        previous = entity
    return positions


def label_lines(parts: list[str]) -> list[str]:
    """A row's label, its parts (escaped, the first maybe bold) joined by ' · ' on lines of at most `LABEL_CHARS`
    characters of text, breaking only between parts: wrapped alike at every width, it fits a phone."""
    def length(text: str) -> int:
        return len(re.sub(r"<[^>]+>", "", html.unescape(text)))
    lines: list[str] = []
    for part in parts:
        if lines and length(lines[-1]) + 3 + length(part) <= LABEL_CHARS:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    return lines


def _height(rows: float, top: int = TOP, bottom: int = BOTTOM) -> int:
    return int(top + bottom + ROW_HEIGHT * max(rows, 2.5) + 20)


def chart_height(rows: float, head: Header) -> int:
    """Pixels of a chart of `rows` rows (labels above their marks) under `head`."""
    return _height(rows, head.top, head.bottom)




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
    return ranges_figure(target_ranges_data(frame, lang, benchmarks=benchmarks), lang, built_on=built_on,
                         title=title, subtitle=subtitle)


def _benchmark_traces(rows: list[dict], lang: str) -> list[dict]:
    """The national benchmark behind the provincial rows: every band in one trace, every tick in another (a trace
    per row cost a Plotly object each on every rerun); the legend names it once."""
    if not rows:
        return []
    name = t("charts.legend.benchmark", lang)
    bands: dict = {"x": [], "y": [], "hovertemplate": []}
    ticks: dict = {"x": [], "y": [], "hovertemplate": []}
    for row in rows:
        hover = t("charts.hover.benchmark", lang, document=_escape(row["benchmark_document"]),
                  value=_escape(row["benchmark_text"])) + "<extra></extra>"
        if row["benchmark_low"] != row["benchmark_high"]:
            if bands["x"]:  # a gap between two bands
                for part, gap in (("x", None), ("y", None), ("hovertemplate", "")):
                    bands[part].append(gap)
            bands["x"] += [row["benchmark_low"], row["benchmark_high"]]
            bands["y"] += [row["_y"]] * 2
            bands["hovertemplate"] += [hover] * 2
        else:
            ticks["x"].append(row["benchmark_low"])
            ticks["y"].append(row["_y"])
            ticks["hovertemplate"].append(hover)
    traces = []
    if bands["x"]:
        traces.append(dict(type="scatter", mode="lines", line=dict(color=BENCHMARK_COLOUR, width=16), **bands))
    if ticks["x"]:
        traces.append(dict(type="scatter", mode="markers",
                           marker=dict(symbol="line-ns", size=18, line=dict(color=BENCHMARK_TICK, width=3)), **ticks))
    first_is_band = rows[0]["benchmark_low"] != rows[0]["benchmark_high"]
    if not first_is_band:
        traces.reverse()  # the legend shows the encoding of the first row, as before
    for number, trace in enumerate(traces):
        trace.update(legendgroup="benchmark", name=name, showlegend=number == 0)
    return traces


def _value_colour(row: dict) -> str:
    return NATIONAL_COLOUR if row["_national"] else KIND_COLOURS.get(row["kind"], OKABE_ITO["blue"])


def _value_traces(rows: list[dict], style: str, lang: str) -> list[dict]:
    """The values of one style (`STYLE_ORDER`), drawn in as few traces as the encoding allows: a Plotly trace per
    value cost the browser ~10 ms each to draw (160 traces on a chart at 100× the data). Points are one trace with a
    colour per point; ranges are one trace per colour (a line has one colour), segments separated by None gaps (the
    values' labels are on the row labels' lines, `ranges_figure`). Each point carries its value's hover text (`hovertext`);
    the legend names the style once, with the colour of the first value drawn in it, as when every value had its
    own trace."""
    if not rows:
        return []
    common = dict(type="scatter", legendgroup=style, name=t(f"charts.legend.{style}", lang),
                  hovertemplate="%{hovertext}<extra></extra>", cliponaxis=False)
    if style.startswith("range"):
        by_colour: dict[str, dict] = {}
        hovers = [_hover(row, lang) for row in rows]
        for row, hover in zip(rows, hovers):
            part = by_colour.setdefault(_value_colour(row), {"x": [], "y": [], "hovertext": []})
            if part["x"]:  # a gap between two ranges
                for key, gap in (("x", None), ("y", None), ("hovertext", "")):
                    part[key].append(gap)
            part["x"] += [row["value_low"], row["value_high"]]
            part["y"] += [row["_y"]] * 2
            part["hovertext"] += [hover, hover]
        lines = [dict(mode="lines+markers", showlegend=number == 0,
                      line=dict(color=colour, width=7, dash="dot" if style == "range_about" else "solid"),
                      marker=dict(symbol="line-ns", size=16, line=dict(color=colour, width=3)), **part, **common)
                 for number, (colour, part) in enumerate(by_colour.items())]
        return lines
    symbol = SYMBOLS[style]
    open_marker = symbol.endswith("-open")
    colours = [_value_colour(row) for row in rows]
    return [dict(x=[row["value_low"] for row in rows], y=[row["_y"] for row in rows], mode="markers",
                 showlegend=True,
                 marker=dict(symbol=symbol, size=15 if open_marker else 13, color=colours,
                             line=dict(color=colours if open_marker else "white", width=2.5 if open_marker else 1)),
                 hovertext=[_hover(row, lang) for row in rows], **common)]


class RangesChart(NamedTuple):
    """A range chart with what its page hands the CSV button and the export menu; shared between sessions, so
    everything in it is read-only."""
    figure: SharedFigure
    data: pa.Table                  # target_ranges_data rows (internal column names: for the page, not for readers)
    csv: pa.Table                   # tables.ranges_csv of them
    table: pa.Table                 # tables.ranges_table of them: translated headers (the workbook's data sheet)
    documents: tuple[str, ...]      # the plans drawn, one per row
    unit: str


def ranges_chart(data: pd.DataFrame, lang: str, *, built_on: str | None = None,
                 subtitle: str | None = None) -> RangesChart | None:
    """`ranges_figure` shared, with its data as Arrow; None when there is nothing to draw."""
    if data.empty:
        return None
    return RangesChart(ranges_figure(data, lang, built_on=built_on, subtitle=subtitle, shared=True),
                       pa.Table.from_pandas(data), pa.Table.from_pandas(tables.ranges_csv(data)),
                       pa.Table.from_pandas(tables.ranges_table(data, lang)), tuple(data["document_number"]),
                       data["unit"].iloc[0])


def ranges_figure(data: pd.DataFrame, lang: str, *, built_on: str | None = None, title: str | None = None,
                  subtitle: str | None = None, shared: bool = False) -> go.Figure:
    """The range chart of `target_ranges_data` rows (see `target_ranges`), assembled as plain dictionaries
    (`figure_from_dicts`; `shared`: a SharedFigure). Laid out to read at any width, a phone's included (see
    `ROW_HEIGHT`): each row's label on a line above its value, ending with the value as stated."""
    if data.empty:
        empty = empty_figure(t("charts.empty", lang), lang)
        return share_figure(empty) if shared else empty
    unit = data["unit"].iloc[0]
    records = data.to_dict("records")
    # Each row's label on lines above it, ending with the value as the plan states it, the group's name (province /
    # national) on its first row. The values' labels are on these lines rather than beside the marks: beside a
    # mark, a label ran out of a phone's narrow plot or over the benchmark.
    labels, previous = [], None
    for record in records:
        parts = [_escape(record["row_label"]), _escape(record["value_text"])]
        if record["entity"] != previous:
            parts.insert(0, f"<b>{_escape(record['entity'])}</b>")
        labels.append(label_lines(parts))
        previous = record["entity"]
    positions = _row_positions(data, [len(lines) for lines in labels])
    for record, y, lines in zip(records, positions, labels):
        record["_y"], record["_label_top"] = y, y - LABEL_ABOVE - LABEL_LINE * (len(lines) - 1)
    bench = [r for r in records if r["benchmark_text"] != ""]
    lows = [r["value_low"] for r in records] + [r["benchmark_low"] for r in bench]
    highs = [r["value_high"] for r in records] + [r["benchmark_high"] for r in bench]
    low, high = min(lows), max(highs)
    span = (high - low) or abs(high) or 1.0
    axis = (low - 0.06 * span, high + 0.06 * span)

    # National benchmark of the same year behind each provincial row, then the values themselves, grouped by
    # encoding (`_value_traces`); the legend shows each encoding once, in a fixed order.
    traces = _benchmark_traces(bench, lang)
    by_style: dict[str, list[dict]] = {style: [] for style in STYLE_ORDER}
    for record in records:
        by_style[_style(record)].append(record)
    for style in STYLE_ORDER:
        traces += _value_traces(by_style[style], style, lang)
    legend_entries = sum(1 for trace in traces if trace.get("showlegend"))

    # A rule between groups, above the first row's label.
    rules, previous = [], None
    for record in records:
        if previous is not None and record["entity"] != previous:
            rule = record["_label_top"] - (0.8 - LABEL_ABOVE)
            rules.append(dict(type="line", xref="paper", yref="y", x0=0, x1=1, y0=rule, y1=rule,
                              line=dict(color="#c9c9d1", width=1)))
        previous = record["entity"]
    traces.append(row_labels(positions, labels))
    kinds = [k for k in ("baseline", "project_scale") if k in set(data["kind"])]
    note = t("charts.note.kinds", lang) if kinds else ""

    indicator_label = data["indicator_label"].iloc[0]
    default_subtitle = t("charts.ranges.subtitle", lang, unit=unit or t("col.value", lang))
    if note:
        default_subtitle += " " + note
    source = widgets.source_line([*data["document_number"], *(r["benchmark_document"] for r in bench)], built_on, lang)
    head = header(title or indicator_label, subtitle or default_subtitle, source, legend_entries)
    top = records[0]["_label_top"] - (0.8 - LABEL_ABOVE)
    height = _height(max(positions) + 0.6 - top, head.top, head.bottom)
    layout = layout_dict(lang, head=head, height=height)
    layout.update(
        annotations=[source_annotation(head.source)],
        shapes=rules,
        xaxis=dict(range=list(axis), showgrid=True, gridcolor="#e6e6ea", zeroline=False, tickformat=",~f",
                   ticks="outside", ticklen=4,
                   title=dict(text=t("charts.axis.value", lang, unit=unit) if unit else t("col.value", lang))),
        # A grid line at each row; the rows' labels are the `row_labels` trace, on an overlaid axis.
        yaxis=dict(autorange=False, range=[max(positions) + 0.6, top], showgrid=True,
                   gridcolor="#f2f2f5", tickmode="array", tickvals=positions, showticklabels=False, zeroline=False),
        xaxis2=dict(overlaying="x", range=[0, 1], visible=False, fixedrange=True),
    )
    return figure_from_dicts(traces, layout, shared=shared)


ROW_LABELS = "row-labels"  # the name of the trace of row labels (`row_labels`)


def row_labels(positions: list[float], labels: list[list[str]]) -> dict:
    """Each row's label (the group's name in bold on a group's first row, then period · plan) on a line above the
    row, from the plot's left edge, as a text trace rather than y-axis tick labels: Plotly lays out an axis's array
    tick labels slowly (0.25 s in the browser for the 156 rows of a chart at 100× the data), and a label column
    beside the plot would leave a phone no room for the plot. `labels`: each row's lines (`label_lines`), escaped
    already; a label of several lines is centred on its middle, its last line where a one-line label would be."""
    return dict(type="scatter", mode="text", x=[0] * len(positions),
                y=[y - LABEL_ABOVE - LABEL_LINE * (len(lines) - 1) / 2 for y, lines in zip(positions, labels)],
                xaxis="x2", text=["<br>".join(lines) for lines in labels], textposition="middle right", textfont=dict(size=12, color="#262730"),
                cliponaxis=False, hoverinfo="skip", showlegend=False, name=ROW_LABELS)
