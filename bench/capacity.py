"""Capacity of the balanced set-up: sessions per replica under a render bound, CPU and memory per session, and
throughput from 1 to 2 to 3 replicas behind HAProxy, all in one run.

    python bench/capacity.py                         # ~8 minutes on 2 CPUs
    python bench/capacity.py --levels 1 10 20 40 --window 20 --bound 3 --think 5 --browser

Starts its own set-up with deploy/local.py (HAProxy + --replicas replicas on free loopback ports, a private state
folder under /tmp, the repository's data) and stops it at the end. Prints tables, never asserts.

The load is Streamlit's own websocket protocol from Python (deploy/streamlit_client.py): each simulated user is one
websocket session, as one browser tab is, that asks for a page run (BackMsg rerun_script) and reads the server's
ForwardMsgs until script_finished. A render time is that: from the request to the end of the page's script run,
with every byte of the page received: what the server costs, without the browser's own drawing (the small
browser check on top, --browser, times one Chromium tab to its first chart while the load runs).

1. Sessions per replica: one replica behind the balancer. For each level N of --levels, N users each open a session
   and browse the seven pages in turn (each user starting on a different page), pausing a think time drawn
   uniformly from 0.5–1.5 × --think seconds between pages; after a warm-up lap, renders are timed over --window
   seconds. Printed: p50/p95/max render, renders per second, the replica's CPU (cores busy, from
   /proc/<pid>/stat), its RSS (VmRSS) with the N sessions open and the growth per session over the idle replica.
   Capacity = the largest level whose p95 stays under --bound; also derived from the CPU time per page run (a
   replica is one Python process: about one core), which a busy shared machine disturbs less than wall time.
2. Throughput 1 → 2 → 3 replicas: all replicas running, the balancer's admin socket enables 1, then 2, then 3 of
   them; --concurrency users browse without think time (a saturating closed loop) for --throughput-window seconds.
   The three counts alternate in --rounds rounds, so a change in what else runs on the machine hits all of them;
   the ratio to one replica is taken within each round, and the medians are printed. Printed: renders per second,
   the ratio, the cores the replicas and the load generator used, CPU ms per page run.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from deploy import local  # noqa: E402
from deploy.streamlit_client import Session, SessionError  # noqa: E402

PAGES = ["", "map", "sector_targets", "trajectories", "tasks", "plans", "slide_deck"]
TICKS = os.sysconf("SC_CLK_TCK")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


# ---------------------------------------------------------------- measuring processes

def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def _free_ports(count: int) -> int:
    from deploy.local import free_port_block
    return free_port_block(count)


def admin(settings: local.Settings, command: str) -> str:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(str(settings.run / "haproxy.sock"))
        sock.sendall(command.encode() + b"\n")
        return b"".join(iter(lambda: sock.recv(65536), b"")).decode()


def enable_only(settings: local.Settings, count: int) -> None:
    """Let the balancer send new sessions to replicas r1..r<count> only (the others finish what they hold)."""
    for number in range(1, settings.replicas + 1):
        admin(settings, f"{'enable' if number <= count else 'disable'} server replicas/r{number}")


# ---------------------------------------------------------------- load

async def user(base: str, start: int, think: float, until: float, warm_until: float, renders: list, errors: list,
               rng: random.Random, cookie: str | None = None) -> None:
    """One simulated user: a session that browses the pages in turn until `until`; renders after `warm_until`
    are recorded as (page, seconds, bytes)."""
    try:
        async with Session(base, cookie=cookie, timeout=180) as session:
            step = start
            while time.monotonic() < until:
                page = PAGES[step % len(PAGES)]
                step += 1
                began = time.monotonic()
                render = await session.run(page)
                if render.errors:
                    errors.append((page, render.errors[:1]))
                if began >= warm_until:
                    renders.append((page, render.seconds, render.bytes))
                if think:
                    await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
    except SessionError as err:
        errors.append(("session", [str(err)[:200]]))


async def load(base: str, users: int, think: float, warm: float, window: float, seed: int = 2030) -> tuple[list,
                                                                                                           list]:
    rng = random.Random(seed)
    renders: list = []
    errors: list = []
    now = time.monotonic()
    warm_until = now + warm
    tasks = []
    for n in range(users):
        # users arrive spread over the first second or two, as a meeting's audience does, not in one instant
        await asyncio.sleep(min(0.05, 1.5 / max(users, 1)))
        tasks.append(asyncio.create_task(user(base, n, think, warm_until + window, warm_until, renders, errors,
                                              random.Random(rng.random()))))
    await asyncio.gather(*tasks)
    return renders, errors


def run_load(*args, **kwargs) -> tuple[list, list]:
    return asyncio.run(load(*args, **kwargs))


async def warm_replicas(base: str, replicas: int) -> None:
    """Every page once on every replica (its caches filled), so the levels measure warm replicas."""
    for number in range(1, replicas + 1):
        async with Session(base, cookie=f"r{number}", timeout=180) as session:
            for lang in ("vi", "en"):
                for page in PAGES:
                    await session.run(page, f"lang={lang}")


def browser_first_chart(url: str) -> float | None:
    """Seconds from navigation to the first rendered chart in a fresh headless Chromium context."""
    if not Path(CHROMIUM).exists():
        return None
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            started = time.perf_counter()
            page.goto(url, wait_until="commit")
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=120_000)
            return time.perf_counter() - started
        finally:
            browser.close()


# ---------------------------------------------------------------- the two sections

def sessions_per_replica(settings: local.Settings, levels: list[int], think: float, window: float, bound: float,
                         browser: bool) -> list[dict]:
    enable_only(settings, 1)
    pid = local.status(settings, smoke=False)["replicas"][0]["pid"]
    time.sleep(3)  # sessions of the warm-up closed; the replica settles
    idle_rss = rss_mb(pid)
    rows = []
    print(f"\n## 1. Sessions one replica holds (think time {think:g} s ± 50 %, window {window:g} s, "
          f"bound: p95 render ≤ {bound:g} s)\n")
    print(f"idle replica after warm-up: RSS {idle_rss:.0f} MB\n")
    print("| sessions | renders | renders/s | p50 s | p95 s | max s | errors | replica CPU cores | CPU ms/render "
          "| RSS MB | RSS growth MB/session | load avg | within bound |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for users in levels:
        samples: list[float] = []
        outcome: dict = {}

        def generate() -> None:
            outcome["value"] = run_load(settings.url, users, think, warm=min(10.0, 2 * think + 2), window=window)

        thread = threading.Thread(target=generate)
        thread.start()
        time.sleep(min(10.0, 2 * think + 2))
        cpu0, t0 = cpu_seconds(pid), time.monotonic()
        while thread.is_alive():
            samples.append(rss_mb(pid))
            thread.join(0.5)
        cpu1, t1 = cpu_seconds(pid), time.monotonic()
        renders, errors = outcome["value"]
        times = [seconds for _, seconds, _ in renders]
        p95 = percentile(times, 0.95)
        rss = max(samples) if samples else float("nan")
        row = {"users": users, "renders": len(renders), "rate": len(renders) / window,
               "p50": percentile(times, 0.5), "p95": p95, "max": max(times) if times else float("nan"),
               "errors": len(errors), "cores": (cpu1 - cpu0) / (t1 - t0),
               "cpu_ms": 1000 * (cpu1 - cpu0) / max(1, len(renders)), "rss": rss,
               "growth": (rss - idle_rss) / users, "ok": p95 <= bound and not errors}
        rows.append(row)
        print(f"| {users} | {row['renders']} | {row['rate']:.1f} | {row['p50']:.2f} | {row['p95']:.2f} | "
              f"{row['max']:.2f} | {row['errors']} | {row['cores']:.2f} | {row['cpu_ms']:.0f} | {rss:.0f} | "
              f"{row['growth']:.1f} | {os.getloadavg()[0]:.1f} | {'yes' if row['ok'] else 'NO'} |", flush=True)
        if errors:
            print(f"   first errors: {errors[:3]}")
        time.sleep(2)
    held = [r["users"] for r in rows if r["ok"]]
    capacity = max(held) if held else 0
    print(f"\nCapacity of one replica: {capacity} concurrent sessions with p95 render ≤ {bound:g} s "
          f"(think time {think:g} s)" + ("" if capacity < max(levels) else "; the highest level tried: more may fit"))
    # The same from CPU time, which other processes on a shared machine disturb far less than wall time: a replica
    # is one Python process, so it can use about one core; at `utilisation` of it, queueing stays short.
    busy = [r for r in rows if r["renders"] >= 20]
    if busy:
        cpu_ms = statistics.median(r["cpu_ms"] for r in busy)
        for utilisation in (0.5, 0.7):
            users = utilisation * 1000 / cpu_ms * think
            print(f"From CPU time: {cpu_ms:.0f} ms per page run (median of the levels) → one replica at "
                  f"{utilisation:.0%} of a core serves {users:.0f} users opening a page every {think:g} s")
    if browser and capacity:
        outcome = {}
        thread = threading.Thread(target=lambda: outcome.setdefault(
            "value", run_load(settings.url, capacity, think, warm=2.0, window=max(20.0, window))))
        thread.start()
        time.sleep(6)
        chart = browser_first_chart(f"{settings.url}/?lang=vi")
        thread.join()
        quiet = browser_first_chart(f"{settings.url}/?lang=vi")
        if chart is not None:
            print(f"Browser check: a fresh Chromium tab drew the overview's first chart in {chart:.2f} s while "
                  f"{capacity} sessions browsed ({quiet:.2f} s with no load).")
    return rows


def throughput_scaling(settings: local.Settings, concurrency: int, window: float, rounds: int) -> list[dict]:
    print(f"\n## 2. Throughput behind the balancer: {concurrency} sessions without think time, {window:g} s per "
          f"measurement, 1→{settings.replicas} replicas in each of {rounds} rounds\n")
    print("| round | replicas | renders | renders/s | ratio to 1 (this round) | p50 s | p95 s | errors "
          "| replicas' CPU cores | CPU ms/render | load generator CPU cores | sessions per replica | load avg |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    pids = [r["pid"] for r in local.status(settings, smoke=False)["replicas"]]
    me = os.getpid()
    for round_ in range(1, rounds + 1):
        first = None
        for count in range(1, settings.replicas + 1):
            enable_only(settings, count)
            time.sleep(2)
            stot0 = {r["svname"]: int(r["stot"]) for r in local.haproxy_stats(settings)}
            outcome: dict = {}
            thread = threading.Thread(target=lambda: outcome.setdefault(
                "value", run_load(settings.url, concurrency, 0.0, warm=3.0, window=window)))
            thread.start()
            time.sleep(3.0)
            before = {pid: cpu_seconds(pid) for pid in pids}
            mine0, t0 = cpu_seconds(me), time.monotonic()
            thread.join()
            t1 = time.monotonic()
            replica_cpu = sum(cpu_seconds(pid) - before[pid] for pid in pids)
            mine = (cpu_seconds(me) - mine0) / (t1 - t0)
            stats = {r["svname"]: int(r["stot"]) - stot0.get(r["svname"], 0) for r in local.haproxy_stats(settings)}
            renders, errors = outcome["value"]
            times = [seconds for _, seconds, _ in renders]
            rate = len(renders) / window
            first = first or rate
            rows.append({"round": round_, "replicas": count, "rate": rate, "ratio": rate / first})
            spread = "/".join(str(stats.get(f"r{n}", 0)) for n in range(1, settings.replicas + 1))
            print(f"| {round_} | {count} | {len(renders)} | {rate:.1f} | {rate / first:.2f}× | "
                  f"{percentile(times, 0.5):.2f} | {percentile(times, 0.95):.2f} | {len(errors)} | "
                  f"{replica_cpu / (t1 - t0):.2f} | {1000 * replica_cpu / max(1, len(renders)):.0f} | {mine:.2f} | "
                  f"{spread} | {os.getloadavg()[0]:.1f} |", flush=True)
            if errors:
                print(f"   first errors: {errors[:3]}")
    enable_only(settings, settings.replicas)
    summary = []
    for count in range(1, settings.replicas + 1):
        ratios = [r["ratio"] for r in rows if r["replicas"] == count]
        rates = [r["rate"] for r in rows if r["replicas"] == count]
        summary.append(f"{count}: {statistics.median(rates):.1f}/s ({statistics.median(ratios):.2f}×)")
    print(f"\nThroughput, median over the rounds (ratio to 1 replica, paired within each round): "
          + ", ".join(summary))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 10, 20, 30, 40, 60])
    parser.add_argument("--think", type=float, default=5.0, help="seconds between a user's page views (mean)")
    parser.add_argument("--window", type=float, default=30.0, help="seconds measured per level")
    parser.add_argument("--throughput-window", type=float, default=15.0,
                        help="seconds measured per replica count and round")
    parser.add_argument("--bound", type=float, default=3.0, help="p95 render bound in seconds")
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=12, help="sessions of the throughput section")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of 1→N replicas in the throughput section")
    parser.add_argument("--sections", nargs="+", default=["sessions", "throughput"],
                        choices=["sessions", "throughput"])
    parser.add_argument("--browser", action="store_true", help="time one Chromium tab at the capacity level")
    args = parser.parse_args(argv)

    state = Path(tempfile.mkdtemp(prefix="dv2030-capacity-"))
    base = _free_ports(args.replicas + 1)
    settings = local.Settings(state=state, shared=state / "shared", replicas=args.replicas, port=base,
                              replica_port=base + 1)
    print(f"# Capacity bench: {args.replicas} replicas behind HAProxy on 127.0.0.1:{base}; "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at start")
    started = time.monotonic()
    local.start(settings, progress=lambda message: None)
    try:
        asyncio.run(warm_replicas(settings.url, settings.replicas))
        if "sessions" in args.sections:
            sessions_per_replica(settings, args.levels, args.think, args.window, args.bound, args.browser)
        if "throughput" in args.sections:
            throughput_scaling(settings, args.concurrency, args.throughput_window, args.rounds)
    finally:
        local.stop(settings, progress=lambda message: None)
        shutil.rmtree(state, ignore_errors=True)
    print(f"\n(run took {time.monotonic() - started:.0f} s; load average {os.getloadavg()[0]:.1f} at the end)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
