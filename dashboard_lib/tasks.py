"""Nhiệm vụ & phân công / Tasks: queries, filters, the agency × sector matrix and the task tables.

The builders (`filter_tasks`, `matrix_counts`, `matrix_figure`, `task_table`, `list_table`, `deadline_table`, …)
are pure functions of data frames and a language, so tests and exports reuse them. The page reads what it shows through
`options` and `view`, cached per (warehouse version, language, selection): a rerun costs the same with 348 tasks
or 34,800, and a table shows at most LIST_LIMIT rows (its CSV download holds them all, written on click).
The functions that touch Streamlit (`tables`, `options`, `view`, `filter_widgets`, `on_matrix_select`,
`clear_cell`, `csv_download`, `task_card`) are marked as such.
"""
from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st
from babel.dates import format_date

from etl.curated import AGENCY_TYPES, TIMING_KINDS

from . import charts, data, formatting, widgets
from .widgets import LIST_LIMIT
from .i18n import label_column, t

ROLES = ("lead", "any")
GENERAL_AGENCY = "all_agencies"  # "các sở, ban, ngành": a task given to every department
CELL_SEPARATOR = "~"
MATRIX_KEY = "tasks_matrix"
FONT = "Source Sans Pro, Arial, sans-serif"
# Sequential, colour-blind-safe (light yellow → dark blue); counts are also printed in each cell.
COLOURSCALE = [[0.0, "#f7fbd9"], [0.25, "#c7e9b4"], [0.5, "#41b6c4"], [0.75, "#225ea8"], [1.0, "#0c2c84"]]
# Deadline tags in the list (Okabe–Ito vermilion and orange, light): reporting duty, annual deadline.
TAG_COLOURS = ("#D55E0040", "#E69F0050")
LABEL_CHARS = 38  # characters per line of an agency's name on the matrix axis
LABEL_LINES = 2  # lines of it (rows grow to 42 px for two); a longer name ends in "…" at a word (full name on hover)
LIST_ROW_HEIGHT = 35  # px per row of the task list


# ---------------------------------------------------------------- data (Streamlit: cached queries)

@dataclass(frozen=True, eq=False)
class LinkCodes:
    """The task × agency links as integer codes, for counting without string comparisons."""
    task: np.ndarray  # position of each link's task in the task table (-1: not in it)
    lead: np.ndarray  # the link's role is 'lead'
    agency: np.ndarray  # code of the link's agency in `agency_keys`
    agency_keys: np.ndarray
    sector: np.ndarray  # code of the task's sector in `sector_keys`
    sector_keys: np.ndarray


def link_codes(tasks: pd.DataFrame, links: pd.DataFrame) -> LinkCodes:
    agency, agency_keys = pd.factorize(links["agency_key"])
    sector, sector_keys = pd.factorize(links["sector"])
    return LinkCodes(pd.Index(tasks["task_id"]).get_indexer(links["task_id"]), (links["role"] == "lead").to_numpy(),
                     agency, np.asarray(agency_keys, dtype=object), sector, np.asarray(sector_keys, dtype=object))


@dataclass(frozen=True, eq=False)
class Tables:
    """The task tables of one warehouse version, with their links' codes worked out once."""
    tasks: pd.DataFrame
    links: pd.DataFrame
    agencies: pd.DataFrame
    sectors: pd.DataFrame
    codes: LinkCodes


@st.cache_resource(show_spinner=False, max_entries=2)
def tables(version) -> Tables:
    """The tables of a warehouse version, shared by every session and never modified (Streamlit).

    A resource, not cache_data: a cache_data hit unpickles a copy, and copying 34,800 tasks with their
    citations on every rerun was what the page spent its time on. Read with data.run (uncached), so the rows
    are held once, here."""
    tasks = data.run(version, "SELECT * FROM v_tasks ORDER BY province_code, sector_sort_order, task_id")
    links = data.run(version, "SELECT * FROM v_task_agencies ORDER BY task_id, role, position")
    agencies = data.run(version, "SELECT * FROM agencies ORDER BY agency_key")
    return Tables(tasks, links, agencies, data.sectors(version), link_codes(tasks, links))


# ---------------------------------------------------------------- filters

@dataclass
class Filters:
    provinces: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    agency_types: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    timing_kinds: list[str] = field(default_factory=list)
    role: str = "lead"
    reporting_only: bool = False
    include_general: bool = False
    cell: tuple[str, str] | None = None  # (agency_key, sector) clicked in the matrix

    @property
    def by_agency(self) -> bool:
        return bool(self.agencies or self.agency_types)

    def key(self) -> tuple:
        """The selection as a small hashable value (the cache key of `view`); list order does not matter."""
        return (tuple(sorted(self.provinces)), tuple(sorted(self.sectors)), tuple(sorted(self.agency_types)),
                tuple(sorted(self.agencies)), tuple(sorted(self.timing_kinds)), self.role, bool(self.reporting_only),
                bool(self.include_general), tuple(self.cell) if self.cell is not None else None)

    @classmethod
    def from_key(cls, key: tuple) -> "Filters":
        provinces, sectors, types, agencies, timing, role, reporting, general, cell = key
        return cls(list(provinces), list(sectors), list(types), list(agencies), list(timing), role, reporting,
                   general, tuple(cell) if cell is not None else None)


def agency_order(agencies: pd.DataFrame, lang: str) -> list[str]:
    """Agency keys by type (departments first, as AGENCY_TYPES lists them), then by label."""
    rank = {kind: i for i, kind in enumerate(AGENCY_TYPES)}
    label = label_column("label", lang)
    frame = agencies.assign(_rank=agencies["agency_type"].map(rank).fillna(len(rank)),
                            _label=agencies[label].map(_sort_key))
    return list(frame.sort_values(["_rank", "_label"])["agency_key"])


