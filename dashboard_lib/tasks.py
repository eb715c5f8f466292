"""Nhiệm vụ & phân công / Tasks: queries, filters, the agency × sector matrix and the task tables.

The builders (`filter_tasks`, `matrix_counts`, `matrix_figure`, `task_table`, `deadline_table`, …) are pure
functions of data frames and a language, so tests and exports reuse them. The few functions that touch
Streamlit (`load`, `read_filters`, `on_matrix_select`, `clear_cell`) are marked as such.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
from babel.dates import format_date

from etl.curated import AGENCY_TYPES, TIMING_KINDS

from . import data, formatting
from .i18n import label_column, t

ROLES = ("lead", "any")
GENERAL_AGENCY = "all_agencies"  # "các sở, ban, ngành": a task given to every department
CELL_SEPARATOR = "~"
MATRIX_KEY = "tasks_matrix"
FONT = "Source Sans Pro, Arial, sans-serif"
# Sequential, colour-blind-safe (light yellow → dark blue); counts are also printed in each cell.
COLOURSCALE = [[0.0, "#f7fbd9"], [0.25, "#c7e9b4"], [0.5, "#41b6c4"], [0.75, "#225ea8"], [1.0, "#0c2c84"]]
DEADLINE_BACKGROUND = "#fff1c7"  # highlighted rows; the 'Reporting' column says the same in words
LABEL_CHARS = 56  # agency names on the matrix axis are shortened beyond this (full name on hover)
LIST_ROW_HEIGHT = 35  # px per row of the task list


# ---------------------------------------------------------------- data (Streamlit: cached queries)

def load(version) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(tasks, task × agency × role links, agency reference) of the current warehouse."""
    tasks = data.query(version, "SELECT * FROM v_tasks ORDER BY province_code, sector_sort_order, task_id")
    links = data.query(version, "SELECT * FROM v_task_agencies ORDER BY task_id, role, position")
    agencies = data.query(version, "SELECT * FROM agencies ORDER BY agency_key")
    return tasks, links, agencies


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


def _role_links(links: pd.DataFrame, role: str) -> pd.DataFrame:
    return links if role == "any" else links[links["role"] == "lead"]


