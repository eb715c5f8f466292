"""Publication exports: figures dressed for a report or a slide, rendered server-side; decks; workbooks.

No Streamlit here: pages reach this through `export_ui.export_controls`, the slide-deck page through
`build_deck` / `build_deck_pdf`, and tests and the benchmark call it directly.

Figures are rendered by kaleido (≥ 1) driving Debian's Chromium. One browser is started on the first
export and kept alive for all later ones (`Renderer`); it runs on a private event-loop thread so that
Streamlit's script threads and deferred-download threads can all submit renders safely, each with a
timeout. Finished files are kept in a bounded in-process LRU keyed by (figure spec hash, format, size,
language), so a second download of the same figure is served without rendering.

The declared font is Noto Sans (Debian package `fonts-noto-core`), which has every Vietnamese
diacritic; DejaVu Sans (`fonts-dejavu-core`) is the fallback.
"""
from __future__ import annotations

import asyncio
import atexit
import datetime as dt
import functools
import hashlib
import html
import io
import json
import math
import os
import re
import shutil
import struct
import textwrap
import threading
import unicodedata
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from babel.dates import format_date

from . import formatting
from .i18n import t

FONT_FAMILY = "Noto Sans, DejaVu Sans, sans-serif"
FONT_NAME = "Noto Sans"                      # what the PDF must embed (tests check it)
APT_PACKAGES = ("chromium", "fonts-noto-core")
SLIDE_FONT = "Arial"                         # PowerPoint text: on every Office machine, has Vietnamese
TEXT_COLOUR = "#1a1a1a"
MUTED_COLOUR = "#555555"
FORMATS = ("png", "svg", "pdf")
MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass(frozen=True)
class ExportSize:
    """A page for the exported figure: layout size in CSS pixels, zoom per format, typography.

    The layout is close to the size a chart has on the page (about 1,200 px wide), so the chart's own
    pixel-based design (fonts, label columns, offsets) holds; the zoom (`scale`) brings it to the
    requested output: PNG 1920×1080 for slides, A4 landscape at 300 dpi for print.
    """
    key: str
    width: int
    height: int
    png_scale: float          # PNG pixels = floor(layout px × png_scale)
    vector_scale: float       # SVG/PDF: the page is layout px × vector_scale (PDF: 0.75 pt per px)
    dpi: int | None           # written into the PNG so that Word and print dialogs size it right
    font: int                 # body text of the chart (px of the layout)
    title: int
    subtitle: int
    note: int
    pad: int                  # outer padding (px)

    def scale(self, fmt: str) -> float:
        return self.png_scale if fmt == "png" else self.vector_scale

    @property
    def png_pixels(self) -> tuple[int, int]:
        return math.floor(self.width * self.png_scale + 1e-6), math.floor(self.height * self.png_scale + 1e-6)


SIZES: dict[str, ExportSize] = {
    # 16:9 slide: PNG and SVG 1920×1080 px; PDF page 1440×810 pt.
    "presentation": ExportSize("presentation", 1280, 720, 1.5, 1.5, None, font=14, title=23, subtitle=15,
                               note=11, pad=30),
    # A4 landscape: 1123×794 CSS px is 297×210 mm (PDF page 842×595 pt); PNG at 300 dpi is 3509×2481 px.
    "print": ExportSize("print", 1123, 794, 300 / 96, 1.0, 300, font=13, title=20, subtitle=14, note=10, pad=30),
}
MAX_FIT = 2.0   # a tall chart (many rows) is laid out on up to twice the page, then zoomed out to fit


class ExportUnavailable(RuntimeError):
    """The figure renderer cannot run here (no Chromium, or it failed to start)."""


# ---------------------------------------------------------------- small text helpers

def _esc(text: object) -> str:
    """Plotly text is pseudo-HTML: data text (names, citations) must not be read as markup."""
    return html.escape(str(text), quote=False)


def _wrap(text: str, font_px: float, width_px: float) -> list[str]:
    """Lines of `text` that fit `width_px` (Noto Sans averages about 0.55 em per character)."""
    chars = max(20, int(width_px / (font_px * 0.56)))
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        lines.extend(textwrap.wrap(paragraph, chars, break_long_words=False, break_on_hyphens=False) or [""])
    return lines


def _date(value: object) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return pd.Timestamp(str(value)).date()
    except (ValueError, TypeError):
        return None


def date_text(value: object, lang: str) -> str:
    """22/11/2026 (vi), 22 November 2026 (en); a non-date value is shown as given."""
    day = _date(value)
    if day is None:
        return "" if value is None else str(value)
    if lang == "vi":
        return day.strftime("%d/%m/%Y")
    return format_date(day, format="d MMM yyyy", locale=formatting.LOCALES[lang])


def slug(text: str, fallback: str = "dich-vu-2030") -> str:
    """ASCII file-name stem: 'Tăng trưởng dịch vụ' → 'tang-truong-dich-vu'."""
    text = str(text).replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(c.lower() if c.isalnum() else " " for c in ascii_text).split()
    return "-".join(words)[:80] or fallback


# Same rule as widgets.neutralise_formula (which lives beside Streamlit code, so it is not imported
# here); tests/test_export.py checks that the two agree.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """Spreadsheets run text starting with = + - @ as a formula: prefix it with an apostrophe."""
    if isinstance(value, str) and value[:1] in _FORMULA_START:
        return "'" + value
    return value


# ---------------------------------------------------------------- plans cited