def _sort_key(text: object) -> str:
    import unicodedata
    if not isinstance(text, str):
        return ""
    text = text.lower().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def agencies_of_types(agencies: pd.DataFrame, types: list[str]) -> list[str]:
    return list(agencies.loc[agencies["agency_type"].isin(types), "agency_key"])


def selected_agencies(agencies: pd.DataFrame, f: Filters) -> set[str] | None:
    """The agency keys the filters ask for (None: no agency filter). Agencies narrow the chosen types."""
    if f.agencies:
        return set(f.agencies)
    if f.agency_types:
        return set(agencies_of_types(agencies, f.agency_types))
    return None


def _tasks_of(n_tasks: int, link_task: np.ndarray, hit: np.ndarray) -> np.ndarray:
    """Boolean mask over the tasks: those with at least one link where `hit` is true."""
    mask = np.zeros(n_tasks, dtype=bool)
    positions = link_task[hit]
    mask[positions[positions >= 0]] = True
    return mask


def _agency_hit(codes: LinkCodes, keys: set[str]) -> np.ndarray:
    """Each link: its agency is one of `keys`."""
    return np.isin(codes.agency_keys, list(keys))[codes.agency] if len(codes.agency_keys) else \
        np.zeros(len(codes.agency), dtype=bool)


def task_mask(tasks: pd.DataFrame, links: pd.DataFrame, agencies: pd.DataFrame, f: Filters, *,
              with_cell: bool = True, codes: LinkCodes | None = None) -> np.ndarray:
    """Boolean mask of the tasks matching the filters (vectorised; see `filter_tasks`)."""
    keep = np.ones(len(tasks), dtype=bool)
    if f.provinces:
        keep &= tasks["province_code"].isin(f.provinces).to_numpy()
    if f.sectors:
        keep &= tasks["sector"].isin(f.sectors).to_numpy()
    if f.timing_kinds:
        keep &= tasks["timing_kind"].isin(f.timing_kinds).to_numpy()
    if f.reporting_only:
        keep &= tasks["is_reporting"].fillna(False).astype(bool).to_numpy()
    wanted = selected_agencies(agencies, f)
    cell = f.cell if with_cell else None
    if wanted is None and cell is None:
        return keep
    codes = codes if codes is not None else link_codes(tasks, links)
    role_ok = codes.lead if f.role != "any" else np.ones(len(codes.lead), dtype=bool)
    if wanted is not None:
        if f.include_general:
            wanted = wanted | {GENERAL_AGENCY}
        keep &= _tasks_of(len(tasks), codes.task, role_ok & _agency_hit(codes, wanted))
    if cell is not None:
        agency, sector = cell
        keep &= _tasks_of(len(tasks), codes.task, role_ok & _agency_hit(codes, {agency}))
        keep &= (tasks["sector"] == sector).to_numpy()
    return keep


def filter_tasks(tasks: pd.DataFrame, links: pd.DataFrame, agencies: pd.DataFrame, f: Filters,
                 *, with_cell: bool = True) -> pd.DataFrame:
    """Tasks matching the filters. An agency filter keeps tasks where a chosen agency has the chosen role;
    `include_general` also keeps tasks given to all departments ('các sở, ban, ngành')."""
    return tasks[task_mask(tasks, links, agencies, f, with_cell=with_cell)].reset_index(drop=True)


def parse_cell(value: str | None) -> tuple[str, str] | None:
    if not value or CELL_SEPARATOR not in value:
        return None
    agency, sector = value.split(CELL_SEPARATOR, 1)
    return agency, sector


def cell_value(agency: str, sector: str) -> str:
    return f"{agency}{CELL_SEPARATOR}{sector}"


# ---------------------------------------------------------------- the matrix

def matrix_counts(filtered: pd.DataFrame, links: pd.DataFrame, agencies: pd.DataFrame, sectors: pd.DataFrame,
                  f: Filters, lang: str) -> pd.DataFrame:
    """Long table agency × sector → number of distinct tasks (only non-zero cells), in display order.

    Rows are the agencies with the chosen role in the filtered tasks; with an agency filter only the chosen
    agencies (and all departments, when general tasks are included). This is the data behind the heatmap."""
    codes = link_codes(filtered, links)
    return _matrix_counts(codes, codes.task >= 0, agencies, sectors, f, lang)


MATRIX_COLUMNS = ["agency_key", "agency_label", "agency_type", "agency_type_label", "sector", "sector_label",
                  "sector_order", "n_tasks"]


