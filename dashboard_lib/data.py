"""Read-only access to the warehouse, cached per warehouse version.

The ETL swaps in a new warehouse file atomically; the version key (inode and mtime) changes with
it, so the next rerun opens the new file and cached query results of the old one are not reused.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import duckdb
import pandas as pd
import streamlit as st

from etl import config
from etl.warehouse import BuildResult, ensure_warehouse


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


def prepare() -> tuple[WarehouseVersion | None, BuildResult | None]:
    """Build the warehouse when missing or out of date, then return the version to read."""
    result = _ensure_once(_data_state())
    return current_version(), result


def _data_state() -> tuple:
    """Cheap key of the curated files' state: rebuild checks run only when it changes."""
    data_dir = config.data_dir()
    stats = []
    for path in sorted(data_dir.rglob("*.csv")):
        if "cache" in path.parts:
            continue
        stat = path.stat()
        stats.append((str(path), stat.st_mtime_ns, stat.st_size))
    version = current_version()
    return tuple(stats), version


@st.cache_resource(show_spinner=False)
def _ensure_once(state: tuple) -> BuildResult | None:
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
    cursor = _connection(version).cursor()
    try:
        cursor.execute("USE warehouse")
        return cursor.execute(sql, list(params)).df()
    finally:
        cursor.close()


# ---------------------------------------------------------------- queries used by several pages

def build_info(version: WarehouseVersion) -> dict:
    frame = query(version, "SELECT * FROM build_info")
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