def plan_labels(document_numbers: Iterable[str], documents: pd.DataFrame | None, lang: str) -> list[str]:
    """'Kế hoạch 117/KH-UBND — Hải Phòng' for each document number, in the order given (no repeats).

    `documents` is the v_documents frame; numbers it does not know are kept as given.
    """
    lookup: dict[str, str] = {}
    if documents is not None and len(documents):
        for row in documents.itertuples():
            kind = row.document_type_vi if lang == "vi" else formatting.document_type_text(row.document_type_key, lang)
            place = getattr(row, f"province_name_{lang}")
            lookup[row.document_number] = f"{kind} {row.document_number} — {place}"
    labels = []
    for number in dict.fromkeys(str(n) for n in document_numbers if n is not None and str(n) != ""):
        labels.append(lookup.get(number, number))
    return labels


def _as_plans(source: str | Sequence[str] | None) -> list[str]:
    if source is None:
        return []
    if isinstance(source, str):
        return [source] if source else []
    return [str(s) for s in source if s]


def source_text(source: str | Sequence[str] | None, lang: str) -> str:
    """The source sentence: 'Nguồn: A; B.' from plan labels (a ready-made line is kept as it is)."""
    if isinstance(source, str):
        return source
    plans = _as_plans(source)
    return t("export.source", lang, plans="; ".join(plans)) if plans else ""


def credit_text(build_date: object, lang: str) -> str:
    return t("export.credit", lang, built_on=date_text(build_date, lang))


# ---------------------------------------------------------------- dressing a figure

def _source_prefixes() -> tuple[str, ...]:
    """'Nguồn:' / 'Source:': how a chart's own source line starts (it is replaced by the footnote)."""
    return tuple(t("source.line", lang).split("{")[0].strip() for lang in ("vi", "en"))


