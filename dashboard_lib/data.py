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
    return duckdb.connect(version.path, read_only=True)


@st.cache_data(show_spinner=False, max_entries=512)
def query(version: WarehouseVersion, sql: str, params: tuple = ()) -> pd.DataFrame:
    """Run a read-only query; results are cached per (warehouse version, SQL, parameters)."""
    cursor = _connection(version).cursor()
    try:
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
