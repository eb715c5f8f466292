"""ETL benchmark: full build time at 1×, 10× and 100× the real data, each beside its floor, and the map step.

    python bench/etl_bench.py                      # 1×, 10×, 100×; ~5 min on 2 cores before the fix
    python bench/etl_bench.py --scales 1 10 --repeat 3
    python bench/etl_bench.py --profile 100        # + a pyinstrument profile of the 100× build (pip install pyinstrument)

Datasets come from bench/synthetic.py (seeded), written to a temporary folder, never into data/.
Each row is measured in one run, the floor and the ETL interleaved, best of --repeat, so the ratio stays
meaningful on a noisy machine. The floors:
  - read: pandas.read_csv (dtype=str) of exactly the CSV files the ETL reads;
  - bare: that read plus a bare DuckDB build of the same frames (CREATE TABLE AS per table, CHECKPOINT):
    the least any build of these files must do.
Wall-clock seconds, best of the runs; "CPU" columns are this process's CPU seconds (time.process_time, DuckDB's
threads included), the figure a busy shared machine disturbs least. `spread` = (worst − best) ÷ best wall time.
ETL columns: `validate` = etl.warehouse.validate (read + check, no write); `fresh` = build() into an empty
place; `rebuild` = build() over the previous warehouse (also computes build_changes), the usual case.
Prints figures only; the target (ETL at 100× under 10 s) is a guide, not a test.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

from etl.curated import SPECS  # noqa: E402
from etl.warehouse import build, validate  # noqa: E402
from synthetic import generate  # noqa: E402

TARGET_100X_S = 10.0
QUIET = lambda message: None  # noqa: E731


def curated_files(data_dir: Path) -> dict[str, list[Path]]:
    return {spec.table: sorted(data_dir.glob(spec.pattern)) for spec in SPECS}


def floor_read(data_dir: Path) -> dict[str, pd.DataFrame]:
    frames = {}
    for table, paths in curated_files(data_dir).items():
        if paths:
            frames[table] = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths],
                                      ignore_index=True)
    return frames


def floor_bare(data_dir: Path, warehouse: Path) -> None:
    frames = floor_read(data_dir)
    warehouse.unlink(missing_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        for table, frame in frames.items():
            con.register("_frame", frame)
            con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM _frame')
            con.unregister("_frame")
        con.execute("CHECKPOINT")


def timed(function, *args, **kwargs) -> float:
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def timed_cpu(function, *args, **kwargs) -> tuple[float, float]:
    """(wall s, CPU s of this process): CPU time is what a busy shared machine disturbs least."""
    wall, cpu = time.perf_counter(), time.process_time()
    function(*args, **kwargs)
    return time.perf_counter() - wall, time.process_time() - cpu


def _build_ok(data_dir: Path, warehouse: Path) -> None:
    result = build(data_dir, warehouse, None, with_maps=False, progress=QUIET)
    if not result.ok:
        raise SystemExit(f"the synthetic dataset did not validate: {result.errors[:3]}")


def measure(scale: float, workdir: Path, repeat: int) -> dict:
    data_dir = workdir / f"data-{scale:g}x"
    counts = generate(data_dir, scale)
    warehouse = workdir / f"warehouse-{scale:g}x.duckdb"
    bare = workdir / f"bare-{scale:g}x.duckdb"
    csv_bytes = sum(p.stat().st_size for paths in curated_files(data_dir).values() for p in paths)
    samples: dict[str, list[tuple[float, float]]] = {"read": [], "bare": [], "validate": [], "fresh": [],
                                                      "rebuild": []}
    for _ in range(repeat):
        samples["read"].append(timed_cpu(floor_read, data_dir))
        samples["bare"].append(timed_cpu(floor_bare, data_dir, bare))
        samples["validate"].append(timed_cpu(validate, data_dir, None))
        warehouse.unlink(missing_ok=True)
        samples["fresh"].append(timed_cpu(_build_ok, data_dir, warehouse))
        samples["rebuild"].append(timed_cpu(_build_ok, data_dir, warehouse))
    best = {name: min(w for w, _ in values) for name, values in samples.items()}
    best_cpu = {f"{name}_cpu": min(c for _, c in values) for name, values in samples.items()}
    spread = {name: (max(v) - min(v)) / min(v) if len(v) > 1 else 0.0
              for name, v in ((n, [w for w, _ in values]) for n, values in samples.items())}
    return {"scale": scale, **counts, "csv_mb": csv_bytes / 1e6, **best, **best_cpu,
            "warehouse_mb": warehouse.stat().st_size / 1e6, "bare_mb": bare.stat().st_size / 1e6,
            "spread": max(spread.values())}


def measure_maps(repeat: int) -> dict | None:
    """The boundary step once (it does not depend on the scale: 63 provinces either way)."""
    geo_dir = os.environ.get("DV2030_GEO_DIR") or str(REPO.parent / "shared" / "geo")
    if not Path(geo_dir, "vn_admin1_ne10m.geojson").is_file():
        return None
    os.environ["DV2030_GEO_DIR"] = geo_dir
    import geopandas as gpd

    from etl import geo
    from etl.curated import load_curated
    tables, _ = load_curated(REPO / "data")
    floor, step = [], []
    for _ in range(repeat):
        floor.append(timed(gpd.read_file, Path(geo_dir, "vn_admin1_ne10m.geojson")))
        step.append(timed(geo.build_map_tables, tables["provinces"], tables["provinces_2025"], progress=None))
    # the first call is what a build pays (one per process); later calls are warm
    return {"source": geo_dir, "floor": floor[0], "step": step[0], "warm": min(step[1:] or step)}


def profile(scale: float, workdir: Path, top: int = 40) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("pyinstrument is not installed: pip install pyinstrument==5.1.3")
        return
    data_dir = workdir / f"data-{scale:g}x"
    if not data_dir.is_dir():
        generate(data_dir, scale)
    warehouse = workdir / "profiled.duckdb"
    _build_ok(data_dir, warehouse)  # a previous build, so that the profiled one is the usual rebuild
    profiler = Profiler(interval=0.005)
    profiler.start()
    _build_ok(data_dir, warehouse)
    profiler.stop()
    lines = profiler.output_text(unicode=True, color=False).splitlines()
    print(f"\npyinstrument profile of a rebuild (build() over the previous warehouse) at {scale:g}× "
          f"(first {top} lines):")
    print("\n".join(lines[:top]))


def table(rows: list[dict], maps: dict | None) -> str:
    head = ("| scale | docs | targets | tasks | CSV MB | floor read s | floor bare s | validate s | ETL fresh s "
            "| ETL rebuild s | rebuild ÷ bare | CPU: bare s | CPU: rebuild s | CPU ratio | warehouse MB | bare MB "
            "| spread |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        lines.append(f"| {r['scale']:g}× | {r['documents']} | {r['targets']:,} | {r['tasks']:,} | {r['csv_mb']:.1f} "
                     f"| {r['read']:.2f} | {r['bare']:.2f} | {r['validate']:.2f} | {r['fresh']:.2f} "
                     f"| {r['rebuild']:.2f} | {r['rebuild'] / r['bare']:.1f}× | {r['bare_cpu']:.2f} "
                     f"| {r['rebuild_cpu']:.2f} | {r['rebuild_cpu'] / r['bare_cpu']:.1f}× | {r['warehouse_mb']:.1f} "
                     f"| {r['bare_mb']:.1f} | {r['spread']:.0%} |")
    out = "\n".join(lines)
    if maps:
        out += (f"\n\nMap step (etl.geo.build_map_tables; same at every scale): first call {maps['step']:.2f} s "
                f"beside its floor (first geopandas.read_file of the source) {maps['floor']:.2f} s, "
                f"ratio {maps['step'] / maps['floor']:.1f}×; warm {maps['warm']:.2f} s  [{maps['source']}]")
    else:
        out += "\n\nMap step: skipped (no boundary files: set DV2030_GEO_DIR)"
    for r in rows:
        if r["scale"] == 100:
            verdict = "met" if r["rebuild"] < TARGET_100X_S else "MISSED"
            out += f"\nTarget ETL at 100× under {TARGET_100X_S:g} s: {verdict} ({r['rebuild']:.1f} s rebuild, " \
                   f"{r['fresh']:.1f} s fresh)"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 10, 100])
    parser.add_argument("--repeat", type=int, default=None,
                        help="runs per scale, best kept (default: 3 up to 10×, 2 above)")
    parser.add_argument("--no-maps", action="store_true", help="skip the map step")
    parser.add_argument("--profile", type=float, metavar="SCALE", help="profile build() at this scale")
    parser.add_argument("--workdir", type=Path, help="keep datasets and warehouses here (default: a temp folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dv2030-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        print(f"duckdb {duckdb.__version__}, pandas {pd.__version__}, python {sys.version.split()[0]}, "
              f"{os.cpu_count()} CPUs")
        _build_ok(REPO / "data", workdir / "warm-up.duckdb")  # imports and first-call costs, not measured
        rows = []
        for scale in args.scales:
            repeat = args.repeat or (3 if scale <= 10 else 2)
            row = measure(scale, workdir, repeat)
            rows.append(row)
            print(f"  {scale:g}×: rebuild {row['rebuild']:.2f} s (bare floor {row['bare']:.2f} s), "
                  f"{repeat} run(s)", flush=True)
        maps = None if args.no_maps else measure_maps(3)
        print()
        print(table(rows, maps))
        if args.profile:
            profile(args.profile, workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
