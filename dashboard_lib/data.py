"""Read-only access to the warehouse, cached per warehouse version.

The ETL swaps in a new warehouse file atomically; the version key (inode and mtime) changes with
it, so the next rerun opens the new file and cached query results of the old one are not reused.
"""
from __future__ import annotations

import functools
import inspect
import io
import os
import pickle
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import duckdb
import pandas as pd
import pyarrow as pa
import streamlit as st

from etl import config
from etl.warehouse import BuildResult, ensure_warehouse

from . import formatting
from .i18n import LANGUAGES


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
    """Build the warehouse when missing or out of date, then return the version to read.

    A read-only replica (etl.config.read_only_replica) builds nothing: it serves what the release step published
    in the shared folder, and switches to a new release on its next rerun (its version key changes)."""
    if config.read_only_replica():
        return current_version(), None
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


# ---------------------------------------------------------------- results shared by every session

# How the caches key their arguments. Streamlit hashes a tuple item by item and a dataclass through asdict, in
# Python: 0.4 ms a call for a selection of 63 provinces, paid by every cached call of every rerun. A tuple's repr
# (its items are str, int, bool or None) and the version's fields say the same in one string.
KEY_HASHES = {tuple: repr,
              WarehouseVersion: lambda version: f"{version.path}|{version.inode}|{version.mtime_ns}"}


# Set to a list (tests only) to record each shared result as it is built, with its `fingerprint`: a test then
# runs the pages and checks that none of them changed.
SHARED_AUDIT: list[tuple[str, object, bytes]] | None = None


class _Fingerprint(pickle.Pickler):
    def reducer_override(self, obj):
        if isinstance(obj, MappingProxyType):  # not picklable itself: its contents are what matter
            return dict, (dict(obj),)
        return NotImplemented


def fingerprint(value: object) -> bytes:
    """The pickled bytes of `value` (read-only mappings included): equal bytes, unchanged contents."""
    buffer = io.BytesIO()
    _Fingerprint(buffer).dump(value)
    return buffer.getvalue()


def shared(max_entries: int):
    """st.cache_resource for what a page shows: one object per arguments, handed to every session as it is.

    A st.cache_data hit unpickles a fresh copy (0.5–2 ms for a view holding a few frames at 100× the data, on
    every rerun: as much as the rest of the page); a shared result costs a look-up. So nothing may change it after
    it is built: it holds Arrow tables (immutable), tuples, frozen dataclasses, read-only mappings and
    charts.SharedFigure, never a pandas frame or a list a page could append to; the objects inside (a plan's
    path) are read, never set. tests/test_shared_results.py runs every page and checks that none changed."""
    def decorate(func):
        @functools.wraps(func)
        def build(*args, **kwargs):
            result = func(*args, **kwargs)
            if SHARED_AUDIT is not None:
                SHARED_AUDIT.append((func.__qualname__, result, fingerprint(result)))
            return result

        cached = st.cache_resource(show_spinner=False, max_entries=max_entries, hash_funcs=KEY_HASHES)(build)
        names = tuple(inspect.signature(func).parameters)

        @functools.wraps(func)
        def call(*args, **kwargs):
            # By keyword: Streamlit finds each positional argument's name with inspect.signature, on every call.
            return cached(**dict(zip(names, args)), **kwargs)
        call.clear = cached.clear
        return call
    return decorate


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

@shared(max_entries=8)
def build_info(version: WarehouseVersion) -> Mapping[str, object]:
    """The build's one row as a read-only mapping (pages and the export menu read it several times a run)."""
    frame = run(version, "SELECT * FROM build_info")
    return MappingProxyType(frame.iloc[0].to_dict())


def build_date(version: WarehouseVersion) -> str:
    """The build's date, ISO (yyyy-mm-dd)."""
    return str(build_info(version).get("built_at", ""))[:10]


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
               t.indicator_label_vi, t.indicator_label_en, t.document_number, t.kind, t.comparator, t.approximate,
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


SOURCE_TIERS = ("primary_text", "official_report", "press")


def filter_targets(frame: pd.DataFrame, *, sectors=None, provinces=None, indicator=None, kinds=None,
                   years=None, national: bool = False, tiers=None) -> pd.DataFrame:
    """Rows of v_targets matching the page filters (pure pandas; None means 'no filter').

    `provinces` holds provincial codes; `national=True` adds the national rows of the same selection; `tiers` keeps
    the values read in sources of those tiers (primary_text, official_report, press)."""
    keep = pd.Series(True, index=frame.index)
    if tiers is not None and "source_tier" in frame:
        keep &= frame["source_tier"].fillna("primary_text").isin(list(tiers))
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


# ---------------------------------------------------------------- helpers of the pages' cached results
#
# The pages' derived results live in their own modules (overview.py, sector_targets.py, tasks.py, plans.py,
# trajectory.py), cached per (version, language, selection).

TARGETS_ORDER = "ORDER BY province_code, sector, indicator, target_year, target_id"


def checked_lang(lang: str) -> str:
    if lang not in LANGUAGES:  # the language is put into column names below
        raise ValueError(f"unknown language {lang!r}")
    return lang


def arrow(frame: pd.DataFrame) -> pa.Table:
    """A table for st.dataframe as Arrow: st.dataframe sends exactly the same bytes as for the frame, but a cached
    Arrow table skips the conversion on every rerun (4 ms for the 63-column counts table)."""
    return pa.Table.from_pandas(frame)


def built_on_text(version: WarehouseVersion, lang: str) -> str:
    return formatting.date_text(build_date(version), lang)
