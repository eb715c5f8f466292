"""Validate the curated files and build the DuckDB warehouse.

The warehouse is built into a temporary file next to the old one and swapped in with an atomic
rename only after everything validated, so readers see the old file or the new one, never a
half-built one, and bad input never costs the data already loaded.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from . import config
from .citations import load_sources, verify_citations
from .curated import DATE, OPTIONAL_DATE, SPECS, CuratedData, Issue, load_curated

SCHEMA_VERSION = "2"
VIEWS_SQL = Path(__file__).with_name("views.sql")
# Every date column of the curated files is stored as a DATE (pandas reads them as timestamps): a day, not a moment
# at midnight, in the warehouse, its views and the data package.
DATE_COLUMNS = tuple((spec.table, column) for spec in SPECS for column, kind in spec.columns.items()
                     if kind in (DATE, OPTIONAL_DATE))


@dataclass
class BuildResult:
    ok: bool
    issues: list[Issue]
    tables: CuratedData | None = None
    warehouse: Path | None = None
    summary: dict = field(default_factory=dict)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity != "error"]


def data_fingerprint(data_dir: Path | None = None) -> str:
    """Hash of every curated file and of the warehouse definition: a change means rebuild."""
    data_dir = data_dir or config.data_dir()
    digest = hashlib.sha256(SCHEMA_VERSION.encode())
    digest.update(VIEWS_SQL.read_bytes())
    paths = sorted({p for spec in SPECS for p in data_dir.glob(spec.pattern)} |
                   set(data_dir.glob("tasks/*.csv")) | set(data_dir.glob("*.csv")))
    for path in paths:
        digest.update(path.relative_to(data_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def validate(data_dir: Path | None = None, sources_dir: Path | None = None) -> BuildResult:
    data_dir = data_dir or config.data_dir()
    tables, issues = load_curated(data_dir)
    targets = tables["targets"]
    if sources_dir is not None and not sources_dir.is_dir():
        issues.append(Issue(str(sources_dir), None, None, "the configured sources folder does not exist"))
    elif sources_dir is not None:
        texts = load_sources(tables["documents"], sources_dir, issues)
        targets["citation_verified"] = verify_citations(targets, texts, issues)
        tables["tasks"]["citation_verified"] = verify_citations(tables["tasks"], texts, issues)
    if "citation_verified" not in targets:
        targets["citation_verified"] = pd.Series(pd.NA, index=targets.index, dtype="boolean")
    targets["approximate"] = approximate_flags(targets)
    ok = not any(i.severity == "error" for i in issues)
    return BuildResult(ok, issues, tables)


def approximate_flags(targets: pd.DataFrame) -> pd.Series:
    """Whether each value is hedged with 'khoảng' (about): stated in the `approximate` column, or read from the
    verbatim clause ('khoảng 36,5-37%' is a range the plan calls approximate). Published in the warehouse so that
    every table, chart, label and export says the same about a value."""
    from dashboard_lib.formatting import is_approximate  # pure: no Streamlit, no Plotly
    flags = [str(stated).lower() == "true" or is_approximate(comparator, low, citation)
             for stated, comparator, low, citation in zip(targets["approximate"], targets["comparator"],
                                                          targets["value_low"], targets["citation"])]
    return pd.Series(flags, index=targets.index, dtype="boolean")


@contextlib.contextmanager
def _build_lock(warehouse: Path):
    """One builder at a time per warehouse (several dashboard processes may start together)."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with open(warehouse.with_name(warehouse.name + ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _store(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    frame = frame.copy()
    if "_file" in frame:
        frame["source_row"] = frame["_file"] + ":" + frame["_row"].astype(str)
    frame = frame.drop(columns=[c for c in frame.columns if c.startswith("_")])
    con.register("_frame", frame)
    con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _frame')
    con.unregister("_frame")


def _previous_targets(warehouse: Path) -> pd.DataFrame | None:
    if not warehouse.exists():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True) as old:
            return old.execute("SELECT target_id, value_low, value_high, target_year, citation FROM targets").df()
    except duckdb.Error:
        return None  # an unreadable old file is replaced; nothing to compare with


