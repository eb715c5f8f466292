"""Read-only access to the warehouse, cached per warehouse version.

The ETL swaps in a new warehouse file atomically; the version key (inode and mtime) changes with
it, so the next rerun opens the new file and cached query results of the old one are not reused.

The end of the module holds what the overview and sector pages derive from the warehouse (their cards, tables,
chart data and figures), cached per (version, language, selection), so that a rerun reads small results and
never recomputes them from whole frames.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass

import duckdb
import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from etl import config
from etl.warehouse import BuildResult, ensure_warehouse

from . import charts, formatting, tables, widgets  # pure builders; none of them imports this module
from .i18n import LANGUAGES, label_column, t


@dataclass(frozen=True)
class WarehouseVersion:
    path: str
    inode: int
    mtime_ns: int


def current_version() -> WarehouseVersion | None:
    path = config.warehouse_path()
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return WarehouseVersion(str(path), stat.st_ino, stat.st_mtime_ns)


STATE_CHECK_SECONDS = 1.0  # how often a process looks at the curated files for changes
_state_checked: dict[tuple[str, str], tuple[float, int]] = {}


def prepare() -> tuple[WarehouseVersion | None, BuildResult | None]:
    """Build the warehouse when missing or out of date, then return the version to read."""
    result = _ensure_once(_data_state_key())
    return current_version(), result


def _data_state_key() -> int:
    """Hash of `_data_state`, looked up at most once a second per (data folder, warehouse) in this process.

    Every run of every page calls `prepare`; walking the curated files costs a stat per plan file (a thousand at
    100× the data), so reruns within the second reuse the last look: a curator's edit is picked up at the next
    rerun a second later. (The version served is always current: `prepare` reads it on every call.)"""
    where = (str(config.data_dir()), str(config.warehouse_path()))
    now = time.monotonic()
    checked = _state_checked.get(where)
    if checked is None or now - checked[0] >= STATE_CHECK_SECONDS:
        checked = (now, hash(_data_state()))  # the hash, not the tuple: Streamlit hashes cache keys slowly
        _state_checked[where] = checked
    return checked[1]


def _data_state() -> tuple:
    """Cheap key of the curated files' state: rebuild checks run only when it changes (one os.scandir walk)."""
    stats = []
    folders = [str(config.data_dir())]
    while folders:
        try:
            entries = os.scandir(folders.pop())
        except FileNotFoundError:
            continue
        with entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=True):
                    if entry.name != "cache":
                        folders.append(entry.path)
                elif entry.name.endswith(".csv"):
                    stat = entry.stat()
                    stats.append((entry.path, stat.st_mtime_ns, stat.st_size))
    stats.sort()
    return tuple(stats), current_version()


@st.cache_resource(show_spinner=False)
def _ensure_once(state: int) -> BuildResult | None:
    return ensure_warehouse(progress=lambda message: None)


@st.cache_resource(show_spinner=False, max_entries=4)
def _connection(version: WarehouseVersion) -> duckdb.DuckDBPyConnection:
    # duckdb.connect(path) would hand back the database instance already open for that path, i.e. the
    # previous build's file; attaching from a fresh in-memory connection opens the file now at the path.
    con = duckdb.connect()
    con.execute("ATTACH ? AS warehouse (READ_ONLY)", [version.path])
    return con


@st.cache_data(show_spinner=False, max_entries=512)
def query(version: WarehouseVersion, sql: str, params: tuple = ()) -> pd.DataFrame:
    """Run a read-only query; results are cached per (warehouse version, SQL, parameters)."""
    return run(version, sql, params)


def run(version: WarehouseVersion, sql: str, params: tuple | list = ()) -> pd.DataFrame:
    """Run a read-only query without caching its result: for cached functions below that keep only what they
    derive from it (caching both would hold the rows twice and unpickle them on every hit)."""
    cursor = _connection(version).cursor()
    try:
        cursor.execute("USE warehouse")
        return cursor.execute(sql, list(params)).df()
    finally:
        cursor.close()


# ---------------------------------------------------------------- queries used by several pages

@st.cache_data(show_spinner=False, max_entries=8)
def build_info(version: WarehouseVersion) -> dict:
    """The build's one row as a dict (cached as the dict: pages and the export menu read it several times a run)."""
    frame = run(version, "SELECT * FROM build_info")
    return frame.iloc[0].to_dict()


def documents(version: WarehouseVersion) -> pd.DataFrame:
    return query(version, "SELECT * FROM v_documents ORDER BY scope, issue_date")


def targets(version: WarehouseVersion) -> pd.DataFrame:
    return query(version, "SELECT * FROM v_targets ORDER BY province_code, sector, indicator, target_year")


def sectors(version: WarehouseVersion) -> pd.DataFrame:
    return query(version, "SELECT * FROM sectors ORDER BY sort_order")


