"""Payload benchmark for the map page: bytes of the GeoJSON sent to the browser and vertex counts.

    python bench/geo_payload.py                      # default tolerance
    python bench/geo_payload.py --tolerance 0.005 0.01 0.02

Uses the same boundary source chain as the ETL (set DV2030_GEO_DIR=../shared/geo to use the shared
files). It prints figures only; the budget (about 250 KB for the 63-province map) is a guide, not a test.
"""
from __future__ import annotations

import argparse
import gzip
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import shapely  # noqa: E402

from etl import geo  # noqa: E402

BUDGET_BYTES = 250_000


def vertices(geojson_texts) -> int:
    return int(sum(shapely.get_num_coordinates(shapely.from_geojson(g)) for g in geojson_texts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tolerance", type=float, nargs="+", default=[geo.SIMPLIFY_TOLERANCE],
                        help="coverage simplification tolerance(s) in degrees")
    args = parser.parse_args(argv)
    provinces, provinces_2025 = geo._read_reference(geo.config.data_dir())

    admin1, islands, source = geo.obtain_admin1(progress=print)
    print(f"source: {source}")
    print(f"full-resolution vertices: {vertices([shapely.to_geojson(g) for g in admin1.geometry]):,} "
          f"(63 provinces)")
    print(f"coordinates: {geo.COORD_DECIMALS} decimals; budget for the 63-province map: {BUDGET_BYTES:,} bytes\n")
    print(f"{'tolerance':>9}  {'map':<22} {'features':>8} {'vertices':>9} {'bytes':>9} {'gzip':>8}  build")
    for tolerance in args.tolerance:
        started = time.perf_counter()
        tables = geo.build_map_tables(provinces, provinces_2025, progress=None, tolerance=tolerance)
        seconds = time.perf_counter() - started
        for key in ("map_provinces_63", "map_provinces_34", "map_archipelagos"):
            table = tables[key]
            payload = geo.feature_collection(table).encode("utf-8")
            note = ""
            if key == "map_provinces_63":
                note = "  (within budget)" if len(payload) <= BUDGET_BYTES else "  (OVER budget)"
            print(f"{tolerance:>9}  {key:<22} {len(table):>8} {vertices(table['geojson']):>9,} "
                  f"{len(payload):>9,} {len(gzip.compress(payload)):>8,}  {seconds:.2f} s{note}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except geo.BoundarySourceError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)