def _changes(old: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    columns = ["target_id", "change", "detail"]
    if old is None:
        return pd.DataFrame(columns=columns, dtype=str)
    compared = ["value_low", "value_high", "target_year", "citation"]
    merged = old.merge(new[["target_id", *compared]], on="target_id", how="outer",
                       suffixes=("_old", "_new"), indicator=True)
    rows = []
    for _, row in merged.iterrows():
        if row["_merge"] == "left_only":
            rows.append((row["target_id"], "removed", ""))
        elif row["_merge"] == "right_only":
            rows.append((row["target_id"], "added", ""))
        else:
            changed = [c for c in compared if str(row[f"{c}_old"]) != str(row[f"{c}_new"])]
            if changed:
                detail = "; ".join(f"{c}: {row[f'{c}_old']} → {row[f'{c}_new']}" for c in changed)
                rows.append((row["target_id"], "changed", detail))
    return pd.DataFrame(rows, columns=columns, dtype=str).sort_values("target_id", ignore_index=True)


def _map_tables(tables: CuratedData, progress: Callable[[str], None]) -> tuple[dict[str, pd.DataFrame], str]:
    """Province boundaries for the map page; the dashboard falls back to a tile map without them."""
    try:
        from . import geo
    except ImportError:
        return {}, "boundary step not installed"
    try:
        return geo.build_map_tables(tables["provinces"], tables["provinces_2025"], progress=progress), "ok"
    except geo.BoundarySourceError as err:
        progress(f"Province boundaries unavailable, the map page will use the tile map: {err}")
        return {}, str(err)


def _tile_grids(data_dir: Path, tables: CuratedData, result: BuildResult) -> dict[str, pd.DataFrame]:
    """The curated tile grids of the map page (its tile map works without boundaries): a bad grid is an error."""
    from .geo import read_tile_grid
    grids = {}
    for name, file, codes in (("map_tile_grid_63", "tile_grid.csv", tables["provinces"]["province_code"]),
                              ("map_tile_grid_34", "tile_grid_2025.csv",
                               tables["provinces_2025"]["province_2025_code"])):
        try:
            grids[name] = read_tile_grid(data_dir / file, codes)
        except (ValueError, OSError) as err:
            result.issues.append(Issue(file, None, None, str(err)))
            result.ok = False
    return grids


def build(data_dir: Path | None = None, warehouse: Path | None = None, sources_dir: Path | None = None,
          *, with_maps: bool = True, progress: Callable[[str], None] = print) -> BuildResult:
    data_dir = data_dir or config.data_dir()
    warehouse = warehouse or config.warehouse_path()
    fingerprint = data_fingerprint(data_dir)
    result = validate(data_dir, sources_dir)
    if not result.ok:
        return result
    tables = result.tables
    tile_grids = _tile_grids(data_dir, tables, result)
    if not result.ok:
        return result
    maps, map_status = _map_tables(tables, progress) if with_maps else ({}, "skipped")
    with _build_lock(warehouse):
        previous = _previous_targets(warehouse)
        for leftover in warehouse.parent.glob(f".{warehouse.name}.*.tmp*"):  # from a build that was killed
            leftover.unlink(missing_ok=True)
        temporary = warehouse.with_name(f".{warehouse.name}.{os.getpid()}.tmp")
        try:
            with duckdb.connect(str(temporary)) as con:
                for name, frame in tables.items():
                    _store(con, name, frame)
                for table, column in DATE_COLUMNS:
                    con.execute(f'ALTER TABLE "{table}" ALTER "{column}" TYPE DATE')
                for name, frame in {**maps, **tile_grids}.items():
                    _store(con, name, frame)
                _store(con, "build_changes", _changes(previous, tables["targets"]))
                targets = tables["targets"]
                info = pd.DataFrame([{
                    "built_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
                    "data_fingerprint": fingerprint,
                    "schema_version": SCHEMA_VERSION,
                    "n_documents": len(tables["documents"]),
                    "n_values": len(targets),
                    "citations_checked": sources_dir is not None,
                    "citations_verified": int(targets["citation_verified"].fillna(False).sum()),
                    "maps": map_status,
                    "had_previous_build": previous is not None,
                }])
                _store(con, "build_info", info)
                con.execute(VIEWS_SQL.read_text(encoding="utf-8"))
                con.execute("CHECKPOINT")
            os.replace(temporary, warehouse)
        finally:
            temporary.unlink(missing_ok=True)
            Path(str(temporary) + ".wal").unlink(missing_ok=True)
    result.warehouse = warehouse
    result.summary = summarise(tables)
    return result


def summarise(tables: CuratedData) -> dict:
    targets = tables["targets"]
    return {
        "documents": len(tables["documents"]),
        "values": len(targets),
        "by_province": targets.groupby("province_code").size().to_dict(),
        "by_sector": targets.groupby("sector_key").size().to_dict(),
        "by_kind": targets.groupby("kind").size().to_dict(),
        "citations_verified": int(targets["citation_verified"].fillna(False).sum()),
    }


def warehouse_fingerprint(warehouse: Path) -> str | None:
    """The data fingerprint a built warehouse was made from, or None if it cannot be read."""
    if not warehouse.exists():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute("SELECT data_fingerprint FROM build_info").fetchone()[0]
    except (duckdb.Error, IndexError):
        return None


def ensure_warehouse(progress: Callable[[str], None] = print) -> BuildResult | None:
    """Build the warehouse if it is missing or older than the curated files; None if it is current."""
    warehouse = config.warehouse_path()
    if warehouse_fingerprint(warehouse) == data_fingerprint():
        return None
    return build(warehouse=warehouse, sources_dir=config.sources_dir(), progress=progress)
