"""Validate the curated files and build the DuckDB warehouse.

The warehouse is built into a temporary file next to the old one and swapped in with an atomic
rename only after everything validated, so readers see the old file or the new one, never a
half-built one, and bad input never costs the data already loaded.
"""
from __future__ import annotations

import datetime as dt
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
from .locks import file_lock

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


def _store_progress(con: duckdb.DuckDBPyConnection) -> None:
    """The verdict on every target (dashboard_lib.progress: pure maths) as the table `progress`, read by the
    view v_progress; published here so that the pages, the exports and the data package only read it."""
    from dashboard_lib.progress import PROGRESS_COLUMNS, progress_rows
    targets = con.execute("SELECT * FROM v_targets WHERE kind = 'target'").df().to_dict("records")
    achieved = con.execute("SELECT * FROM v_achieved").df().to_dict("records")
    horizons = dict(con.execute("SELECT document_id, horizon_start FROM documents").fetchall())
    rows = progress_rows(targets, achieved, horizons)
    frame = pd.DataFrame(rows, columns=list(PROGRESS_COLUMNS)).astype(
        {"ratio": "Float64", "achieved": "Float64", "margin": "Float64", "required_remaining": "Float64",
         "base_year": "Int64", "base_value": "Float64", "current_year": "Int64", "n_observations": "Int64",
         "closed": "boolean", "status": str, "basis": str, "vintages": str, "flipped_from": "string",
         "years_missing": str,
         "achieved_ids": str, "considered_ids": str, "method": str})
    con.register("_progress", frame)
    con.execute("CREATE TABLE progress AS SELECT * FROM _progress")
    con.unregister("_progress")
    con.execute(PROGRESS_VIEW)


PROGRESS_VIEW = """
CREATE OR REPLACE VIEW v_progress AS
SELECT t.target_id, t.province_era, t.province_code, t.province_name_vi, t.province_name_en, t.province_2025_code,
       t.sector, t.indicator, t.indicator_label_vi, t.indicator_label_en, t.measure, t.higher_is_better,
       t.comparator, t.approximate, t.value_low, t.value_high, t.unit, t.unit_symbol_vi, t.unit_symbol_en,
       t.period_start, t.period_end, t.target_year, t.document_id, t.document_number, t.document_type_key,
       t.source_tier, t.source_publisher, t.source_url, t.source_date, t.locator, t.citation,
       p.status, p.closed, p.ratio, p.achieved, p.margin, p.required_remaining, p.base_year, p.base_value,
       p.current_year, p.basis, p.vintages, p.flipped_from, p.years_missing, p.n_observations, p.achieved_ids,
       p.considered_ids, p.method
FROM progress p JOIN v_targets t USING (target_id);
"""


def publish_lock(warehouse: Path, timeout: float | None = None):
    """One builder and publisher at a time per warehouse, across processes and hosts: the lock file lives beside
    the warehouse (in the shared folder of a multi-replica deployment). Re-entrant within a thread."""
    return file_lock(warehouse.with_name(warehouse.name + ".lock"), timeout=timeout)


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
    # The whole build holds the publish lock: its fingerprint, its validation and the files it read all belong to
    # the one release it publishes, and no other process builds meanwhile.
    with publish_lock(warehouse):
        return _build(data_dir, warehouse, sources_dir, with_maps, progress)


def _build(data_dir: Path, warehouse: Path, sources_dir: Path | None, with_maps: bool,
           progress: Callable[[str], None]) -> BuildResult:
    fingerprint = data_fingerprint(data_dir)
    result = validate(data_dir, sources_dir)
    if not result.ok:
        return result
    tables = result.tables
    tile_grids = _tile_grids(data_dir, tables, result)
    if not result.ok:
        return result
    maps, map_status = _map_tables(tables, progress) if with_maps else ({}, "skipped")
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
            _store_progress(con)
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
    eras = dict(zip(tables["documents"]["document_id"], tables["documents"]["province_era"].fillna("")))
    # a province's count is read by era: '63:31' the former Hải Phòng's plans, '34:31' the Hải Phòng of today's
    keyed = [f"{eras.get(d, '') or 'national'}:{c}" if c != "VN" else "VN"
             for d, c in zip(targets["document_id"], targets["province_code"])]
    by_indicator = targets[[eras.get(d) == "34" for d in targets["document_id"]]].groupby("indicator_key").size()
    achieved = tables.get("achieved")
    return {
        "documents": len(tables["documents"]),
        "values": len(targets),
        "by_province": pd.Series(keyed, dtype=str).value_counts().to_dict() if len(targets) else {},
        "by_indicator_2025": by_indicator.to_dict(),
        "by_source_tier": targets["source_id"].map(
            dict(zip(tables["sources"]["source_id"], tables["sources"]["tier"]))).fillna("primary_text")
        .value_counts().to_dict() if len(targets) else {},
        "achieved": len(achieved) if achieved is not None else 0,
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
    """Build the warehouse if it is missing or older than the curated files; None if it is current.

    Several processes may ask at once (replicas starting together): the first takes the publish lock and builds,
    the others wait for it and then find the warehouse current, so it is built once."""
    warehouse = config.warehouse_path()
    if warehouse_fingerprint(warehouse) == data_fingerprint():
        return None
    with publish_lock(warehouse):
        if warehouse_fingerprint(warehouse) == data_fingerprint():  # published by another process meanwhile
            return None
        return build(warehouse=warehouse, sources_dir=config.sources_dir(), progress=progress)