# ---------------------------------------------------------------- added for the analytical pages

NATIONAL_CODE = "VN"
HEADLINE_INDICATORS = ("services_growth", "services_share_grdp")


def indicators(version: WarehouseVersion) -> pd.DataFrame:
    return query(version, """
        SELECT i.*, u.symbol_vi AS unit_symbol_vi, u.symbol_en AS unit_symbol_en,
               u.label_vi AS unit_label_vi, u.label_en AS unit_label_en
        FROM indicators i JOIN units u USING (unit_key) ORDER BY indicator_key""")


def build_changes(version: WarehouseVersion) -> pd.DataFrame:
    """What the last build changed, with labels where the target still exists (removed ones have none)."""
    return query(version, """
        SELECT c.target_id, c.change, c.detail, t.province_code, t.province_name_vi, t.province_name_en,
               t.indicator_label_vi, t.indicator_label_en, t.document_number, t.kind, t.comparator,
               t.value_low, t.value_high, t.unit_symbol_vi, t.unit_symbol_en, t.target_year, t.citation
        FROM build_changes c LEFT JOIN v_targets t USING (target_id)
        ORDER BY CASE c.change WHEN 'added' THEN 1 WHEN 'changed' THEN 2 ELSE 3 END, c.target_id""")


def target(version: WarehouseVersion, target_id: str) -> pd.DataFrame:
    """One value by id (empty frame when the id is unknown)."""
    return query(version, "SELECT * FROM v_targets WHERE target_id = ?", (target_id,))


def headline_targets(version: WarehouseVersion) -> pd.DataFrame:
    """Services growth and share-of-GRDP values of every plan, national benchmarks included."""
    return query(version, """
        SELECT * FROM v_targets WHERE indicator IN ('services_growth', 'services_share_grdp') AND kind = 'target'
        ORDER BY province_code, indicator, target_year, period_start""")


def filter_targets(frame: pd.DataFrame, *, sectors=None, provinces=None, indicator=None, kinds=None,
                   years=None, national: bool = False) -> pd.DataFrame:
    """Rows of v_targets matching the page filters (pure pandas; None means 'no filter').

    `provinces` holds provincial codes; `national=True` adds the national rows of the same selection."""
    keep = pd.Series(True, index=frame.index)
    if sectors is not None:
        keep &= frame["sector"].isin(list(sectors))
    if indicator is not None:
        keep &= frame["indicator"] == indicator
    if kinds is not None:
        keep &= frame["kind"].isin(list(kinds))
    if years is not None:
        keep &= frame["target_year"].astype("Int64").isin([int(y) for y in years])
    is_national = frame["province_code"] == NATIONAL_CODE
    where = ~is_national if provinces is None else frame["province_code"].isin(list(provinces)) & ~is_national
    if national:
        where |= is_national
    return frame[keep & where].reset_index(drop=True)


# ---------------------------------------------------------------- derived results, cached per (version, language, selection)
#
# st.cache_data unpickles its result on every hit, so these return what a page shows (a few hundred rows at
# most), never whole v_targets frames; the rows behind them are read with `run` (filters in SQL) and not kept.
# Figures are cached with st.cache_resource as charts.SharedFigure: every session gets the same object, so NEVER
# modify one (st.plotly_chart and the export menu only read it; the export copies before dressing). Caching them
# as data would cost a pickle round trip and a re-validation by Plotly on every hit.

_TARGETS_ORDER = "ORDER BY province_code, sector, indicator, target_year, target_id"


def _lang(lang: str) -> str:
    if lang not in LANGUAGES:  # the language is put into column names below
        raise ValueError(f"unknown language {lang!r}")
    return lang


def arrow(frame: pd.DataFrame) -> pa.Table:
    """A table for st.dataframe as Arrow: st.dataframe sends exactly the same bytes as for the frame, but a cached
    Arrow table skips the conversion on every rerun (4 ms for the 63-column counts table)."""
    return pa.Table.from_pandas(frame)


def _built_on(version: WarehouseVersion, lang: str) -> str:
    return formatting.date_text(str(build_info(version)["built_at"])[:10], lang)


@st.cache_data(show_spinner=False, max_entries=8)
def overview_summary(version: WarehouseVersion) -> dict[str, int]:
    """The overview's counts: provincial plans, their values, indicators, verified citations."""
    frame = run(version, """
        SELECT (SELECT count(*) FROM v_documents WHERE scope = 'provincial') AS n_plans,
               (SELECT coalesce(sum(n_values), 0) FROM v_documents WHERE scope = 'provincial') AS n_values,
               (SELECT count(DISTINCT indicator) FROM v_targets WHERE scope = 'provincial') AS n_indicators,
               (SELECT count(*) FROM v_targets WHERE scope = 'provincial') AS n_provincial_values,
               (SELECT count(*) FROM v_targets WHERE citation_verified) AS n_verified""")
    return {name: int(value) for name, value in frame.iloc[0].items()}