def _matrix_counts(codes: LinkCodes, in_selection: np.ndarray, agencies: pd.DataFrame, sectors: pd.DataFrame,
                   f: Filters, lang: str) -> pd.DataFrame:
    """`matrix_counts` over the links whose task is selected (`in_selection`: one flag per link)."""
    keep = in_selection & codes.lead if f.role != "any" else in_selection.copy()
    wanted = selected_agencies(agencies, f)
    if wanted is not None:
        keep &= _agency_hit(codes, wanted | ({GENERAL_AGENCY} if f.include_general else set()))
    if not keep.any():
        return pd.DataFrame(columns=MATRIX_COLUMNS)
    n_agencies, n_sectors = len(codes.agency_keys), len(codes.sector_keys)
    agency, sector = codes.agency[keep], codes.sector[keep]
    # One count per (task, agency): a task naming an agency twice (e.g. lead and partner) counts once.
    _, first = np.unique(codes.task[keep].astype(np.int64) * n_agencies + agency, return_index=True)
    cells = np.bincount(agency[first].astype(np.int64) * n_sectors + sector[first], minlength=n_agencies * n_sectors)
    found = np.flatnonzero(cells)
    counts = pd.DataFrame({"agency_key": codes.agency_keys[found // n_sectors],
                           "sector": codes.sector_keys[found % n_sectors], "n_tasks": cells[found]})
    reference = agencies.set_index("agency_key")
    label = label_column("label", lang)
    sector_labels = dict(zip(sectors["sector_key"], sectors[label]))
    counts["agency_label"] = counts["agency_key"].map(reference[label])
    counts["agency_type"] = counts["agency_key"].map(reference["agency_type"])
    counts["agency_type_label"] = counts["agency_type"].map(lambda k: t(f"tasks.agency_type.{k}", lang))
    counts["sector_label"] = counts["sector"].map(sector_labels)
    agency_rank = {k: i for i, k in enumerate(agency_order(agencies, lang))}
    sector_rank = {k: i for i, k in enumerate(sectors["sector_key"])}
    counts["sector_order"] = counts["sector"].map(sector_rank)
    counts = counts.assign(_a=counts["agency_key"].map(agency_rank))
    return counts.sort_values(["_a", "sector_order"], kind="stable")[MATRIX_COLUMNS].reset_index(drop=True)


def _short(text: str, width: int = LABEL_CHARS, most: int = LABEL_LINES) -> str:
    """An agency's name for the matrix axis: broken at spaces into at most `most` lines of `width` characters
    ('Ban Quản lý dự án đầu tư xây dựng các<br>công trình dân dụng và công nghiệp'), never cut inside a word; a name
    longer still ends with '…' after its last whole word (the tile's hover names it in full). Escaped."""
    lines = charts.wrap_lines(str(text), width)
    if len(lines) > most:
        last = " ".join(lines[most - 1:])
        cut = last[:width - 1].rsplit(" ", 1)[0] if " " in last[:width - 1] else last[:width - 1]
        lines = lines[:most - 1] + [cut.rstrip(",;:") + "…"]
    return "<br>".join(widgets.escape_html(line) for line in lines)


def matrix_figure(counts: pd.DataFrame, f: Filters, lang: str, source: str, *, shared: bool = False) -> go.Figure:
    """Agency (rows) × sector (columns) matrix of task counts, drawn as square tiles.

    Each tile prints its count (colour is never the only cue) and is a Plotly point, so a click selects it
    (Streamlit reports clicks on scatter points, not on heatmap cells). The y values are agency keys and the
    x values sector keys, labelled through tick texts, so a clicked point names its cell unambiguously.
    Assembled from plain dictionaries (charts.figure_from_dicts: Plotly's validation of the per-tile colour and
    width lists cost 50 ms a rerun at 100× the data); `shared`: a charts.SharedFigure for the cache."""
    agencies = list(dict.fromkeys(counts["agency_key"]))
    sectors = list(dict.fromkeys(counts.sort_values("sector_order")["sector"]))
    agency_label = dict(zip(counts["agency_key"], counts["agency_label"]))
    agency_type = dict(zip(counts["agency_key"], counts["agency_type_label"]))
    sector_label = dict(zip(counts["sector"], counts["sector_label"]))
    top = float(counts["n_tasks"].max()) if len(counts) else 1.0
    values = counts["n_tasks"].astype(float).to_numpy()
    text = [formatting.number(v, lang, 0) for v in values]
    hover = [f"{agency_label[a]} ({agency_type[a]})<br>{sector_label[s]}<br>"
             f"{t('tasks.matrix.hover_count', lang)}: {n}" for a, s, n in zip(counts["agency_key"], counts["sector"], text)]
    selected = f.cell
    is_selected = np.array([selected == (a, s) for a, s in zip(counts["agency_key"], counts["sector"])], dtype=bool)
    # Tile and outline colours are numbers on a colour scale: Plotly validates a list of colour strings one
    # element at a time (and again in every copy of the figure), numbers at once.
    trace = dict(
        type="scatter", x=list(counts["sector"]), y=list(counts["agency_key"]), mode="markers+text", text=text,
        textposition="middle center", customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        textfont={"size": 13, "color": ["white" if v / top > 0.45 else "#1a1a1a" for v in values]},
        marker={"symbol": "square", "size": 29, "color": values.tolist(), "colorscale": COLOURSCALE, "cmin": 0.0,
                "cmax": top, "showscale": False,
                "line": {"color": is_selected.astype(float).tolist(), "cmin": 0.0, "cmax": 1.0,
                         "colorscale": [[0.0, "rgba(0,0,0,0.15)"], [1.0, "#D55E00"]],
                         "width": [4 if s else 1 for s in is_selected]}},
        selected={"marker": {"opacity": 1}}, unselected={"marker": {"opacity": 1}}, showlegend=False)
    role = t(f"tasks.role.{f.role}.matrix", lang)
    agency_ticks = [_short(agency_label[a]) for a in agencies]
    # a row of 34 px holds a name of one line; names on two lines get 42 px rows, apart from their neighbours'
    height = 300 + (42 if any("<br>" in tick for tick in agency_ticks) else 34) * len(agencies)
    sector_ticks = [sector_label[s] for s in sectors]
    left, right, top = _matrix_margins(agency_ticks, sector_ticks)
    layout = dict(
        title={"text": t("tasks.matrix.title", lang, role=role),
               "subtitle": {"text": t("tasks.matrix.unit", lang)}, "x": 0, "xanchor": "left", "xref": "container", "y": 1, "yanchor": "top", "yref": "container",
               "pad": {"t": 12, "l": 4}, "font": {"size": 18}},
        height=height, margin={"l": left, "r": right, "t": top, "b": 70, "autoexpand": False},
        font={"family": FONT, "size": 13},
        separators=formatting.plotly_separators(lang), plot_bgcolor="white", clickmode="event+select",
        dragmode=False, hovermode="closest",
        xaxis={"type": "category", "categoryorder": "array", "categoryarray": sectors, "tickvals": sectors,
               "ticktext": sector_ticks, "side": "top", "tickangle": -MATRIX_TICK_ANGLE, "automargin": False,
               "fixedrange": True, "tickfont": {"size": MATRIX_TICK_SIZE}, "showgrid": True, "gridcolor": "#f0f0f0",
               "range": [-0.6, len(sectors) - 0.4]},
        yaxis={"type": "category", "categoryorder": "array", "categoryarray": agencies, "tickvals": agencies,
               "ticktext": agency_ticks, "autorange": "reversed", "automargin": False,
               "tickfont": {"size": MATRIX_TICK_SIZE}, "fixedrange": True, "showgrid": True, "gridcolor": "#f0f0f0"},
        annotations=[{"text": source, "xref": "paper", "yref": "paper", "x": 1, "y": 0, "yshift": -40,
                      "showarrow": False, "xanchor": "right", "yanchor": "top",
                      "font": {"size": 11, "color": "#555"}}])
    return charts.figure_from_dicts([trace], layout, shared=shared)


MATRIX_TICK_SIZE = 12
MATRIX_TICK_ANGLE = 35  # degrees, the sector names above the matrix rising to the right
MATRIX_TILE = 29        # pixels, a tile's side: the narrowest a column can be


def _matrix_margins(agency_ticks: list[str], sector_ticks: list[str]) -> tuple[int, int, int]:
    """Left, right and top margins (px) that fit the matrix's tick labels. Fixed rather than Plotly's automatic
    margins (which Streamlit's theme turns on): those lay the chart out a second time on its first draw, 0.6 s in the
    browser at 100× the data. The sector names rise at MATRIX_TICK_ANGLE from their columns (at least a tile wide),
    so the last ones reach past the plot's right edge by their run less the columns between them and that edge."""
    cos, sin = math.cos(math.radians(MATRIX_TICK_ANGLE)), math.sin(math.radians(MATRIX_TICK_ANGLE))
    left = max(formatting.text_width_px(html.unescape(line), MATRIX_TICK_SIZE)
               for label in agency_ticks for line in label.split("<br>")) + 16
    widths = [formatting.text_width_px(label, MATRIX_TICK_SIZE) for label in sector_ticks]
    n = len(widths)
    right = max([width * cos - (n - 1 - i + 0.4) * MATRIX_TILE for i, width in enumerate(widths)] + [0]) + 12
    top = max(200, max(widths) * sin + 30)  # 200: room for the title and the unit line beside the rising names
    return math.ceil(left), math.ceil(right), math.ceil(top)


def matrix_min_width(figure: go.Figure) -> int:
    """The narrowest the matrix reads (px): its label margins, a little more than a tile per sector, and room for
    its source line. Squeezed into a 390 px phone its plot had no width left and its labels ran off the chart;
    narrower screens scroll it sideways in its box (`widgets.scroll_box`)."""
    layout = figure.layout
    columns = len(layout.xaxis.tickvals or ())
    source = re.sub(r"<[^>]+>", " ", layout.annotations[0].text) if layout.annotations else ""
    return math.ceil(max(layout.margin.l + layout.margin.r + 1.3 * MATRIX_TILE * columns,
                         formatting.text_width_px(html.unescape(source), 11) + 8))


def matrix_cell_from_selection(selection: dict | None) -> tuple[str, str] | None:
    """The (agency, sector) of the first clicked point of a Plotly selection state, if any."""
    points = ((selection or {}).get("selection") or {}).get("points") or []
    for point in points:
        agency, sector = point.get("y"), point.get("x")
        if isinstance(agency, str) and isinstance(sector, str):
            return agency, sector
    return None


# ---------------------------------------------------------------- timing and tables

def _date(month: int, day: int, year: int | None, lang: str) -> str:
    value = dt.date(year or 2000, month, day)
    if lang == "vi":
        return f"{day}/{month}" + (f"/{year}" if year else "")
    return format_date(value, "d MMM yyyy" if year else "d MMM", locale=formatting.LOCALES[lang])


def timing_label(kind: str, value: object, lang: str) -> str:
    """The normalised timing in words: 'Hằng năm, trước 15/12' / 'Every year, by 15 Dec'."""
    value = value if isinstance(value, str) else ""
    try:
        if kind == "annual_date" and value:
            month, day = (int(x) for x in value.split("-"))
            return t("tasks.timing.annual_date", lang, date=_date(month, day, None, lang))
        if kind == "date" and value:
            year, month, day = (int(x) for x in value.split("-"))
            return t("tasks.timing.date", lang, date=_date(month, day, year, lang))
        if kind == "year" and value:
            return t("tasks.timing.year", lang, year=value)
        if kind == "period" and value:
            start, end = value.split("-")
            return t("tasks.timing.period", lang, start=start, end=end)
    except ValueError:
        return value
    return t(f"tasks.timing_kind.{kind}", lang) if kind in TIMING_KINDS else ""


def _names(labels: object, fallback: object, lang: str) -> str:
    if isinstance(labels, str) and labels:
        return labels
    return fallback if isinstance(fallback, str) and fallback else t("tasks.no_agency", lang)


def _present(column: pd.Series) -> pd.Series:
    return column.notna() & (column.astype(str) != "")


def _names_column(labels: pd.Series, fallback: pd.Series, lang: str) -> pd.Series:
    """`_names` of every row, vectorised: the normalised names, else the names as written, else 'no agency'."""
    written = fallback.where(_present(fallback), t("tasks.no_agency", lang))
    return labels.where(_present(labels), written)


def _timing_column(kinds: pd.Series, values: pd.Series, lang: str) -> pd.Series:
    """`timing_label` of every row, worked out once per distinct (kind, value)."""
    keys = pd.Series(list(zip(kinds.fillna(""), values.fillna(""))), index=kinds.index, dtype=object)
    labels = {key: timing_label(*key, lang) for key in dict.fromkeys(keys)}
    return keys.map(labels)


def _verified_column(values: pd.Series, lang: str) -> np.ndarray:
    missing = values.isna().to_numpy()
    verified = values.astype(object).where(~values.isna(), False).astype(bool).to_numpy()
    return np.where(missing, t("tasks.verified.na", lang),
                    np.where(verified, t("tasks.verified.yes", lang), t("tasks.verified.no", lang)))


def _reporting(tasks: pd.DataFrame) -> np.ndarray:
    """Whether each task is a reporting duty (an unknown flag counts as no)."""
    return tasks["is_reporting"].astype(object).where(tasks["is_reporting"].notna(), False).astype(bool).to_numpy()


def task_table(tasks: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The list view: one row per task, in the reader's language (citations stay verbatim Vietnamese)."""
    frame = pd.DataFrame({
        t("col.province", lang): tasks[label_column("province_name", lang)],
        t("col.sector", lang): tasks[label_column("sector_label", lang)],
        t("tasks.col.task", lang): tasks[label_column("title", lang)],
        t("tasks.col.lead", lang): _names_column(tasks[label_column("lead_agency_labels", lang)],
                                                 tasks["lead_agency_text"], lang),
        t("tasks.col.timing", lang): _timing_column(tasks["timing_kind"], tasks["timing_value"], lang),
        t("tasks.col.reporting", lang): np.where(_reporting(tasks), t("tasks.reporting.yes", lang), ""),
        t("tasks.col.citation", lang): tasks["citation"],
        t("tasks.col.partners", lang): tasks[label_column("partner_agency_labels", lang)].fillna(""),
        t("tasks.col.timing_text", lang): tasks["timing_text"].fillna(""),
        t("col.document", lang): tasks["document_number"],
        t("col.section", lang): tasks["section"],
        t("tasks.col.verified", lang): _verified_column(tasks["citation_verified"], lang),
        t("tasks.col.task_id", lang): tasks["task_id"],
    })
    return frame.reset_index(drop=True)


def deadline_tags(tasks: pd.DataFrame, lang: str) -> list[list[str]]:
    """Each task's deadline tags, shown as coloured labels in the list (the highlight of reporting duties and annual
    deadlines): a reporting duty, an annual deadline, both or none."""
    annual = (tasks["timing_kind"] == "annual_date").to_numpy()
    labels = (t("tasks.reporting.yes", lang), t("tasks.tag.annual", lang))
    return [[label for label, on in zip(labels, flags) if on] for flags in zip(_reporting(tasks), annual)]


def list_table(tasks: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The list as the page shows it: `task_table` with its Reporting column replaced by the deadline tags
    (`deadline_tags`), second after the province so that they stand out without scrolling. Coloured tags rather
    than shaded rows: a pandas Styler over the list cost 0.15–0.2 ms a row on every rerun, more than the rest of
    the page."""
    table = task_table(tasks, lang).drop(columns=t("tasks.col.reporting", lang))
    table.insert(1, t("tasks.col.tags", lang), deadline_tags(tasks, lang))
    return table


def deadline_tasks(tasks: pd.DataFrame) -> pd.DataFrame:
    """Reporting duties and tasks with an annual deadline, earliest date in the year first."""
    frame = tasks[tasks["is_deadline"].fillna(False).astype(bool)]
    when = frame["timing_value"].where(frame["timing_kind"] == "annual_date", "99-99")
    return frame.assign(_when=when).sort_values(["_when", "province_code", "task_id"]).drop(columns="_when") \
        .reset_index(drop=True)


def deadline_table(tasks: pd.DataFrame, lang: str, *, ordered: bool = False) -> pd.DataFrame:
    """The reporting duties and annual deadlines of `tasks` (`ordered`: they are `deadline_tasks` already)."""
    frame = tasks if ordered else deadline_tasks(tasks)
    return pd.DataFrame({
        t("tasks.col.deadline", lang): _timing_column(frame["timing_kind"], frame["timing_value"], lang),
        t("col.province", lang): frame[label_column("province_name", lang)],
        t("tasks.col.lead", lang): _names_column(frame[label_column("lead_agency_labels", lang)],
                                                 frame["lead_agency_text"], lang),
        t("tasks.col.task", lang): frame[label_column("title", lang)],
        t("tasks.col.timing_text", lang): frame["timing_text"].fillna(""),
        t("tasks.col.citation", lang): frame["citation"],
    }).reset_index(drop=True)


def matrix_export(counts: pd.DataFrame, f: Filters, lang: str) -> pd.DataFrame:
    """Exactly the data behind the heatmap, with readable headers."""
    return pd.DataFrame({
        t("tasks.col.agency", lang): counts["agency_label"],
        t("export.col.agency_key", lang): counts["agency_key"],
        t("tasks.col.agency_type", lang): counts["agency_type_label"],
        t("col.sector", lang): counts["sector_label"],
        t("export.col.sector_key", lang): counts["sector"],
        t("tasks.col.role", lang): t(f"tasks.role.{f.role}", lang),
        t("tasks.col.n_tasks", lang): counts["n_tasks"].astype(int),
    })


def list_export(tasks: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The list as CSV: the displayed columns plus the agency names as written and the normalised keys."""
    tasks = tasks.reset_index(drop=True)
    table = task_table(tasks, lang)
    table[t("tasks.col.lead_text", lang)] = tasks["lead_agency_text"].fillna("")
    table["lead_agency_keys"] = tasks["lead_agency_keys"].fillna("")
    table[t("tasks.col.partner_text", lang)] = tasks["partner_agency_text"].fillna("")
    table["partner_agency_keys"] = tasks["partner_agency_keys"].fillna("")
    table["timing_kind"] = tasks["timing_kind"]
    table["timing_value"] = tasks["timing_value"].fillna("")
    table["note"] = tasks["note"].fillna("")
    return table


# ---------------------------------------------------------------- what the page shows (Streamlit: cached)

@dataclass(frozen=True)
class View:
    """Everything the page shows for one selection, shared by every session that makes it (data.shared): tables
    as Arrow, lists as tuples, never modified."""
    n_selection: int  # tasks matching the filters (the matrix cell aside)
    selection_documents: tuple[str, ...]  # their plans' numbers, in list order (the matrix's sources)
    counts: pa.Table  # the matrix (`matrix_counts` of the selection)
    agency_labels: Mapping[str, str]  # of the matrix's agencies and sectors
    sector_labels: Mapping[str, str]
    matrix: pa.Table  # the matrix as its CSV (`matrix_export`)
    cell_cleared: bool  # the URL's cell has no task in the selection: it is ignored
    n_tasks: int  # tasks shown (the cell applied)
    n_plans: int
    n_reporting: int
    n_annual: int
    documents: tuple[str, ...]  # plans of the tasks shown
    deadlines: pa.Table  # `deadline_table`, first `limit` rows
    n_deadlines: int
    table: pa.Table  # `list_table`, first `limit` rows
    task_ids: tuple[str, ...]  # task of each row of `table`


def _select(base: Tables, f: Filters, lang: str) -> tuple[np.ndarray, pd.DataFrame, np.ndarray, bool]:
    """(the selection without the matrix cell, its matrix counts, the tasks shown, whether the URL's cell was
    dropped because the matrix has no such cell). Masks are over `base.tasks`."""
    codes = base.codes
    selection = task_mask(base.tasks, base.links, base.agencies, f, with_cell=False, codes=codes)
    in_selection = np.zeros(len(codes.task), dtype=bool)
    linked = codes.task >= 0
    in_selection[linked] = selection[codes.task[linked]]
    counts = _matrix_counts(codes, in_selection, base.agencies, base.sectors, f, lang)
    if f.cell is None:
        return selection, counts, selection, False
    if counts[(counts["agency_key"] == f.cell[0]) & (counts["sector"] == f.cell[1])].empty:
        return selection, counts, selection, True
    return selection, counts, task_mask(base.tasks, base.links, base.agencies, f, codes=codes), False


@data.shared(max_entries=64)
def view(version, lang: str, key: tuple, limit: int = LIST_LIMIT) -> View:
    """The page's view of a selection (`Filters.key()`), per warehouse version and language; its tables stop
    at `limit` rows (Streamlit)."""
    base = tables(version)
    tasks = base.tasks
    f = Filters.from_key(key)
    selection, counts, shown, cleared = _select(base, f, lang)
    if cleared:
        f.cell = None
    documents = tasks["document_number"].to_numpy()
    rows = np.flatnonzero(shown)  # the tasks shown, in list order
    deadline = tasks["is_deadline"].fillna(False).astype(bool).to_numpy()
    deadlines = deadline_tasks(tasks.iloc[rows[deadline[rows]]])
    head = tasks.iloc[rows[:limit]]
    return View(
        n_selection=int(selection.sum()), selection_documents=tuple(pd.unique(documents[selection])),
        counts=data.arrow(counts), agency_labels=MappingProxyType(dict(zip(counts["agency_key"],
                                                                           counts["agency_label"]))),
        sector_labels=MappingProxyType(dict(zip(counts["sector"], counts["sector_label"]))),
        matrix=data.arrow(matrix_export(counts, f, lang)), cell_cleared=cleared, n_tasks=len(rows),
        n_plans=len(pd.unique(tasks["document_id"].to_numpy()[rows])),
        n_reporting=int(tasks["is_reporting"].fillna(False).astype(bool).to_numpy()[rows].sum()),
        n_annual=int((tasks["timing_kind"] == "annual_date").to_numpy()[rows].sum()),
        documents=tuple(pd.unique(documents[rows])),
        deadlines=data.arrow(deadline_table(deadlines.iloc[:limit], lang, ordered=True)), n_deadlines=len(deadlines),
        table=data.arrow(list_table(head, lang)), task_ids=tuple(head["task_id"]))


@data.shared(max_entries=64)
def matrix_chart(version, lang: str, key: tuple) -> go.Figure:
    """The matrix of a selection (`Filters.key()` with the cell the page shows), sourced to its plans: a
    charts.SharedFigure, the same object for every session making that selection, so NEVER modify it."""
    shown = view(version, lang, key, widgets.LIST_LIMIT)  # as the page calls it: the same cache entry
    source = widgets.source_line(shown.selection_documents, data.built_on_text(version, lang), lang)
    return matrix_figure(shown.counts.to_pandas(), Filters.from_key(key), lang, source, shared=True)


def shown_tasks(version, lang: str, key: tuple) -> pd.DataFrame:
    """Every task the page lists for a selection (`view` shows LIST_LIMIT of them; the CSV downloads all)."""
    base = tables(version)
    return base.tasks[_select(base, Filters.from_key(key), lang)[2]].reset_index(drop=True)


def list_csv(version, lang: str, key: tuple) -> pd.DataFrame:
    """The whole task list of a selection as its CSV download has it."""
    return list_export(shown_tasks(version, lang, key), lang)


def deadlines_csv(version, lang: str, key: tuple) -> pd.DataFrame:
    """Every reporting duty and annual deadline of a selection (the table shows LIST_LIMIT of them)."""
    return deadline_table(shown_tasks(version, lang, key), lang)


def task(version, task_id: str) -> pd.Series | None:
    """One task with all its fields (the card under the list)."""
    tasks = tables(version).tasks
    found = np.flatnonzero((tasks["task_id"] == task_id).to_numpy())
    return tasks.iloc[found[0]] if len(found) else None


# ---------------------------------------------------------------- page state (Streamlit)

def _init(key: str, value: object) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


@dataclass(frozen=True)
class Options:
    """What the filter widgets offer, in display order, with their labels (shared: read-only)."""
    provinces: tuple[str, ...]
    province_name: Mapping[str, str]
    sectors: tuple[str, ...]
    sector_label: Mapping[str, str]
    agencies: tuple[str, ...]
    agency_label: Mapping[str, str]
    agency_type: Mapping[str, str]
    agency_types: tuple[str, ...]
    timing_kinds: tuple[str, ...]


@data.shared(max_entries=8)
def options(version, lang: str) -> Options:
    """The filter widgets' options of a warehouse version (Streamlit)."""
    base = tables(version)
    tasks, sectors, agencies = base.tasks, base.sectors, base.agencies
    firsts = tasks.drop_duplicates("province_code")  # a province's name is the same on all its tasks
    province_name = dict(zip(firsts["province_code"], firsts[label_column("province_name", lang)]))
    provinces = sorted(province_name, key=lambda code: _sort_key(province_name[code]))
    present = set(tasks["sector"].unique())
    used = set(base.links["agency_key"].unique())
    agency_type = dict(zip(agencies["agency_key"], agencies["agency_type"]))
    agency_keys = [a for a in agency_order(agencies, lang) if a in used]
    timings = set(tasks["timing_kind"].unique())
    return Options(
        provinces=tuple(provinces), province_name=MappingProxyType(province_name),
        sectors=tuple(s for s in sectors["sector_key"] if s in present),
        sector_label=MappingProxyType(dict(zip(sectors["sector_key"], sectors[label_column("label", lang)]))),
        agencies=tuple(agency_keys),
        agency_label=MappingProxyType(dict(zip(agencies["agency_key"], agencies[label_column("label", lang)]))),
        agency_type=MappingProxyType(agency_type),
        agency_types=tuple(k for k in AGENCY_TYPES if k in {agency_type[a] for a in agency_keys}),
        timing_kinds=tuple(k for k in TIMING_KINDS if k in timings))


def filter_summary(f: Filters, o: Options, lang: str) -> dict[str, str]:
    """The filters as the workbook's read-me states them: {filter label: chosen labels, or 'all'}. The matrix
    cell is not a filter of the matrix itself (it narrows the lists below it)."""
    from .export_ui import chosen_text, flag_text
    return {
        t("tasks.filter.province", lang): chosen_text(f.provinces, o.provinces, o.province_name.get, lang),
        t("tasks.filter.sector", lang): chosen_text(f.sectors, o.sectors, o.sector_label.get, lang),
        t("tasks.filter.timing", lang): chosen_text(f.timing_kinds, o.timing_kinds,
                                                    lambda k: t(f"tasks.timing_kind.{k}", lang), lang),
        t("tasks.filter.agency_type", lang): chosen_text(f.agency_types, o.agency_types,
                                                         lambda k: t(f"tasks.agency_type.{k}", lang), lang),
        t("tasks.filter.agency", lang): chosen_text(f.agencies, o.agencies, o.agency_label.get, lang),
        t("tasks.filter.role", lang): t(f"tasks.role.{f.role}", lang),
        t("tasks.filter.reporting_only", lang): flag_text(f.reporting_only, lang),
        t("tasks.filter.include_general", lang): flag_text(f.include_general, lang),
    }


def filter_widgets(o: Options, lang: str) -> tuple[Filters, list[str]]:
    """Render the filters, initialised from the URL, and write them back to the URL. Streamlit."""
    from . import state
    problems: list[str] = []
    provinces, province_name, sector_keys, sector_label = o.provinces, o.province_name, o.sectors, o.sector_label
    agency_label, agency_type, agency_keys, type_keys = o.agency_label, o.agency_type, o.agencies, o.agency_types
    timing_keys = o.timing_kinds

    _init("tasks_province", state.url_values("province", provinces, [], problems))
    _init("tasks_sector", state.url_values("sector", sector_keys, [], problems))
    _init("tasks_timing", state.url_values("timing", timing_keys, [], problems))
    _init("tasks_agency_type", state.url_values("atype", type_keys, [], problems))
    _init("tasks_agency", state.url_values("agency", agency_keys, [], problems))
    _init("tasks_role", state.url_value("role", ROLES, "lead", problems))
    _init("tasks_reporting", state.url_value("reporting", ("1",), None, problems) == "1")
    _init("tasks_general", state.url_value("general", ("1",), None, problems) == "1")
    all_text = t("tasks.filter.all", lang)

    first = st.columns(3)
    province = first[0].multiselect(t("tasks.filter.province", lang), provinces, key="tasks_province",
                                    format_func=province_name.get, placeholder=all_text)
    sector = first[1].multiselect(t("tasks.filter.sector", lang), sector_keys, key="tasks_sector",
                                  format_func=sector_label.get, placeholder=all_text)
    timing = first[2].multiselect(t("tasks.filter.timing", lang), timing_keys, key="tasks_timing",
                                  format_func=lambda k: t(f"tasks.timing_kind.{k}", lang), placeholder=all_text)
    second = st.columns(3)
    types = second[0].multiselect(t("tasks.filter.agency_type", lang), type_keys, key="tasks_agency_type",
                                  format_func=lambda k: t(f"tasks.agency_type.{k}", lang), placeholder=all_text)
    options = [a for a in agency_keys if not types or agency_type[a] in types]
    st.session_state["tasks_agency"] = [a for a in st.session_state["tasks_agency"] if a in options]
    chosen = second[1].multiselect(t("tasks.filter.agency", lang), options, key="tasks_agency",
                                   format_func=agency_label.get, placeholder=all_text)
    role = second[2].radio(t("tasks.filter.role", lang), ROLES, key="tasks_role", horizontal=True,
                           format_func=lambda k: t(f"tasks.role.{k}", lang), help=t("tasks.filter.role.help", lang))
    third = st.columns(3)
    reporting = third[0].checkbox(t("tasks.filter.reporting_only", lang), key="tasks_reporting")
    general = third[1].checkbox(t("tasks.filter.include_general", lang), key="tasks_general",
                                help=t("tasks.filter.include_general.help", lang),
                                disabled=not (types or chosen))

    cell = None
    raw_cell = st.query_params.get("cell")
    if raw_cell is not None:
        parsed = parse_cell(raw_cell)
        if parsed and parsed[0] in agency_keys and parsed[1] in sector_keys:
            cell = parsed
        else:
            problems.append("cell")
            state.set_url("cell", None)

    state.set_url("province", province)
    state.set_url("sector", sector)
    state.set_url("timing", timing)
    state.set_url("atype", types)
    state.set_url("agency", chosen)
    state.set_url("role", None if role == "lead" else role)
    state.set_url("reporting", "1" if reporting else None)
    state.set_url("general", "1" if general and (types or chosen) else None)
    return Filters(province, sector, types, chosen, timing, role, reporting, bool(general and (types or chosen)),
                   cell), problems


def matrix_key() -> str:
    """The heatmap's widget key; renewed when the cell is cleared so that the same cell can be clicked again."""
    return f"{MATRIX_KEY}_{st.session_state.get('tasks_matrix_generation', 0)}"


def on_matrix_select(key: str) -> None:
    """Plotly selection callback (Streamlit): the clicked cell goes to the URL, which the list reads."""
    cell = matrix_cell_from_selection(st.session_state.get(key))
    if cell is not None:
        st.query_params["cell"] = cell_value(*cell)


def clear_cell() -> None:
    st.query_params.pop("cell", None)
    st.session_state["tasks_matrix_generation"] = st.session_state.get("tasks_matrix_generation", 0) + 1


def list_column_config(lang: str) -> dict:
    """Column widths of the list view and its deadline tags (Streamlit column config)."""
    return {
        t("tasks.col.task", lang): st.column_config.TextColumn(width="medium"),
        t("tasks.col.lead", lang): st.column_config.TextColumn(width="medium"),
        t("tasks.col.partners", lang): st.column_config.TextColumn(width="medium"),
        t("tasks.col.citation", lang): st.column_config.TextColumn(width="large"),
        t("tasks.col.tags", lang): st.column_config.MultiselectColumn(
            width=205, options=[t("tasks.reporting.yes", lang), t("tasks.tag.annual", lang)], color=list(TAG_COLOURS),
            help=t("tasks.col.tags.help", lang)),
        # Shown by the task's card (a row clicked) and kept in the CSV: in the list they pushed its right-hand
        # columns out of a 1440 px screen.
        **{t(key, lang): None for key in ("tasks.col.partners", "tasks.col.timing_text", "col.section",
                                          "tasks.col.verified", "tasks.col.task_id")},
    }


def table_height(rows: int, row: int = 35, limit: int = 560) -> int:
    """Pixel height showing every row of a short table (rows of `row` px, plus the header), up to `limit`."""
    return min(40 + row * max(rows, 1), limit)


def markdown_text(text: object) -> str:
    """Data text made inert for st.markdown: every Markdown/HTML/emoji-shortcode character escaped."""
    if not isinstance(text, str):
        return ""
    return widgets.escape_markdown(" ".join(text.split()))


def task_card(task: pd.Series, lang: str) -> None:
    """One task in full: agencies as normalised and as written, timing, the verbatim clause. Streamlit."""
    md = markdown_text
    with st.container(border=True):
        st.markdown(f"#### {md(task[label_column('title', lang)])}")
        st.caption(" · ".join(md(x) for x in (task[label_column("province_name", lang)], task["document_number"],
                                               f"{t('col.section', lang)} {task['section']}", task["task_id"])))
        lead = _names(task[label_column("lead_agency_labels", lang)], task["lead_agency_text"], lang)
        lines = [f"**{t('tasks.col.lead', lang)}:** {md(lead)}"]
        if isinstance(task["lead_agency_text"], str):
            lines[-1] += f" — {t('tasks.card.as_written', lang)}: “{md(task['lead_agency_text'])}”"
        partners = task[label_column("partner_agency_labels", lang)]
        if isinstance(partners, str) and partners:
            lines.append(f"**{t('tasks.col.partners', lang)}:** {md(partners)} — {t('tasks.card.as_written', lang)}: "
                         f"“{md(task['partner_agency_text'])}”")
        timing = f"**{t('tasks.col.timing', lang)}:** {md(timing_label(task['timing_kind'], task['timing_value'], lang))}"
        if isinstance(task["timing_text"], str):
            timing += f" — {t('tasks.card.as_written', lang)}: “{md(task['timing_text'])}”"
        lines.append(timing)
        if bool(task["is_reporting"]):
            lines.append(f"**{t('tasks.card.reporting', lang)}**")
        st.markdown("  \n".join(lines))
        st.markdown(f"**{t('tasks.col.citation', lang)}** ({_verified_text(task['citation_verified'], lang)}):")
        st.markdown("> " + md(task["citation"]))
        if isinstance(task["note"], str) and task["note"]:
            st.caption(f"{t('tasks.card.note', lang)}: {md(task['note'])}")


def _verified_text(value: object, lang: str) -> str:
    if value is True or (not pd.isna(value) and bool(value)):
        return t("tasks.verified.yes", lang)
    if value is False or (not pd.isna(value) and not bool(value)):
        return t("tasks.verified.no", lang)
    return t("tasks.verified.na", lang)
