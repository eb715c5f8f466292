"""Where the ETL reads and writes. Every path can be overridden by an environment variable,
so tests, CI and deployments point the same code at other folders."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    return Path(os.environ.get("DV2030_DATA_DIR", PROJECT_ROOT / "data"))


def warehouse_path() -> Path:
    return Path(os.environ.get("DV2030_WAREHOUSE", data_dir() / "warehouse.duckdb"))


def sources_dir() -> Path | None:
    """Folder holding the plans' source texts (CI: ../shared/seeds). None when not configured."""
    value = os.environ.get("DV2030_SOURCES_DIR", "").strip()
    return Path(value) if value else None


def cache_dir() -> Path:
    return Path(os.environ.get("DV2030_CACHE_DIR", data_dir() / "cache"))


def read_only_replica() -> bool:
    """True for an app replica of a multi-replica deployment (DV2030_REPLICA=1): it serves the warehouse published
    in the shared folder and never builds one itself; the release step (python -m etl build) publishes it."""
    return os.environ.get("DV2030_REPLICA", "").strip().lower() in ("1", "true", "yes")


def intake_wait_seconds() -> float:
    """How long an editor's save waits for another editor's save on the same data folder before it answers
    "try again" (DV2030_INTAKE_WAIT_SECONDS, default 15)."""
    value = os.environ.get("DV2030_INTAKE_WAIT_SECONDS", "").strip()
    try:
        return max(0.0, float(value)) if value else 15.0
    except ValueError:
        raise ValueError(f"DV2030_INTAKE_WAIT_SECONDS must be a number of seconds, not {value!r}") from None