def _headline(version: WarehouseVersion) -> pd.DataFrame:
    return run(version, """
        SELECT * FROM v_targets WHERE indicator IN ('services_growth', 'services_share_grdp') AND kind = 'target'
        ORDER BY province_code, indicator, target_year, period_start""")


@st.cache_data(show_spinner=False, max_entries=8)
def overview_cards(version: WarehouseVersion, lang: str) -> tuple[list[str], pd.DataFrame, dict[str, str]]:
    """(one Markdown text per province card, the cards' CSV table, headline indicator → label)."""
    headline = _headline(version)
    labels = dict(zip(headline["indicator"], headline[label_column("indicator_label", _lang(lang))]))
    rows = tables.headline_rows(headline, lang)
    if rows.empty:
        return [], rows, labels
    docs = documents(version)
    plans = docs.loc[docs["scope"] == "provincial", ["province_code", "document_number", "implements_number"]]
    return (tables.headline_cards(rows, plans, labels, HEADLINE_INDICATORS, lang), tables.headline_csv(rows, lang),
            labels)


@st.cache_data(show_spinner=False, max_entries=8)
def overview_plot(version: WarehouseVersion, lang: str, indicator: str) -> pd.DataFrame:
    """The data behind the overview chart of one headline indicator (charts.target_ranges_data)."""
    headline = _headline(version)
    return charts.target_ranges_data(headline[headline["indicator"] == indicator], lang)


@st.cache_resource(show_spinner=False, max_entries=8)
def overview_figure(version: WarehouseVersion, lang: str, indicator: str) -> go.Figure:
    """The overview chart (shared: never modify it)."""
    plot = overview_plot(version, lang, indicator)
    if plot.empty:
        return charts.share_figure(charts.empty_figure(t("charts.empty", lang), lang))
    return charts.ranges_figure(plot, lang, built_on=_built_on(version, lang), shared=True,
                                subtitle=t("overview.chart.subtitle", lang, unit=plot["unit"].iloc[0]))


@st.cache_data(show_spinner=False, max_entries=8)
def overview_changes(version: WarehouseVersion, lang: str) -> tuple[dict[str, int], pd.DataFrame]:
    """(number of added / changed / removed values, the table of changes) of the last build."""
    changes = build_changes(version)
    counts = {change: int(n) for change, n in changes["change"].value_counts().items()}
    return counts, tables.changes_table(changes, lang)


@st.cache_data(show_spinner=False, max_entries=8)
def overview_tables(version: WarehouseVersion, lang: str) -> tuple[pa.Table, pa.Table, pa.Table]:
    """(plans loaded, values by sector and province, national benchmarks) as the overview shows them (Arrow)."""
    docs = documents(version)
    plans = tables.plans_table(docs[docs["scope"] == "provincial"], lang)
    name = label_column("province_name", _lang(lang))
    provincial = run(version, f"SELECT sector, {name} FROM v_targets WHERE scope = 'provincial'")
    counts = tables.counts_by_province_and_sector(provincial, sectors(version), lang)
    national = run(version, f"SELECT * FROM v_targets WHERE scope = 'national' {_TARGETS_ORDER}")
    return arrow(plans), arrow(counts), arrow(tables.benchmarks_table(national, lang))


# ---------------------------------------------------------------- the sector targets page

@st.cache_data(show_spinner=False, max_entries=8)
def sector_choices(version: WarehouseVersion, lang: str) -> dict:
    """What the sector page's filters offer: province and sector names, options in display order, indicator
    labels, which indicators have a national target, and which provinces state each indicator (aggregated in SQL:
    a few hundred rows, whatever the number of values)."""
    lang = _lang(lang)
    provinces = run(version, f"""
        SELECT DISTINCT province_code, {label_column("province_name", lang)} AS name FROM v_targets
        WHERE province_code <> ? ORDER BY province_code""", (NATIONAL_CODE,))
    used = set(run(version, "SELECT DISTINCT sector FROM v_targets WHERE province_code <> ?", (NATIONAL_CODE,))["sector"])
    indicators_ = run(version, f"""
        SELECT indicator, any_value({label_column("indicator_label", lang)}) AS label,
               bool_or(province_code = ?) AS national,
               coalesce(list(DISTINCT province_code ORDER BY province_code) FILTER (WHERE province_code <> ?), [])
                   AS stating
        FROM v_targets GROUP BY indicator ORDER BY indicator""", (NATIONAL_CODE, NATIONAL_CODE))
    sectors_frame = sectors(version)
    names = dict(zip(provinces["province_code"], provinces["name"]))
    return {
        "names": names,
        "sector_labels": dict(zip(sectors_frame["sector_key"], sectors_frame[label_column("label", lang)])),
        "sector_options": [s for s in sectors_frame["sector_key"] if s in used],
        "province_options": sorted(names, key=lambda code: formatting.search_key(names[code], True)),
        "indicator_labels": dict(zip(indicators_["indicator"], indicators_["label"])),
        "national_indicators": frozenset(indicators_.loc[indicators_["national"], "indicator"]),
        "stating": {indicator: tuple(codes) for indicator, codes in zip(indicators_["indicator"], indicators_["stating"])
                    if len(codes)},
    }