def filter_tasks(tasks: pd.DataFrame, links: pd.DataFrame, agencies: pd.DataFrame, f: Filters,
                 *, with_cell: bool = True) -> pd.DataFrame:
    """Tasks matching the filters. An agency filter keeps tasks where a chosen agency has the chosen role;
    `include_general` also keeps tasks given to all departments ('các sở, ban, ngành')."""
    keep = pd.Series(True, index=tasks.index)
    if f.provinces:
        keep &= tasks["province_code"].isin(f.provinces)
    if f.sectors:
        keep &= tasks["sector"].isin(f.sectors)
    if f.timing_kinds:
        keep &= tasks["timing_kind"].isin(f.timing_kinds)
    if f.reporting_only:
        keep &= tasks["is_reporting"].fillna(False).astype(bool)
    wanted = selected_agencies(agencies, f)
    role_links = _role_links(links, f.role)
    if wanted is not None:
        if f.include_general:
            wanted = wanted | {GENERAL_AGENCY}
        ids = set(role_links.loc[role_links["agency_key"].isin(wanted), "task_id"])
        keep &= tasks["task_id"].isin(ids)
    if with_cell and f.cell is not None:
        agency, sector = f.cell
        ids = set(role_links.loc[role_links["agency_key"] == agency, "task_id"])
        keep &= tasks["task_id"].isin(ids) & (tasks["sector"] == sector)
    return tasks[keep].reset_index(drop=True)


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
    columns = ["agency_key", "agency_label", "agency_type", "agency_type_label", "sector", "sector_label",
               "sector_order", "n_tasks"]
    role_links = _role_links(links, f.role)
    pairs = role_links[role_links["task_id"].isin(set(filtered["task_id"]))][["task_id", "agency_key"]]
    wanted = selected_agencies(agencies, f)
    if wanted is not None:
        pairs = pairs[pairs["agency_key"].isin(wanted | ({GENERAL_AGENCY} if f.include_general else set()))]
    pairs = pairs.drop_duplicates().merge(filtered[["task_id", "sector"]], on="task_id")
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    counts = pairs.groupby(["agency_key", "sector"]).size().rename("n_tasks").reset_index()
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
    return counts.sort_values(["_a", "sector_order"])[columns].reset_index(drop=True)


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    """Long names keep their start and their (distinguishing) end: 'Ban Quản lý dự án … dân dụng và công nghiệp'."""
    if len(text) <= limit:
        return text
    head, tail = text[:limit * 2 // 5].rsplit(" ", 1)[0], text[-(limit * 3 // 5):].split(" ", 1)[-1]
    return f"{head} … {tail}"


def _cell_colour(value: float, top: float) -> str:
    """Sequential colour of a count (COLOURSCALE, interpolated by rank of the scale's stops)."""
    share = 0.0 if top <= 0 else min(max(value / top, 0.0), 1.0)
    for (low, c0), (high, c1) in zip(COLOURSCALE, COLOURSCALE[1:]):
        if share <= high:
            mix = 0.0 if high == low else (share - low) / (high - low)
            rgb0 = [int(c0[i:i + 2], 16) for i in (1, 3, 5)]
            rgb1 = [int(c1[i:i + 2], 16) for i in (1, 3, 5)]
            return "#" + "".join(f"{round(a + (b - a) * mix):02x}" for a, b in zip(rgb0, rgb1))
    return COLOURSCALE[-1][1]


def matrix_figure(counts: pd.DataFrame, f: Filters, lang: str, source: str) -> go.Figure:
    """Agency (rows) × sector (columns) matrix of task counts, drawn as square tiles.

    Each tile prints its count (colour is never the only cue) and is a Plotly point, so a click selects it
    (Streamlit reports clicks on scatter points, not on heatmap cells). The y values are agency keys and the
    x values sector keys, labelled through tick texts, so a clicked point names its cell unambiguously."""
    agencies = list(dict.fromkeys(counts["agency_key"]))
    sectors = list(dict.fromkeys(counts.sort_values("sector_order")["sector"]))
    agency_label = dict(zip(counts["agency_key"], counts["agency_label"]))
    agency_type = dict(zip(counts["agency_key"], counts["agency_type_label"]))
    sector_label = dict(zip(counts["sector"], counts["sector_label"]))
    top = float(counts["n_tasks"].max()) if len(counts) else 1.0
    values = counts["n_tasks"].astype(float)
    text = [formatting.number(v, lang, 0) for v in values]
    hover = [f"{agency_label[a]} ({agency_type[a]})<br>{sector_label[s]}<br>"
             f"{t('tasks.matrix.hover_count', lang)}: {n}" for a, s, n in zip(counts["agency_key"], counts["sector"], text)]
    selected = f.cell
    is_selected = [selected == (a, s) for a, s in zip(counts["agency_key"], counts["sector"])]
    figure = go.Figure(go.Scatter(
        x=counts["sector"], y=counts["agency_key"], mode="markers+text", text=text,
        textposition="middle center", customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        textfont={"size": 13, "color": ["white" if v / top > 0.45 else "#1a1a1a" for v in values]},
        marker={"symbol": "square", "size": 29, "color": [_cell_colour(v, top) for v in values],
                "line": {"color": ["#D55E00" if s else "rgba(0,0,0,0.15)" for s in is_selected],
                         "width": [4 if s else 1 for s in is_selected]}},
        selected={"marker": {"opacity": 1}}, unselected={"marker": {"opacity": 1}}, showlegend=False))
    role = t(f"tasks.role.{f.role}.matrix", lang)
    height = 300 + 34 * len(agencies)
    figure.update_layout(
        title={"text": t("tasks.matrix.title", lang, role=role),
               "subtitle": {"text": t("tasks.matrix.unit", lang)}, "x": 0, "xanchor": "left", "xref": "container", "y": 1, "yanchor": "top", "yref": "container",
               "pad": {"t": 12, "l": 4}, "font": {"size": 18}},
        height=height, margin={"l": 10, "r": 110, "t": 200, "b": 70}, font={"family": FONT, "size": 13},
        separators=formatting.plotly_separators(lang), plot_bgcolor="white", clickmode="event+select",
        dragmode=False, hovermode="closest",
        xaxis={"type": "category", "categoryorder": "array", "categoryarray": sectors, "tickvals": sectors,
               "ticktext": [sector_label[s] for s in sectors], "side": "top", "tickangle": -35,
               "fixedrange": True, "tickfont": {"size": 12}, "showgrid": True, "gridcolor": "#f0f0f0",
               "range": [-0.6, len(sectors) - 0.4]},
        yaxis={"type": "category", "categoryorder": "array", "categoryarray": agencies, "tickvals": agencies,
               "ticktext": [_short(agency_label[a]) for a in agencies], "autorange": "reversed",
               "fixedrange": True, "showgrid": True, "gridcolor": "#f0f0f0"},
        annotations=[{"text": source, "xref": "paper", "yref": "paper", "x": 1, "y": 0, "yshift": -40,
                      "showarrow": False, "xanchor": "right", "yanchor": "top",
                      "font": {"size": 11, "color": "#555"}}])
    return figure


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


def task_table(tasks: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The list view: one row per task, in the reader's language (citations stay verbatim Vietnamese)."""
    yes, no = t("tasks.reporting.yes", lang), ""
    frame = pd.DataFrame({
        t("col.province", lang): tasks[label_column("province_name", lang)],
        t("col.sector", lang): tasks[label_column("sector_label", lang)],
        t("tasks.col.task", lang): tasks[label_column("title", lang)],
        t("tasks.col.lead", lang): [_names(a, b, lang) for a, b in
                                   zip(tasks[label_column("lead_agency_labels", lang)], tasks["lead_agency_text"])],
        t("tasks.col.timing", lang): [timing_label(k, v, lang) for k, v in
                                     zip(tasks["timing_kind"], tasks["timing_value"])],
        t("tasks.col.reporting", lang): [yes if r else no for r in tasks["is_reporting"].fillna(False)],
        t("tasks.col.citation", lang): tasks["citation"],
        t("tasks.col.partners", lang): [a if isinstance(a, str) else "" for a in
                                       tasks[label_column("partner_agency_labels", lang)]],
        t("tasks.col.timing_text", lang): tasks["timing_text"].fillna(""),
        t("col.document", lang): tasks["document_number"],
        t("col.section", lang): tasks["section"],
        t("tasks.col.verified", lang): [t("tasks.verified.yes", lang) if v is True else
                                       t("tasks.verified.no", lang) if v is False else t("tasks.verified.na", lang)
                                       for v in tasks["citation_verified"].astype(object).where(
                                           tasks["citation_verified"].notna(), None)],
        t("tasks.col.task_id", lang): tasks["task_id"],
    })
    return frame.reset_index(drop=True)


def highlight_deadlines(table: pd.DataFrame, tasks: pd.DataFrame):
    """A Styler colouring reporting duties and annual deadlines (the Reporting/Timing columns say it in words).

    Pandas refuses to style more than `styler.render.max_elements` cells (Streamlit raises): a longer list is
    shown unstyled, its Reporting/Timing columns still say which rows are deadlines."""
    if table.size > pd.get_option("styler.render.max_elements"):
        return table
    flags = tasks["is_deadline"].fillna(False).astype(bool).to_numpy()

    def style(row: pd.Series) -> list[str]:
        css = f"background-color: {DEADLINE_BACKGROUND}" if flags[row.name] else ""
        return [css] * len(row)
    return table.style.apply(style, axis=1)


def deadline_tasks(tasks: pd.DataFrame) -> pd.DataFrame:
    """Reporting duties and tasks with an annual deadline, earliest date in the year first."""
    frame = tasks[tasks["is_deadline"].fillna(False).astype(bool)].copy()
    frame["_when"] = frame["timing_value"].where(frame["timing_kind"] == "annual_date", "99-99")
    return frame.sort_values(["_when", "province_code", "task_id"]).drop(columns="_when").reset_index(drop=True)


def deadline_table(tasks: pd.DataFrame, lang: str) -> pd.DataFrame:
    frame = deadline_tasks(tasks)
    return pd.DataFrame({
        t("tasks.col.deadline", lang): [timing_label(k, v, lang) for k, v in
                                       zip(frame["timing_kind"], frame["timing_value"])],
        t("col.province", lang): frame[label_column("province_name", lang)],
        t("tasks.col.lead", lang): [_names(a, b, lang) for a, b in
                                   zip(frame[label_column("lead_agency_labels", lang)], frame["lead_agency_text"])],
        t("tasks.col.task", lang): frame[label_column("title", lang)],
        t("tasks.col.timing_text", lang): frame["timing_text"].fillna(""),
        t("tasks.col.citation", lang): frame["citation"],
    })


def matrix_export(counts: pd.DataFrame, f: Filters, lang: str) -> pd.DataFrame:
    """Exactly the data behind the heatmap, with readable headers."""
    return pd.DataFrame({
        t("tasks.col.agency", lang): counts["agency_label"],
        "agency_key": counts["agency_key"],
        t("tasks.col.agency_type", lang): counts["agency_type_label"],
        t("col.sector", lang): counts["sector_label"],
        "sector_key": counts["sector"],
        t("tasks.col.role", lang): t(f"tasks.role.{f.role}", lang),
        t("tasks.col.n_tasks", lang): counts["n_tasks"].astype(int),
    })


def list_export(tasks: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The list as CSV: the displayed columns plus the agency names as written and the normalised keys."""
    table = task_table(tasks, lang)
    table[t("tasks.col.lead_text", lang)] = tasks["lead_agency_text"].fillna("")
    table["lead_agency_keys"] = tasks["lead_agency_keys"].fillna("")
    table[t("tasks.col.partner_text", lang)] = tasks["partner_agency_text"].fillna("")
    table["partner_agency_keys"] = tasks["partner_agency_keys"].fillna("")
    table["timing_kind"] = tasks["timing_kind"]
    table["timing_value"] = tasks["timing_value"].fillna("")
    table["note"] = tasks["note"].fillna("")
    return table


# ---------------------------------------------------------------- page state (Streamlit)

def _init(key: str, value: object) -> None:
    import streamlit as st
    if key not in st.session_state:
        st.session_state[key] = value


def filter_widgets(tasks: pd.DataFrame, links: pd.DataFrame, agencies: pd.DataFrame, sectors: pd.DataFrame,
                   lang: str) -> tuple[Filters, list[str]]:
    """Render the filters, initialised from the URL, and write them back to the URL. Streamlit."""
    import streamlit as st

    from . import state
    problems: list[str] = []
    name = label_column("province_name", lang)
    firsts = tasks.drop_duplicates("province_code")  # a province's name is the same on all its tasks
    province_name = dict(zip(firsts["province_code"], firsts[name]))
    provinces = sorted(province_name, key=lambda code: _sort_key(province_name[code]))
    sector_label = dict(zip(sectors["sector_key"], sectors[label_column("label", lang)]))
    present = set(tasks["sector"].unique())  # built once, not once per sector
    sector_keys = [s for s in sectors["sector_key"] if s in present]
    used = set(links["agency_key"])
    agency_label = dict(zip(agencies["agency_key"], agencies[label_column("label", lang)]))
    agency_type = dict(zip(agencies["agency_key"], agencies["agency_type"]))
    agency_keys = [a for a in agency_order(agencies, lang) if a in used]
    type_keys = [k for k in AGENCY_TYPES if k in {agency_type[a] for a in agency_keys}]
    timings = set(tasks["timing_kind"].unique())
    timing_keys = [k for k in TIMING_KINDS if k in timings]

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
    import streamlit as st
    return f"{MATRIX_KEY}_{st.session_state.get('tasks_matrix_generation', 0)}"


def on_matrix_select(key: str) -> None:
    """Plotly selection callback (Streamlit): the clicked cell goes to the URL, which the list reads."""
    import streamlit as st
    cell = matrix_cell_from_selection(st.session_state.get(key))
    if cell is not None:
        st.query_params["cell"] = cell_value(*cell)


def clear_cell() -> None:
    import streamlit as st
    st.query_params.pop("cell", None)
    st.session_state["tasks_matrix_generation"] = st.session_state.get("tasks_matrix_generation", 0) + 1


def list_column_config(lang: str) -> dict:
    """Column widths of the list view (Streamlit column config)."""
    import streamlit as st
    return {
        t("tasks.col.task", lang): st.column_config.TextColumn(width="medium"),
        t("tasks.col.lead", lang): st.column_config.TextColumn(width="medium"),
        t("tasks.col.partners", lang): st.column_config.TextColumn(width="medium"),
        t("tasks.col.citation", lang): st.column_config.TextColumn(width="large"),
        t("tasks.col.reporting", lang): st.column_config.TextColumn(width="small"),
    }


def table_height(rows: int, row: int = 35, limit: int = 560) -> int:
    """Pixel height showing every row of a short table (rows of `row` px, plus the header), up to `limit`."""
    return min(40 + row * max(rows, 1), limit)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])")


def markdown_text(text: object) -> str:
    """Data text made inert for st.markdown: every Markdown/HTML/emoji-shortcode character escaped."""
    if not isinstance(text, str):
        return ""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def task_card(task: pd.Series, lang: str) -> None:
    """One task in full: agencies as normalised and as written, timing, the verbatim clause. Streamlit."""
    import streamlit as st
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
