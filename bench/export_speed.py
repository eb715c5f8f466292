"""Export time per format with a warm browser (prints; a benchmark never asserts).

    /work/venv/bin/python bench/export_speed.py [--rounds 5]

Uses a synthetic figure of the same shape as the pages' charts (about 20 rows), so it runs without
the warehouse. The first render starts Chromium; that start is timed separately. Each round
changes the figure slightly so the export cache does not answer; the last line shows a cache hit.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import plotly.graph_objects as go  # noqa: E402

from dashboard_lib import export  # noqa: E402

PROVINCES = ["Hải Phòng", "Thanh Hóa", "Quảng Ngãi", "Bình Thuận", "Hậu Giang", "Cả nước"]


def figure(round_number: int) -> go.Figure:
    fig = go.Figure()
    for i, name in enumerate(PROVINCES):
        years = [2020, 2025, 2030]
        fig.add_trace(go.Scatter(x=[7 + i * 0.4 + round_number * 0.01 + k for k in range(3)],
                                 y=[f"{name} · {y}" for y in years], mode="markers+text", text=[f"{7 + i * 0.4 + k:.1f}%" for k in range(3)],
                                 textposition="middle right", name=name))
    fig.update_layout(height=700)
    return fig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if export.chromium_path() is None:
        print("Chromium not found: apt-get install -y " + " ".join(export.APT_PACKAGES))
        return
    started = time.perf_counter()
    export.start_renderer()
    print(f"browser start: {time.perf_counter() - started:.2f} s")
    cases = [("png", "presentation"), ("png", "print"), ("svg", "presentation"), ("pdf", "print")]
    dress = dict(title="Tăng trưởng khu vực dịch vụ", subtitle="6 tỉnh · 2020–2030", unit="%/năm",
                 source=["Kế hoạch 117/KH-UBND — Hải Phòng"], build_date="2026-11-22", lang="vi")
    export.export_dressed(figure(-1), "png", **dress)  # warm-up
    for fmt, size in cases:
        times, sizes = [], []
        for r in range(args.rounds):
            fig = figure(r)
            t0 = time.perf_counter()
            data = export.export_dressed(fig, fmt, size=size, **dress)
            times.append(time.perf_counter() - t0)
            sizes.append(len(data))
        print(f"{fmt:>4} {size:<13} median {statistics.median(times) * 1000:7.0f} ms   "
              f"max {max(times) * 1000:7.0f} ms   {statistics.mean(sizes) / 1024:8.0f} KiB")
    t0 = time.perf_counter()
    export.export_dressed(figure(0), "png", size="presentation", **dress)
    print(f"cache hit (png presentation): {(time.perf_counter() - t0) * 1000:.1f} ms")
    items = [export.deck_item(figure(100 + i), title=f"Biểu đồ {i + 1}", source=dress["source"]) for i in range(5)]
    for name, build in (("deck pptx (5 charts)", export.build_deck), ("deck pdf (5 charts)", export.build_deck_pdf)):
        t0 = time.perf_counter()
        data = build(items, "vi", "2026-11-22")
        print(f"{name}: {time.perf_counter() - t0:.2f} s, {len(data) / 1024:.0f} KiB")
    print(export.export_cache().info())
    export.stop_renderer()


if __name__ == "__main__":
    main()