def plain_text(text: object) -> str:
    """Plotly pseudo-HTML as plain text: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", str(text or ""))).strip()


def _below_plot(annotation) -> bool:
    """An annotation pinned under the plot area (a reading note, a caption), in paper coordinates."""
    if annotation.yref != "paper" or annotation.y is None:
        return False
    return annotation.y < 0 or (annotation.y == 0 and (annotation.yshift or 0) < 0)


def _with_font(node):
    """The figure JSON with every font family set to the declared font."""
    if isinstance(node, dict):
        return {k: (FONT_FAMILY if k == "family" and isinstance(v, str) else _with_font(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_with_font(v) for v in node]
    return node


def _text_px(text: str, font: float) -> float:
    return len(str(text)) * font * 0.56


def _legend_names(fig: go.Figure) -> list[str]:
    if fig.layout.showlegend is False:
        return []
    pies = [trace for trace in fig.data if trace.type in ("pie", "funnelarea")]
    if pies:  # one legend item per slice
        return list(dict.fromkeys(str(label) for trace in pies for label in (trace.labels or ())))
    names = [str(trace.name) for trace in fig.data if trace.showlegend is not False and trace.name]
    # Plotly's own default: a legend when two or more traces would show in it, or one asks for it explicitly
    # (the map's single grey "no plan loaded" entry).
    explicit = any(trace.showlegend is True for trace in fig.data)
    if fig.layout.showlegend is not True and not explicit and \
            len([tr for tr in fig.data if tr.showlegend is not False]) < 2:
        return []
    return names


def _legend_rows(names: Sequence[str], font: float, width: float) -> int:
    rows, used = 0, width
    for name in names:
        item = len(str(name)) * font * 0.6 + font * 4.5  # symbol, gaps
        if used + item > width:
            rows, used = rows + 1, 0.0
        used += item
    return rows


def _axis_labels(fig: go.Figure, letter: str) -> list[str]:
    """Tick labels of the x or y axes as far as the figure says (ticktext, or category data)."""
    labels: list[str] = []
    for name in dir(fig.layout):
        if name.startswith(f"{letter}axis"):
            axis = getattr(fig.layout, name)
            if axis.visible is False:
                continue
            if axis.ticktext:
                labels.extend(str(v) for v in axis.ticktext)
    for trace in fig.data:
        values = getattr(trace, letter, None) if trace.type in ("bar", "scatter", "box", "heatmap") else None
        if values is not None:
            labels.extend(str(v) for v in values if isinstance(v, str))
    return labels


def _has_axes(fig: go.Figure) -> bool:
    cartesian = {"bar", "scatter", "box", "heatmap", "histogram", "violin", "scattergl"}
    visible = fig.layout.xaxis.visible is not False
    return visible and any(trace.type in cartesian for trace in fig.data)


def _has_colour_scale(fig: go.Figure) -> bool:
    for trace in fig.data:
        if getattr(trace, "showscale", None) is True:
            return True
        scaled = ("choropleth", "choroplethmapbox", "choroplethmap", "heatmap")
        if trace.type in scaled and trace.showscale is not False:
            return True
        marker = getattr(trace, "marker", None)
        if marker is not None and getattr(marker, "showscale", None) is True:
            return True
    return False


def _bar_below(fig: go.Figure) -> bool:
    """A horizontal colour bar under the plot (the province map's): it needs room above the footnote, not in the
    right margin."""
    axis = fig.layout.coloraxis
    return axis.showscale is not False and axis.colorbar.orientation == "h" and _has_colour_scale(fig)


def _fit(fig: go.Figure, spec: ExportSize, fixed_px: float) -> tuple[int, int]:
    """Layout size: the page, or up to MAX_FIT times larger when the chart needs more height."""
    natural = fig.layout.height
    if not natural:
        return spec.width, spec.height
    need = natural + fixed_px  # the chart's own height plus what the dressing adds around it
    factor = min(MAX_FIT, max(1.0, need / spec.height))
    if factor == 1.0:
        return spec.width, spec.height
    if spec.width * 9 == spec.height * 16:  # 16:9: keep the 1920×1080 output exact
        k = math.ceil(spec.width / 16 * factor)
        return 16 * k, 9 * k
    return round(spec.width * factor), round(spec.height * factor)


def figure_for_export(fig: go.Figure | dict | str, *, title: str, subtitle: str | None = None, unit: str = "",
                      source: str | Sequence[str] | None = None, build_date: object = None, lang: str = "vi",
                      size: str = "presentation") -> go.Figure:
    """A copy of `fig` dressed for publication at `size` ('presentation' or 'print').

    Title (left-aligned, bold), subtitle = the selection shown, 'Đơn vị: …' line, the legend in a row
    under them, a footnote naming the plans cited and the date of the data build, all in `lang`
    (number separators too) and in the declared font. The chart's own title and source line are
    replaced (`subtitle=None` keeps the chart's own subtitle; "" drops it); its margins are kept where
    they are larger (label columns). A chart taller than the page is laid out on a larger page and
    zoomed out (export_figure keeps the output size). An empty `title` leaves the title to the slide.
    """
    spec = SIZES[size]
    if isinstance(fig, str):
        fig = json.loads(fig)
    out = go.Figure(fig)
    if subtitle is None:
        subtitle = plain_text(out.layout.title.subtitle.text)
    prefixes = _source_prefixes()
    # The chart's own source line and its notes under the plot are for the screen: the footnote replaces them.
    kept = [a for a in out.layout.annotations
            if getattr(a, "name", None) != "export-footnote"
            and not plain_text(a.text).startswith(prefixes)
            and not _below_plot(a)]

    # Text blocks, measured on the page size first; they keep their look when the layout grows.
    def blocks(zoom: float):
        pad, text_width = spec.pad * zoom, spec.width * zoom - 2 * spec.pad * zoom
        title_lines = _wrap(title, spec.title * zoom, text_width) if title else []
        sub_lines = _wrap(subtitle, spec.subtitle * zoom, text_width) if subtitle else []
        unit_line = t("export.unit", lang, unit=unit) if unit else ""
        if unit_line and unit_line not in subtitle:
            sub_lines.append(unit_line)
        note_lines: list[str] = []
        for sentence in (source_text(source, lang), credit_text(build_date, lang)):
            if sentence:
                note_lines.extend(_wrap(sentence, spec.note * zoom, text_width))
        legend_font = spec.font * zoom
        names = _legend_names(out)
        legend_rows = _legend_rows(names, legend_font, text_width) if names else 0
        header = (pad + len(title_lines) * spec.title * zoom * 1.3
                  + (spec.subtitle * zoom * 0.45 if title_lines and sub_lines else 0)
                  + len(sub_lines) * spec.subtitle * zoom * 1.4)
        legend_top = header + spec.font * zoom * 0.6
        legend_h = legend_rows * legend_font * 1.9
        top = legend_top + legend_h + spec.font * zoom * (1.2 if legend_rows else 0.8)
        note_h = len(note_lines) * spec.note * zoom * 1.45
        return dict(pad=pad, title_lines=title_lines, sub_lines=sub_lines, note_lines=note_lines,
                    legend_font=legend_font, legend_top=legend_top, legend_rows=legend_rows, top=top, note_h=note_h)

    font = spec.font
    axes = _has_axes(out)
    x_block = 0.0
    if axes:
        x_block = font * 1.9
        if out.layout.xaxis.title.text:
            x_block += font * 1.9
        x_labels = _axis_labels(out, "x")
        if x_labels:
            longest = max(_text_px(label, font) for label in x_labels)
            per_label = (spec.width * 0.8) / max(1, len(set(x_labels)))
            if longest > per_label:  # plotly turns crowded labels 30° (90° when still crowded)
                x_block += longest * (0.5 if longest * 0.87 < per_label * 2 else 1.0)
    first = blocks(1.0)
    W, H = _fit(out, spec, first["top"] + first["note_h"] + first["pad"] + x_block
                - (out.layout.margin.t or 0) - (out.layout.margin.b or 0))
    zoom = W / spec.width
    b = blocks(zoom)
    pad = b["pad"]

    left = pad
    if axes:
        y_labels = _axis_labels(out, "y")
        label_px = max([_text_px(v, font) for v in y_labels] or [font * 3.5])
        left = pad + label_px + font * 1.2 + (font * 2.0 if out.layout.yaxis.title.text else 0)
    if out.layout.margin.l and out.layout.margin.l >= left:  # the chart's own label column: keep it, pad it
        left = out.layout.margin.l + pad / 2
    right = max(pad, out.layout.margin.r or 0)
    bar_below = _bar_below(out)
    if _has_colour_scale(out) and not bar_below:  # the colour bar sits in the right margin
        right = max(right, pad + font * 7)
    top = b["top"]
    # a colour bar under the plot: its title, bar and ticks between the plot and the footnote (it covered it)
    bottom = pad + b["note_h"] + font * 0.8 + x_block + (font * 3 + 30 if bar_below else 0)

    title_text = "<br>".join(_esc(line) for line in b["title_lines"])
    sub_text = "<br>".join(_esc(line) for line in b["sub_lines"])
    title_font = dict(family=FONT_FAMILY, size=spec.title * zoom, color=TEXT_COLOUR)
    sub_font = dict(family=FONT_FAMILY, size=spec.subtitle * zoom, color=MUTED_COLOUR)
    if not title_text:  # plotly draws no subtitle without a title: the subtitle takes the title's place
        title_text, title_font, sub_text = sub_text, sub_font, ""
    out.update_layout(
        width=W, height=H, autosize=False,
        font=dict(family=FONT_FAMILY, size=font, color=TEXT_COLOUR),
        separators=formatting.plotly_separators(lang),
        paper_bgcolor="white",
        margin=dict(l=left, r=right, t=top, b=bottom, pad=4, autoexpand=False),
        title=dict(text=f"<b>{title_text}</b>" if b["title_lines"] else title_text,
                   x=pad / W, xref="container", xanchor="left", y=1 - pad / H, yref="container",
                   yanchor="top", pad=dict(l=0, t=0, b=0), font=title_font,
                   subtitle=dict(text=sub_text, font=sub_font)),
        legend=dict(orientation="h", x=pad / W, xref="container", xanchor="left", y=1 - b["legend_top"] / H,
                    yref="container", yanchor="top", font=dict(family=FONT_FAMILY, size=b["legend_font"]),
                    bgcolor="rgba(255,255,255,0)", entrywidthmode="pixels"),
        hovermode=False,
    )
    out.update_layout(showlegend=bool(b["legend_rows"]))  # no room is kept for a legend we did not plan
    if b["note_lines"]:
        plot_h = H - top - bottom
        kept.append(go.layout.Annotation(
            name="export-footnote", text="<br>".join(_esc(line) for line in b["note_lines"]),
            xref="paper", yref="paper", x=0, xanchor="left", y=(pad - bottom) / plot_h, yanchor="bottom",
            xshift=-(left - pad), align="left", showarrow=False,
            font=dict(family=FONT_FAMILY, size=spec.note * zoom, color=MUTED_COLOUR)))
    out.layout.annotations = kept
    return go.Figure(_with_font(out.to_plotly_json()))


# ---------------------------------------------------------------- the renderer (one browser)

# Where Debian's fonts-noto-core puts Noto Sans (and other systems' usual places).
NOTO_FONT_FILES = ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
                   "/usr/share/fonts/noto/NotoSans-Regular.ttf", "/usr/local/share/fonts/NotoSans-Regular.ttf")


def missing_packages() -> list[str]:
    """The Debian packages figure export needs and this server lacks: 'chromium' (no export at all without it),
    'fonts-noto-core' (figures then fall back to a font that may lack Vietnamese diacritics)."""
    missing = [] if chromium_path() is not None else ["chromium"]
    if not any(Path(path).exists() for path in NOTO_FONT_FILES):
        missing.append("fonts-noto-core")
    return missing


def chromium_path() -> str | None:
    """Debian's Chromium (kaleido's own download cannot work here): $BROWSER_PATH, PATH, /usr/bin."""
    for candidate in (os.environ.get("BROWSER_PATH"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


class Renderer:
    """One headless Chromium (kaleido) on a private event loop, shared by every thread.

    kaleido's own `start_sync_server` is not used: its call queue is not safe across threads
    (Streamlit runs sessions and deferred downloads on several) and it waits forever when the
    browser fails to start. Here each render has a timeout and a failed browser is restarted once.
    """

    def __init__(self, timeout: float = 90.0):
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None
        self.timeout = timeout
        self.renders = 0  # figures actually rendered (tests read it to see cache hits)

    @property
    def running(self) -> bool:
        return self._kaleido is not None

    def start(self) -> None:
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        if self._kaleido is not None:
            return
        path = chromium_path()
        if path is None:
            raise ExportUnavailable("Chromium not found: apt-get install -y " + " ".join(APT_PACKAGES))
        import kaleido  # imported late: it is only needed once a figure is rendered

        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="dv2030-kaleido", daemon=True)
        thread.start()

        async def open_browser():
            browser = kaleido.Kaleido(path=path, n=1, timeout=self.timeout, mathjax=False)
            await browser.open()
            return browser

        try:
            self._kaleido = asyncio.run_coroutine_threadsafe(open_browser(), loop).result(self.timeout)
        except Exception as error:  # noqa: BLE001 - any start failure means exports are unavailable
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
            raise ExportUnavailable(f"Chromium at {path} did not start: {error}") from error
        self._loop, self._thread = loop, thread

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        browser, loop, thread = self._kaleido, self._loop, self._thread
        self._kaleido = self._loop = self._thread = None
        if browser is None or loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(browser.close(), loop).result(30)
        except Exception:  # noqa: BLE001 - closing a broken browser: nothing more to do
            pass
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(timeout=10)

    def render(self, figure: dict, fmt: str, width: int, height: int, scale: float) -> bytes:
        opts = {"format": fmt, "width": width, "height": height, "scale": scale}
        for attempt in (1, 2):
            with self._lock:
                self._start_locked()
                browser, loop = self._kaleido, self._loop
            future = asyncio.run_coroutine_threadsafe(browser.calc_fig(figure, opts=opts), loop)
            try:
                result = future.result(self.timeout + 10)
                self.renders += 1
                return result
            except Exception:
                future.cancel()
                if attempt == 2:
                    raise
                with self._lock:  # the browser may have died: start a fresh one and try once more
                    if self._kaleido is browser:
                        self._stop_locked()
        raise AssertionError("unreachable")


_renderer = Renderer()


def renderer() -> Renderer:
    return _renderer


def start_renderer() -> None:
    """Start the browser now (e.g. at app start) rather than on the first export."""
    _renderer.start()


def stop_renderer() -> None:
    _renderer.stop()


atexit.register(stop_renderer)


# ---------------------------------------------------------------- the export cache

class ExportCache:
    """Bounded LRU of finished files, by (spec hash, format, size, language). Thread-safe."""

    def __init__(self, max_entries: int = 128, max_bytes: int = 256 * 1024 * 1024):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            data = self._items.get(key)
            if data is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return data

    def put(self, key: tuple, data: bytes) -> None:
        with self._lock:
            if key in self._items:
                self._bytes -= len(self._items.pop(key))
            self._items[key] = data
            self._bytes += len(data)
            while self._items and (len(self._items) > self.max_entries or self._bytes > self.max_bytes):
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
            self.hits = self.misses = 0

    def info(self) -> dict:
        with self._lock:
            return {"hits": self.hits, "misses": self.misses, "entries": len(self._items), "bytes": self._bytes}


_cache = ExportCache()


def export_cache() -> ExportCache:
    return _cache


def figure_hash(fig: go.Figure | dict) -> str:
    spec = fig.to_plotly_json() if isinstance(fig, go.Figure) else fig
    from plotly.utils import PlotlyJSONEncoder
    text = json.dumps(spec, cls=PlotlyJSONEncoder, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _png_with_dpi(data: bytes, dpi: int) -> bytes:
    """Insert a pHYs chunk after IHDR so that applications place the image at its physical size."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or b"pHYs" in data[:64]:
        return data
    ihdr_end = 8 + 8 + struct.unpack(">I", data[8:12])[0] + 4
    per_metre = round(dpi / 0.0254)
    body = b"pHYs" + struct.pack(">IIB", per_metre, per_metre, 1)
    chunk = struct.pack(">I", 9) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
    return data[:ihdr_end] + chunk + data[ihdr_end:]


def export_figure(fig: go.Figure | dict, fmt: str, size: str = "presentation", lang: str = "vi") -> bytes:
    """PNG, SVG or PDF bytes of an (already dressed) figure at `size`; served from the cache when seen."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    spec = SIZES[size]
    figure = fig.to_plotly_json() if isinstance(fig, go.Figure) else fig
    key = (figure_hash(figure), fmt, size, lang)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    width = int(figure.get("layout", {}).get("width") or spec.width)
    height = int(figure.get("layout", {}).get("height") or spec.height)
    scale = spec.scale(fmt)
    if width != spec.width:  # a larger (fitted) layout is zoomed out to the page
        scale = scale * spec.width / width + (1e-9 if fmt == "png" else 0)
    data = _renderer.render(json.loads(go.Figure(figure).to_json()), fmt, width, height, scale)
    if fmt == "png" and spec.dpi:
        data = _png_with_dpi(data, spec.dpi)
    _cache.put(key, data)
    return data


def export_dressed(fig: go.Figure | dict | str, fmt: str, *, title: str, subtitle: str | None = None, unit: str = "",
                   source: str | Sequence[str] | None = None, build_date: object = None, lang: str = "vi",
                   size: str = "presentation") -> bytes:
    """figure_for_export + export_figure in one call (what the download buttons use)."""
    dressed = figure_for_export(fig, title=title, subtitle=subtitle, unit=unit, source=source,
                                build_date=build_date, lang=lang, size=size)
    return export_figure(dressed, fmt, size, lang)


# ---------------------------------------------------------------- slide decks

DECK_KEY = "deck"          # st.session_state key of the basket
DECK_LIMIT = 40


def deck_item(fig: go.Figure, *, title: str, subtitle: str | None = None, unit: str = "",
              source: Sequence[str] = (), lang: str = "vi", page: str = "") -> dict:
    """What the basket keeps for one chart: plain data (figure JSON and texts), safe in session state."""
    figure_json = fig.to_json() if isinstance(fig, go.Figure) else json.dumps(fig)
    item = {"figure": figure_json, "title": title, "subtitle": subtitle, "unit": unit,
            "source": list(_as_plans(source)), "lang": lang, "page": page}
    item["id"] = hashlib.sha256(json.dumps([figure_json, title, subtitle, unit, lang]).encode()).hexdigest()[:16]
    return item


def _plans_cited(items: Sequence[Mapping]) -> list[str]:
    return list(dict.fromkeys(plan for item in items for plan in _as_plans(item.get("source"))))


def _notes(item: Mapping, build_date: object, lang: str) -> str:
    lines = [item.get("title", ""), item.get("subtitle", "")]
    if item.get("unit"):
        lines.append(t("export.unit", lang, unit=item["unit"]))
    lines += [source_text(item.get("source"), lang), credit_text(build_date, lang)]
    return "\n".join(line for line in lines if line)


def _deck_title(title: str | None, lang: str) -> str:
    return title.strip() if title and title.strip() else t("deck.default_title", lang)


def build_deck(items: Sequence[Mapping], lang: str, build_date: object, title: str | None = None) -> bytes:
    """PowerPoint (16:9): title slide, one chart per slide (PNG 1920×1080, its source line in the
    notes), a closing slide listing every plan cited."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Inches, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    width, height = prs.slide_width, prs.slide_height
    margin = Inches(0.5)
    dark, muted = RGBColor(0x1A, 0x1A, 0x1A), RGBColor(0x55, 0x55, 0x55)

    def style(frame, size_pt: int, colour, bold: bool = False) -> None:
        for paragraph in frame.paragraphs:
            for run in paragraph.runs:
                run.font.name, run.font.size, run.font.bold = SLIDE_FONT, Pt(size_pt), bold
                run.font.color.rgb = colour

    def place(shape, left, top, w, h) -> None:
        shape.left, shape.top, shape.width, shape.height = int(left), int(top), int(w), int(h)

    deck_title = _deck_title(title, lang)
    # Title slide
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    place(slide.shapes.title, margin, Inches(2.2), width - 2 * margin, Inches(1.6))
    slide.shapes.title.text = deck_title
    style(slide.shapes.title.text_frame, 40, dark, bold=True)
    sub = slide.placeholders[1]
    place(sub, margin, Inches(4.0), width - 2 * margin, Inches(1.4))
    sub.text = t("deck.title_slide.subtitle", lang, built_on=date_text(build_date, lang), n=len(items))
    style(sub.text_frame, 20, muted)
    slide.notes_slide.notes_text_frame.text = credit_text(build_date, lang)

    # One chart per slide: the slide's own title, the dressed figure (without its title) below it.
    title_h = Inches(0.95)
    for item in items:
        slide = prs.slides.add_slide(prs.slide_layouts[5])  # "Title Only"
        place(slide.shapes.title, margin, Inches(0.2), width - 2 * margin, title_h)
        slide.shapes.title.text = item.get("title", "")
        style(slide.shapes.title.text_frame, 26, dark, bold=True)
        slide.shapes.title.text_frame.word_wrap = True
        png = export_dressed(item["figure"], "png", title="", subtitle=item.get("subtitle", ""),
                             unit=item.get("unit", ""), source=item.get("source"), build_date=build_date,
                             lang=lang, size="presentation")
        top = Inches(0.2) + title_h
        avail_h = height - top - Inches(0.15)
        pic_w = min(width - 2 * Inches(0.25), int(avail_h * 16 / 9))
        pic_h = int(pic_w * 9 / 16)
        picture = slide.shapes.add_picture(io.BytesIO(png), Emu((width - pic_w) // 2), Emu(int(top)),
                                           width=Emu(pic_w), height=Emu(pic_h))
        picture._element.nvPicPr.cNvPr.set("descr", " — ".join(
            x for x in (item.get("title", ""), item.get("subtitle", "")) if x))
        slide.notes_slide.notes_text_frame.text = _notes(item, build_date, lang)

    # Closing slide: the plans cited
    slide = prs.slides.add_slide(prs.slide_layouts[1])  # "Title and Content"
    place(slide.shapes.title, margin, Inches(0.3), width - 2 * margin, Inches(1.0))
    slide.shapes.title.text = t("deck.closing.title", lang)
    style(slide.shapes.title.text_frame, 32, dark, bold=True)
    body = slide.placeholders[1]
    place(body, margin, Inches(1.5), width - 2 * margin, height - Inches(2.3))
    plans = _plans_cited(items) or [t("deck.closing.none", lang)]
    frame = body.text_frame
    frame.word_wrap = True
    frame.text = plans[0]
    for plan in plans[1:]:
        frame.add_paragraph().text = plan
    style(frame, 20 if len(plans) <= 8 else 16 if len(plans) <= 14 else 12, dark)
    footer = slide.shapes.add_textbox(margin, height - Inches(0.7), width - 2 * margin, Inches(0.5))
    footer.text_frame.text = credit_text(build_date, lang)
    style(footer.text_frame, 14, muted)

    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def _text_page(lines: Sequence[tuple[str, int, str, bool]], lang: str) -> go.Figure:
    """A presentation-size page of text only (title and closing pages of the PDF deck)."""
    spec = SIZES["presentation"]
    fig = go.Figure()
    y = 1 - 170 / spec.height
    annotations = []
    for text, size_px, colour, bold in lines:
        for line in _wrap(text, size_px, spec.width - 2 * 80):
            annotations.append(dict(text=("<b>%s</b>" if bold else "%s") % _esc(line), x=80 / spec.width,
                                    y=y, xref="paper", yref="paper", xanchor="left", yanchor="top",
                                    showarrow=False, align="left",
                                    font=dict(family=FONT_FAMILY, size=size_px, color=colour)))
            y -= size_px * 1.45 / spec.height
        y -= 12 / spec.height
    fig.update_layout(width=spec.width, height=spec.height, margin=dict(l=0, r=0, t=0, b=0),
                      xaxis=dict(visible=False), yaxis=dict(visible=False), paper_bgcolor="white",
                      plot_bgcolor="white", annotations=annotations, font=dict(family=FONT_FAMILY),
                      separators=formatting.plotly_separators(lang))
    return fig


def build_deck_pdf(items: Sequence[Mapping], lang: str, build_date: object, title: str | None = None) -> bytes:
    """The same deck as one PDF (16:9 pages): title page, one page per chart, plans cited."""
    from pypdf import PdfReader, PdfWriter

    pages = [export_figure(_text_page([
        (_deck_title(title, lang), 36, TEXT_COLOUR, True),
        (t("deck.title_slide.subtitle", lang, built_on=date_text(build_date, lang), n=len(items)), 18,
         MUTED_COLOUR, False)], lang), "pdf", "presentation", lang)]
    for item in items:
        pages.append(export_dressed(item["figure"], "pdf", title=item.get("title", ""),
                                    subtitle=item.get("subtitle", ""), unit=item.get("unit", ""),
                                    source=item.get("source"), build_date=build_date, lang=lang,
                                    size="presentation"))
    plans = _plans_cited(items) or [t("deck.closing.none", lang)]
    closing = [(t("deck.closing.title", lang), 28, TEXT_COLOUR, True)]
    closing += [("• " + plan, 16 if len(plans) <= 10 else 12, TEXT_COLOUR, False) for plan in plans]
    closing.append((credit_text(build_date, lang), 13, MUTED_COLOUR, False))
    pages.append(export_figure(_text_page(closing, lang), "pdf", "presentation", lang))

    writer = PdfWriter()
    for data in pages:
        writer.append(PdfReader(io.BytesIO(data)))
    writer.add_metadata({"/Title": _deck_title(title, lang), "/Creator": "Dịch vụ 2030"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# ---------------------------------------------------------------- Excel workbook

# Column names of the warehouse views → translation keys of their headers.
HEADER_KEYS = {
    "province_name_vi": "col.province", "province_name_en": "col.province", "province_code": "export.col.province_code",
    "province_2025_name_vi": "col.province_2025", "province_2025_name_en": "col.province_2025",
    "sector": "export.col.sector_key", "sector_label_vi": "col.sector", "sector_label_en": "col.sector",
    "indicator": "export.col.indicator_key", "indicator_label_vi": "col.indicator",
    "indicator_label_en": "col.indicator",
    "kind": "col.kind", "value_low": "export.col.value_low", "value_high": "export.col.value_high",
    "value_mid": "export.col.value_mid", "unit": "export.col.unit_key", "unit_symbol_vi": "col.unit",
    "unit_symbol_en": "col.unit", "comparator": "export.col.comparator", "period_start": "export.col.period_start",
    "period_end": "export.col.period_end", "target_year": "col.year", "year_basis": "export.col.year_basis",
    "section": "col.section", "citation": "export.col.clause", "citation_verified": "export.col.verified",
    "note": "export.col.note", "document_id": "export.col.document_id", "document_number": "col.document",
    "document_type_vi": "col.document_type", "document_title_vi": "export.col.document_title",
    "document_title_en": "export.col.document_title", "document_issue_date": "col.issue_date",
    "issue_date": "col.issue_date", "scope": "export.col.scope", "region_key": "export.col.region",
    "target_id": "export.col.target_id", "ID": "export.col.target_id", "agency_key": "export.col.agency_key",
    "sector_key": "export.col.sector_key",
}
# Headers of year columns, by their warehouse name or as pages translate them: written 2030, never 2.030.
YEAR_HEADER_KEYS = ("col.year", "export.col.period_start", "export.col.period_end")
SOURCE_COLUMNS = ("document_number", "section", "citation")
_WIDE_COLUMNS = {"citation", "note", "document_title_vi", "document_title_en", "title_vi", "title_en"}


def _header(column: object, lang: str) -> str:
    key = HEADER_KEYS.get(str(column))
    return t(key, lang) if key else str(column)


@functools.lru_cache(maxsize=2)
def _translated_headers(lang: str) -> frozenset[str]:
    """Every text of the translation table in `lang`: a page's column already under a translated header."""
    from .i18n import table
    return frozenset(texts[0 if lang == "vi" else 1] for texts in table().values())


def sheet_columns(frame: pd.DataFrame, lang: str) -> list:
    """The columns a workbook's data sheet carries: those with a translated header, i.e. a warehouse column named
    in HEADER_KEYS, or a page's column already under a text of translations.csv. An internal name (row_label,
    kind_label, value_text, benchmark_*, _national …) is never written as a header: such a column is left out."""
    known = _translated_headers(lang)
    return [c for c in frame.columns if str(c) in HEADER_KEYS or str(c) in known]


def _clean_text(text: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _set(cell, value) -> None:
    """Write a value; text is neutralised (= + - @ prefixed with ') and typed as a string."""
    if _missing(value):
        cell.value = None
        return
    if isinstance(value, str):
        cell.value = _clean_text(str(neutralise_formula(value)))
        cell.data_type = "s"
    elif isinstance(value, (bool,)):
        cell.value = bool(value)
    elif hasattr(value, "item") and not isinstance(value, (pd.Timestamp,)):
        _set(cell, value.item())  # numpy scalar
    elif isinstance(value, pd.Timestamp):
        cell.value = value.to_pydatetime().replace(tzinfo=None)
    elif isinstance(value, (int, float, dt.date, dt.datetime)):
        cell.value = value.replace(tzinfo=None) if isinstance(value, dt.datetime) else value
    else:
        _set(cell, str(value))


def _number_format(series: pd.Series, name: str, lang: str = "vi") -> str | None:
    if pd.api.types.is_bool_dtype(series):
        return None
    if pd.api.types.is_datetime64_any_dtype(series):
        return "dd/mm/yyyy"
    if pd.api.types.is_numeric_dtype(series):
        values = pd.to_numeric(series, errors="coerce").dropna()
        integral = bool(len(values)) and bool((values == values.round()).all())
        years = {t(key, lang) for key in YEAR_HEADER_KEYS}
        if integral and ("year" in name or "period" in name or name.endswith("_start") or name.endswith("_end")
                         or name in years):
            return "0"
        return "#,##0" if integral else "#,##0.0##"
    return None


def _write_table(sheet, frame: pd.DataFrame, lang: str, first_column: Sequence | None = None,
                 first_header: str | None = None) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    columns = list(frame.columns)
    headers = ([first_header] if first_column is not None else []) + [_header(c, lang) for c in columns]
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E79")
    for j, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=j)
        _set(cell, header)
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = Border(bottom=Side(style="thin", color="999999"))
    offset = 1 if first_column is not None else 0
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        if first_column is not None:
            _set(sheet.cell(row=i, column=1), first_column[i - 2])
        for j, value in enumerate(row, start=1 + offset):
            _set(sheet.cell(row=i, column=j), value)
    # number formats, widths, wrapping
    for j, header in enumerate(headers, start=1):
        letter = get_column_letter(j)
        name = str(columns[j - 1 - offset]) if j - 1 - offset >= 0 else ""
        series = frame[columns[j - 1 - offset]] if j - 1 - offset >= 0 else pd.Series(first_column)
        fmt = _number_format(series, name, lang)
        wide = name in _WIDE_COLUMNS
        lengths = [len(str(v)) for v in series.head(500) if not _missing(v)]
        width = max([len(str(header))] + lengths) + 2
        sheet.column_dimensions[letter].width = 70 if wide and width > 70 else min(max(width, 8), 45)
        for i in range(2, len(frame) + 2):
            cell = sheet.cell(row=i, column=j)
            if fmt and cell.data_type in ("n", "d"):
                cell.number_format = fmt
            if wide or width > 45:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            else:
                cell.alignment = Alignment(vertical="top")
    sheet.freeze_panes = "A2"
    if headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(1, len(frame) + 1)}"
    sheet.row_dimensions[1].height = 32


def build_workbook(frame: pd.DataFrame, sources: pd.DataFrame | None, filters: Mapping[str, object] | None,
                   build_date: object, lang: str, title: str | None = None) -> bytes:
    """Excel workbook of a selection: data sheet, sources sheet (document, section, clause for every
    row), read-me sheet (title, filters applied, data build date). Text cells are neutralised.

    `filters`: {label: value(s)} of the selection that produced the data, as the page shows them; `{}` says the
    view is unfiltered ('(không lọc)'). The data sheet carries only columns with translated headers
    (`sheet_columns`)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    frame = frame.reset_index(drop=True) if frame is not None else pd.DataFrame()
    if sources is None:  # the document, section and clause columns, by their warehouse or their translated names
        wanted = {c: {c, _header(c, lang)} | ({t("col.citation", lang)} if c == "citation" else set())
                  for c in SOURCE_COLUMNS}
        present = [next(col for col in frame.columns if str(col) in names) for names in wanted.values()
                   if any(str(col) in names for col in frame.columns)]
        sources = frame[present] if present else pd.DataFrame(index=frame.index)
    sources = sources.reset_index(drop=True)
    frame = frame[sheet_columns(frame, lang)]

    book = Workbook()
    data_sheet = book.active
    data_sheet.title = t("export.sheet.data", lang)
    _write_table(data_sheet, frame, lang)

    source_sheet = book.create_sheet(t("export.sheet.sources", lang))
    rows = list(range(2, len(sources) + 2)) if len(sources) == len(frame) else None
    _write_table(source_sheet, sources, lang, first_column=rows,
                 first_header=t("export.col.data_row", lang) if rows else None)

    readme = book.create_sheet(t("export.sheet.readme", lang))
    readme.column_dimensions["A"].width = 28
    readme.column_dimensions["B"].width = 100
    lines: list[tuple[str, object]] = [
        ("Dịch vụ 2030", ""),
        (t("export.readme.contents", lang), title or ""),
        (t("export.readme.built", lang), date_text(build_date, lang)),
        (t("export.readme.exported", lang), date_text(dt.date.today(), lang)),
        (t("export.readme.rows", lang), len(frame)),
        (t("export.readme.language", lang), t("export.language_name", lang)),
        ("", ""),
        (t("export.readme.filters", lang), "" if filters else t("export.readme.no_filters", lang)),
    ]
    for label, value in (filters or {}).items():
        if isinstance(value, (list, tuple, set)):
            value = ", ".join(str(v) for v in value)
        lines.append((f"  {label}", value))
    lines += [("", ""),
              (t("export.sheet.data", lang), t("export.readme.data_sheet", lang)),
              (t("export.sheet.sources", lang), t("export.readme.sources_sheet", lang)),
              (t("export.readme.safety_label", lang), t("export.readme.safety", lang))]
    for i, (label, value) in enumerate(lines, start=1):
        _set(readme.cell(row=i, column=1), label)
        _set(readme.cell(row=i, column=2), value)
        readme.cell(row=i, column=1).font = Font(bold=True)
        readme.cell(row=i, column=2).alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
        readme.cell(row=i, column=1).alignment = Alignment(vertical="top")
    readme.cell(row=1, column=1).font = Font(bold=True, size=16)
    readme.row_dimensions[1].height = 26
    book.move_sheet(readme, offset=-2)  # read me first
    book.active = 0

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def workbook_sheet_names(lang: str) -> list[str]:
    return [t("export.sheet.readme", lang), t("export.sheet.data", lang), t("export.sheet.sources", lang)]


__all__ = [
    "SIZES", "FORMATS", "MIME", "ExportUnavailable", "figure_for_export", "export_figure", "export_dressed",
    "build_deck", "build_deck_pdf", "build_workbook", "deck_item", "plan_labels", "start_renderer",
    "stop_renderer", "export_cache", "renderer", "chromium_path", "slug", "date_text", "DECK_KEY",
]