@st.cache_data(show_spinner=False, max_entries=64)
def sector_pool(version: WarehouseVersion, lang: str, sectors_: tuple[str, ...], provinces: tuple[str, ...]) -> dict:
    """What the chosen sectors and provinces hold: `options`, (indicator, number of provinces stating it) most
    widely stated first, then by name; `catalogue`, tables.indicator_catalogue as Arrow (None when empty)."""
    lang = _lang(lang)
    columns = ", ".join(["indicator", "province_code", label_column("sector_label", lang),
                         label_column("indicator_label", lang), label_column("unit_symbol", lang),
                         label_column("province_name", lang)])
    pool = run(version, f"""
        SELECT {columns} FROM v_targets
        WHERE province_code <> ? AND list_contains(?::VARCHAR[], sector) AND list_contains(?::VARCHAR[], province_code)
        {_TARGETS_ORDER}""", (NATIONAL_CODE, sectors_, provinces))
    spread = pool.groupby("indicator")["province_code"].nunique()
    labels = sector_choices(version, lang)["indicator_labels"]
    options = sorted(((indicator, int(n)) for indicator, n in spread.items()),
                     key=lambda pair: (-pair[1], formatting.search_key(labels[pair[0]], True)))
    return {"options": options, "catalogue": arrow(tables.indicator_catalogue(pool, lang)) if len(pool) else None}


@st.cache_data(show_spinner=False, max_entries=32)
def _indicator_rows(version: WarehouseVersion, indicator: str | None) -> pd.DataFrame:
    """Every value of one indicator (a few hundred rows at most), for the sector page's selections to filter."""
    return run(version, f"SELECT * FROM v_targets WHERE indicator = ? {_TARGETS_ORDER}", (indicator,))


def _sector_rows(version: WarehouseVersion, indicator: str | None, provinces: tuple[str, ...],
                 kinds: tuple[str, ...], national: bool, years: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The values of one indicator in the chosen provinces and kinds (and years), with the national ones when
    `national` (`filter_targets` on the indicator's rows)."""
    return filter_targets(_indicator_rows(version, indicator), provinces=provinces, indicator=indicator, kinds=kinds,
                          years=years, national=national)


@st.cache_data(show_spinner=False, max_entries=64)
def sector_years(version: WarehouseVersion, indicator: str | None, provinces: tuple[str, ...],
                 kinds: tuple[str, ...], national: bool) -> list[str]:
    """Target years of the selection before the year filter, in order."""
    rows = _sector_rows(version, indicator, provinces, kinds, national)
    return [str(y) for y in sorted(rows["target_year"].dropna().astype(int).unique())]


@st.cache_data(show_spinner=False, max_entries=32)
def sector_view(version: WarehouseVersion, lang: str, indicator: str | None, provinces: tuple[str, ...],
                kinds: tuple[str, ...], years: tuple[str, ...], national: bool) -> dict:
    """The sector page's selection: chart data (and its CSV), its table (Arrow) with the source line, and the
    province codes it shows."""
    selection = _sector_rows(version, indicator, provinces, kinds, national, years)
    plot = charts.target_ranges_data(selection, lang, benchmarks=national)
    empty = plot.empty
    documents_drawn = [*plot["document_number"], *plot.loc[plot["benchmark_document"] != "", "benchmark_document"]]
    return {"plot": plot, "csv": tables.ranges_csv(plot),
            "table": None if empty else arrow(tables.ranges_table(plot, lang)),
            "source": "" if empty else widgets.source_line(documents_drawn, _built_on(version, lang), lang),
            "shown": tuple(dict.fromkeys(selection["province_code"])),
            "has_provincial": bool((selection["province_code"] != NATIONAL_CODE).any())}


@st.cache_resource(show_spinner=False, max_entries=16)
def sector_figure(version: WarehouseVersion, lang: str, indicator: str | None, provinces: tuple[str, ...],
                  kinds: tuple[str, ...], years: tuple[str, ...], national: bool) -> go.Figure:
    """The sector page's chart (shared: never modify it)."""
    plot = sector_view(version, lang, indicator, provinces, kinds, years, national)["plot"]
    return charts.ranges_figure(plot, lang, built_on=_built_on(version, lang), shared=True)
