"""Faults: the ETL killed at random points of a build, and rebuilds while readers read.

The warehouse is built into a temporary file and swapped in atomically (etl/warehouse.py): a killed build
must leave the previous warehouse byte-for-byte intact and still serving, its leftovers must not break the
next build, and a reader must see the old data or the new data, never an error or a half-built file.
Bounded: one 10× synthetic dataset per session, 7 kills (≤ 21 tries), 4+4 rebuilds; loopback only; no timing assertions.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import pytest

from conftest import REPO
from etl.warehouse import build

sys.path.insert(0, str(REPO / "bench"))
from synthetic import generate  # noqa: E402

DATA = REPO / "data"
BUILD_TIMEOUT_S = 300  # a hang is a failure, not a stuck CI job
QUIET = lambda message: None  # noqa: E731


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _counts(warehouse: Path) -> dict[str, int]:
    """What a reader is served: row counts, read through a read-only connection like the dashboard's."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            "targets": con.execute("SELECT count(*) FROM targets").fetchone()[0],
            "v_targets": con.execute("SELECT count(*) FROM v_targets").fetchone()[0],
            "documents": con.execute("SELECT count(*) FROM v_documents").fetchone()[0],
            "n_values": con.execute("SELECT n_values FROM build_info").fetchone()[0],
        }


def _build(data: Path, warehouse: Path) -> None:
    result = build(data, warehouse, None, with_maps=False, progress=QUIET)
    assert result.ok, "\n".join(map(str, result.errors))


def _cli_env(data: Path, warehouse: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DV2030_")}
    return {**env, "DV2030_DATA_DIR": str(data), "DV2030_WAREHOUSE": str(warehouse), "PYTHONUNBUFFERED": "1"}


def _cli_build(data: Path, warehouse: Path, output: bool = False) -> subprocess.Popen:
    """`python -m etl build` in a subprocess (its output kept only when asked: killed builds have none)."""
    sink = subprocess.PIPE if output else subprocess.DEVNULL
    return subprocess.Popen([sys.executable, "-m", "etl", "build", "--no-maps"], cwd=REPO,
                            env=_cli_env(data, warehouse), stdout=sink, stderr=subprocess.STDOUT)


def _temp_files(folder: Path, warehouse: Path) -> list[Path]:
    """What builds leave beside the warehouse: .<name>.<pid>.tmp and its .wal."""
    return sorted(folder.glob(f".{warehouse.name}.*.tmp*"))


@pytest.fixture(scope="session")
def synthetic_10x(tmp_path_factory) -> Path:
    """A valid synthetic dataset 10× the real one (bench/synthetic.py, seeded)."""
    folder = tmp_path_factory.mktemp("synthetic") / "data-10x"
    generate(folder, 10)
    return folder


@pytest.fixture(scope="session")
def good_builds(tmp_path_factory, synthetic_10x) -> dict[str, Path]:
    """Pristine warehouses of the real data and of the 10× dataset, built once, copied by the tests."""
    folder = tmp_path_factory.mktemp("good")
    real, synthetic = folder / "real.duckdb", folder / "synthetic.duckdb"
    _build(DATA, real)
    _build(synthetic_10x, synthetic)
    return {"real": real, "synthetic": synthetic}


# ---------------------------------------------------------------- SIGKILL during the build

def test_sigkill_at_random_points_keeps_the_previous_warehouse(tmp_path, synthetic_10x, good_builds):
    warehouse = tmp_path / "warehouse.duckdb"
    old_counts, new_counts = _counts(good_builds["real"]), _counts(good_builds["synthetic"])
    assert old_counts != new_counts

    # Measure one whole build of the 10× data over a good warehouse, and when its temporary file appears
    # (the write phase: everything before it is reading and validating).
    shutil.copyfile(good_builds["real"], warehouse)
    start = time.monotonic()
    process = _cli_build(synthetic_10x, warehouse, output=True)
    write_starts = None
    while process.poll() is None:
        if write_starts is None and _temp_files(tmp_path, warehouse):
            write_starts = time.monotonic() - start
        time.sleep(0.005)
        assert time.monotonic() - start < BUILD_TIMEOUT_S, "the build did not finish"
    duration = time.monotonic() - start
    assert process.returncode == 0, process.stdout.read().decode()
    assert _counts(warehouse) == new_counts
    write_starts = write_starts if write_starts is not None else duration * 0.8

    # 5 kills spread over the whole build (seeded jitter) and 2 in the write phase, triggered when the
    # temporary file appears. A build that finished before its signal (a noisy machine is faster or slower
    # from run to run) is checked as a complete build, and that kill is retried earlier, at most twice.
    rng = random.Random(8)
    points = [("time", (i + rng.uniform(0.2, 0.8)) / 5) for i in range(5)] + [("write", 0.0), ("write", 0.5)]
    interrupted, outcomes = 0, []
    for trigger, fraction in points:
        for attempt in range(3):
            shutil.copyfile(good_builds["real"], warehouse)
            before = _digest(warehouse)
            process = _cli_build(synthetic_10x, warehouse)
            started = time.monotonic()
            if trigger == "write":
                own = tmp_path / f".{warehouse.name}.{process.pid}.tmp"  # not a leftover of an earlier kill
                while process.poll() is None and not own.exists():
                    time.sleep(0.002)
                time.sleep(fraction * (duration - write_starts) * 0.5 ** attempt)
            else:
                time.sleep(fraction * duration * 0.6 ** attempt)
            process.send_signal(signal.SIGKILL)
            returncode = process.wait(timeout=BUILD_TIMEOUT_S)
            outcomes.append((trigger, round(time.monotonic() - started, 2), returncode))
            if returncode == -signal.SIGKILL and _digest(warehouse) == before:
                interrupted += 1
                assert _counts(warehouse) == old_counts
                break
            if returncode == -signal.SIGKILL:
                # killed after the atomic rename (while printing its summary): the whole new build is in place
                assert _counts(warehouse) == new_counts, f"killed ({outcomes[-1]}): neither old nor new build"
                continue
            # finished before the signal arrived: then it must be the whole new build
            assert returncode == 0 and _counts(warehouse) == new_counts, outcomes[-1]
    assert interrupted >= 6, f"too few builds were actually interrupted: {outcomes}"

    # Leftovers of the killed builds do not break the next build, which serves the new data.
    leftovers = _temp_files(tmp_path, warehouse)
    shutil.copyfile(good_builds["real"], warehouse)
    process = _cli_build(synthetic_10x, warehouse, output=True)
    output = process.communicate(timeout=BUILD_TIMEOUT_S)[0].decode()
    assert process.returncode == 0, output
    assert _counts(warehouse) == new_counts
    print(f"\nbuild {duration:.2f} s (write phase from {write_starts:.2f} s); kills (trigger, s, rc): {outcomes}; "
          f"{len(leftovers)} leftover temp file(s) before the last build")


def test_a_killed_builds_temp_files_are_cleaned_by_the_next_build(tmp_path, good_builds):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(good_builds["real"], warehouse)
    # exactly what a build killed in its write phase leaves (its pid is long gone)
    stale = tmp_path / f".{warehouse.name}.999999.tmp"
    shutil.copyfile(good_builds["real"], stale)
    Path(str(stale) + ".wal").write_bytes(b"\0" * 1024)
    _build(DATA, warehouse)
    assert _counts(warehouse) == _counts(good_builds["real"])
    assert _temp_files(tmp_path, warehouse) == []


# ---------------------------------------------------------------- rebuild while readers read

READER = textwrap.dedent("""
    import json, os, sys, time
    import duckdb
    path, stop, ready, out = sys.argv[1:5]
    con, version, results, errors, reopens = None, None, [], [], 0
    open(ready, "w").close()
    final = False
    while True:
        final = os.path.exists(stop)  # one last query after the stop signal: it must see the final build
        try:
            stat = os.stat(path)
            if (stat.st_ino, stat.st_mtime_ns) != version:  # the dashboard's rule: reopen on change
                if con is not None:
                    con.close()
                con = duckdb.connect(path, read_only=True)
                version, reopens = (stat.st_ino, stat.st_mtime_ns), reopens + 1
            n = con.execute("SELECT count(*) FROM v_targets").fetchone()[0]
            n_values = con.execute("SELECT n_values FROM build_info").fetchone()[0]
            if n != n_values:
                errors.append(f"half-built: v_targets {n} rows but build_info says {n_values}")
            results.append(n)
        except Exception as err:  # every failure is recorded, none ends the reader
            errors.append(f"{type(err).__name__}: {err}")
        if final:
            break
        time.sleep(0.002)
    json.dump({"results": results, "errors": errors, "reopens": reopens, "last": results[-1] if results else None},
              open(out, "w"))
""")


def test_rebuild_while_reader_processes_read(tmp_path, synthetic_10x, good_builds):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(good_builds["real"], warehouse)
    real, synthetic = _counts(good_builds["real"])["v_targets"], _counts(good_builds["synthetic"])["v_targets"]
    stop = tmp_path / "stop"
    readers = []
    for i in range(4):
        ready, out = tmp_path / f"ready{i}", tmp_path / f"reader{i}.json"
        readers.append((subprocess.Popen([sys.executable, "-c", READER, str(warehouse), str(stop), str(ready),
                                          str(out)], stderr=subprocess.PIPE), ready, out))
    deadline = time.monotonic() + 60
    while not all(ready.exists() for _, ready, _ in readers):
        assert time.monotonic() < deadline, "readers did not start"
        time.sleep(0.05)
    for data in (synthetic_10x, DATA, synthetic_10x, DATA):  # the builds run while the readers query, several swaps under them
        _build(data, warehouse)
    stop.touch()
    reports = []
    for process, _, out in readers:
        assert process.wait(timeout=60) == 0, process.stderr.read().decode()
        reports.append(json.loads(out.read_text()))
    for report in reports:
        assert report["errors"] == []
        assert set(report["results"]) <= {real, synthetic}
        assert report["reopens"] >= 2  # it noticed at least one swap
        assert report["last"] == real  # the final build is what a query after it sees
    print(f"\nreaders: {sum(len(r['results']) for r in reports)} queries, "
          f"{sum(r['reopens'] for r in reports)} reopens, counts seen {sorted({n for r in reports for n in r['results']})}")


def _dashboard_count(data_module) -> tuple[int, str]:
    frame = data_module.query(data_module.current_version(),
                              "SELECT count(*) AS n, min(document_id) AS first FROM v_targets")
    return int(frame["n"].iloc[0]), str(frame["first"].iloc[0])


@pytest.fixture
def dashboard_data(tmp_path, monkeypatch):
    """dashboard_lib.data pointed at a private warehouse, with fresh Streamlit caches."""
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("DV2030_WAREHOUSE", str(warehouse))
    from dashboard_lib import data
    data.query.clear()
    data._connection.clear()
    yield data, warehouse
    data.query.clear()
    data._connection.clear()


def test_rebuild_while_dashboard_reader_threads_query(dashboard_data, synthetic_10x, good_builds):
    """Reader threads use the dashboard's own cached query path while the warehouse is rebuilt."""
    data, warehouse = dashboard_data
    shutil.copyfile(good_builds["real"], warehouse)
    allowed = {_counts(good_builds["real"])["v_targets"], _counts(good_builds["synthetic"])["v_targets"]}
    stop = threading.Event()
    results: list[int] = []
    errors: list[str] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                results.append(_dashboard_count(data)[0])
            except Exception as err:  # noqa: BLE001 - any failure is a finding
                errors.append(f"{type(err).__name__}: {err}")
            time.sleep(0.002)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for source in (synthetic_10x, DATA, synthetic_10x, DATA):
            _build(source, warehouse)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert results and set(results) <= allowed


def test_dashboard_reader_sees_the_new_build_after_a_swap(dashboard_data, synthetic_10x, good_builds):
    data, warehouse = dashboard_data
    shutil.copyfile(good_builds["real"], warehouse)
    before = data.current_version()
    assert _dashboard_count(data) == (_counts(good_builds["real"])["v_targets"], "BTN-969-2021")
    _build(synthetic_10x, warehouse)
    assert data.current_version() != before
    count, first = _dashboard_count(data)
    assert count == _counts(good_builds["synthetic"])["v_targets"]
    assert first.startswith("P")  # a synthetic document id, not a real one
