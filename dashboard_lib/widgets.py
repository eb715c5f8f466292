"""Small Streamlit building blocks every page uses the same way: source line, CSV download, notices."""
from __future__ import annotations

import html
import math
import re
from collections.abc import Callable

import pandas as pd
import pyarrow as pa
import streamlit as st

from . import formatting
from .i18n import t
from .state import PENDING_PROBLEMS


def csv_bytes(frame: pd.DataFrame | pa.Table) -> bytes:
    """UTF-8 with BOM so that Excel opens Vietnamese text correctly; formula-like text neutralised."""
    safe = frame.to_pandas() if isinstance(frame, pa.Table) else frame.copy()  # neutralised below, not the original
    for column in safe.columns:
        if safe[column].dtype == object or str(safe[column].dtype) in ("str", "string"):
            safe[column] = safe[column].map(neutralise_formula)
    return safe.to_csv(index=False).encode("utf-8-sig")


def neutralise_formula(value: object) -> object:
    """Spreadsheets run text starting with = + - @ as a formula: prefix it with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def snapshot(frame: pd.DataFrame | pa.Table | None) -> pd.DataFrame | pa.Table | None:
    """A table as it is now, for a file built later (on a click): an Arrow table is immutable (shared results hold
    them); a frame is copied lazily (copy-on-write), so later changes by the page do not reach the file."""
    return frame.copy(deep=False) if isinstance(frame, pd.DataFrame) else frame


def as_frame(frame: pd.DataFrame | pa.Table | None) -> pd.DataFrame | None:
    return frame.to_pandas() if isinstance(frame, pa.Table) else frame


def csv_download(frame: pd.DataFrame | pa.Table | Callable[[], pd.DataFrame], file_stem: str, lang: str,
                 key: str) -> None:
    """A CSV download button. The CSV is written when the button is clicked (Streamlit's deferred download), not on
    every rerun: at 100× the data, writing the task list's CSV took 2 s of each rerun of the tasks page.

    `frame` is the table, or a function that builds it (for a table too large to hold for every rerun: it is then
    built only on a click). An Arrow table is immutable; a frame is copied lazily (copy-on-write), so later changes
    by the page do not reach the download."""
    if callable(frame):
        build = frame
    else:
        kept = snapshot(frame)
        build = lambda: kept  # noqa: E731
    st.download_button(t("widget.download_csv", lang), lambda: csv_bytes(build()), file_name=f"{file_stem}.csv",
                       mime="text/csv", key=key, icon=":material/download:")


# Keys of the headers of short columns that must show whole (periods, years): a column autosized while its tab was
# hidden, or squeezed by wide neighbours, is cut without an ellipsis ('2016–2020' read '2016–20' in English, whose
# header 'Period' is narrower than the Vietnamese one), a document number cut is no reference at
# all, and a value cut ('about 7–8%/ye') no value.
WHOLE_COLUMN_KEYS = ("col.period", "col.year", "col.horizon", "col.issue_date", "col.document",
                     "col.value", "col.tier")
GRID_FONT_PX = 14.0   # st.dataframe's font size
GRID_PADDING_PX = 28  # cell padding, and room for the header's sort arrow


def whole_columns(frame: pd.DataFrame | pa.Table, lang: str, config: dict | None = None) -> dict:
    """st.dataframe's column_config with a fixed width for each period / year / date column of `frame`: the width
    of its longest value or of its header, so that it is never cut. `config`: the page's own settings, kept (a
    column it sets is left as it is)."""
    config = dict(config or {})
    names = frame.column_names if isinstance(frame, pa.Table) else [str(c) for c in frame.columns]
    for header in (t(key, lang) for key in WHOLE_COLUMN_KEYS):
        if header not in names or header in config:
            continue
        values = (frame.column(header).to_pylist() if isinstance(frame, pa.Table) else frame[header].tolist())
        texts = [header] + [str(v) for v in values[:500] if v is not None and v == v]
        width = max(formatting.text_width_px(text, GRID_FONT_PX) for text in texts) + GRID_PADDING_PX
        config[header] = st.column_config.TextColumn(width=math.ceil(width))
    return config


# The width a table has on a 1440 px screen (wide layout, sidebar open: 978 px), less a row-selection column and
# the vertical scrollbar. Wider than this, a table's right-hand columns were cut off behind a horizontal scroll.
TABLE_WIDTH_PX = 920
MAX_COLUMN_PX = 420   # a long text column never wider than this: the rest shows on hover


def fitted_columns(frame: pd.DataFrame | pa.Table, lang: str, config: dict | None = None,
                   width: int = TABLE_WIDTH_PX) -> dict:
    """st.dataframe's column_config sizing every column so that the table fits `width`: short columns (codes,
    periods, numbers) as wide as their longest value or header, long text columns sharing what is left equally
    (a cell longer than its column ends in '…' and shows whole on hover). Columns hidden by `config` (None) or given
    a width in pixels by it (or by `whole_columns`) keep it."""
    config = whole_columns(frame, lang, config)
    names = frame.column_names if isinstance(frame, pa.Table) else [str(c) for c in frame.columns]
    natural: dict[str, float] = {}
    room = float(width)
    for name in names:
        setting = config.get(name, {})
        if name in config and setting is None:
            continue
        if isinstance(setting, dict) and isinstance(setting.get("width"), int):
            room -= setting["width"]
            continue
        link = ((setting or {}).get("type_config") or {}).get("display_text") if isinstance(setting, dict) else None
        values = [link] if link else (frame.column(name).to_pylist()[:200] if isinstance(frame, pa.Table)
                                      else frame[name].tolist()[:200])
        texts = [name] + [str(v) for v in values if v is not None and v == v]
        natural[name] = max(formatting.text_width_px(text, GRID_FONT_PX) for text in texts) + GRID_PADDING_PX
    # Narrowest first: each column takes what it needs, up to an equal share of the room left (never more: a
    # floor under the share pushed a table of many columns past its width again).
    for index, name in enumerate(sorted(natural, key=natural.get)):
        share = max(room, 0) / (len(natural) - index)
        fitted = math.floor(min(natural[name], share, MAX_COLUMN_PX))
        room -= fitted
        setting = config.get(name)
        config[name] = {**setting, "width": fitted} if isinstance(setting, dict) else {"width": fitted}
    return config


# A table of at most this many rows shows them all: an inner scroll hid the last rows of short tables.
SHORT_TABLE_ROWS = 20


def rows_height(rows: int) -> int | str:
    """st.dataframe's height: every row of a short table, Streamlit's ten rows and a scroll for a longer one."""
    return "content" if rows <= SHORT_TABLE_ROWS else "auto"


# Rows a table on a page shows at most: more is no use to a reader, and every row shown costs each rerun. The CSV
# download of such a table holds every row.
LIST_LIMIT = 500


def capped_note(shown: int, total: int, key: str, lang: str, **extra: object) -> str | None:
    """'Showing 500 of 34.800 …' (translation `key`, with {shown} and {total}) when a table stops before its last
    row; None when it shows them all."""
    if total <= shown:
        return None
    return t(key, lang, shown=formatting.number(shown, lang, 0), total=formatting.number(total, lang, 0), **extra)


# Plans a source line names at most: at 100× the data a selection can draw on 500 plans, and a line naming them
# all runs off the chart. The chart's CSV and exports name every plan.
SOURCE_LIMIT = 8


def source_line(document_numbers, built_on: str | None, lang: str) -> str:
    """'Nguồn: 117/KH-UBND, 158/KH-UBND …' under a chart (and inside exported figures). `built_on`: the build date
    as the reader writes it (data.built_on_text); its spaces are made non-breaking, so that a chart wrapping its
    source line never splits '22 Nov 2026'."""
    numbers = sorted(dict.fromkeys(str(d) for d in document_numbers))
    documents = ", ".join(numbers[:SOURCE_LIMIT])
    if len(numbers) > SOURCE_LIMIT:
        documents += " " + t("source.more", lang, n=formatting.number(len(numbers) - SOURCE_LIMIT, lang, 0))
    return t("source.line", lang, documents=documents, built_on=(built_on or "–").replace(" ", "\u00a0"))


def t_markdown(key: str, lang: str, **values: object) -> str:
    """A translation shown through Markdown (st.info, st.caption, st.markdown, widget labels) with its values, which
    come from the URL or the data, escaped: a search text or a name cannot add a link, an image or formatting."""
    return t(key, lang, **{name: escape_markdown(value) for name, value in values.items()})


def notice_invalid_url(messages: list[str], lang: str) -> None:
    """The notice naming the link parameters that were not valid (the page's, and `lang`, which dashboard.py
    reads before the page runs)."""
    messages = [*st.session_state.pop(PENDING_PROBLEMS, []), *messages]
    if messages:
        st.info(t("state.invalid_url", lang) + " " + "; ".join(messages))


# ---------------------------------------------------------------- added for the analytical pages

_MARKDOWN_SPECIAL = "\\`*_{}[]()#+-.!|<>~:$="  # ':' for emoji and icon shortcodes, '=' for setext headings


def escape_html(text: object) -> str:
    """Data text shown as text in HTML or in Plotly's labels and hover: <, > and & escaped so it cannot add markup,
    and the characters that reorder text removed; a missing value is empty. Quotes stay as they are (Plotly shows
    an escaped quote as the literal text &quot;, and text is never put inside an attribute)."""
    if text is None or (isinstance(text, float) and text != text):
        return ""
    return html.escape(strip_bidi(text), quote=False)


# Characters that reorder the text around them (right-to-left override and its kin): a file named
# "plan\u202Etxt.exe" would read "planexe.txt". Data and file names are shown without them.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_bidi(text: object) -> str:
    """`text` without the invisible characters that change the direction of what follows them."""
    return BIDI_CONTROLS.sub("", "" if text is None else str(text))


# Streamlit's Markdown turns bare web addresses and e-mail addresses into links after parsing, so escaping their
# characters does not stop it: a word joiner (U+2060, invisible, not a space) inside "https:", "www." and before "@"
# does, and the text reads the same.
_AUTOLINK = re.compile(r"(?i)(https?|ftps?|mailto|xmpp|www)(?=[:.])|(?=@)")
WORD_JOINER = "\u2060"


def escape_markdown(text: object) -> str:
    """Text from the data or the URL shown inside st.markdown (st.info, st.caption, widget labels …) as plain text:
    no markup, no HTML, no LaTeX, no shortcodes, no link made of a bare address, no reordering of what follows."""
    value = strip_bidi(text)
    value = _AUTOLINK.sub(lambda m: (m.group(1) or "") + WORD_JOINER, value)
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in value)


class HtmlBlock(str):
    """Markup built once and cached. st.html takes it through `_repr_html_` as it is: given a plain string, it
    dedents and strips it first, a scan of the whole text on every rerun (1.5 ms for 63 cards)."""

    def _repr_html_(self) -> str:
        return str.__str__(self)


# Static tables styled like st.table (light theme), as HTML. st.table renders every header and cell through its
# Markdown renderer: the ~300 cells of the trajectories page cost the browser 0.3 s before the chart could be
# drawn. Data text is plain text, so it is HTML-escaped here and shown exactly as it is.
_TABLE_STYLE = """<style>
.dv-tables{display:flex;flex-direction:column;gap:1rem}
.dv-tables .dv-table-title{margin:0;font-weight:600}
.dv-table{border:1px solid rgba(47,45,43,.1);border-radius:.5rem;overflow-x:auto;font-size:.875rem;line-height:1.5}
.dv-table table{border-spacing:0;min-width:100%;color:inherit}
.dv-table th,.dv-table td{padding:.25rem .375rem;border-right:1px solid rgba(47,45,43,.1);
  border-bottom:1px solid rgba(47,45,43,.1);vertical-align:middle;text-align:left;font-weight:400;white-space:nowrap}
.dv-table th{color:rgba(47,45,43,.7);padding-left:.5rem}
.dv-table tr>:last-child{border-right:none}
.dv-table tbody tr:last-child>*{border-bottom:none}
.dv-table :is(th,td)>div{display:inline-block;max-width:25rem;white-space:normal;vertical-align:top}
</style>"""


def table_markup(frame: pd.DataFrame) -> str:
    """`frame` as an HTML table, its index as the first column (headed by the index name); text escaped. Each
    cell's text is a block at most 25rem wide, so long text wraps and a wide table narrows its columns first."""
    head = "".join(f"<th><div>{escape_html(name)}</div></th>" for name in [frame.index.name, *frame.columns])
    rows = "".join(
        f'<tr><th scope="row"><div>{escape_html(label)}</div></th>'
        + "".join(f"<td><div>{escape_html(value)}</div></td>" for value in values) + "</tr>"
        for label, values in zip(frame.index, frame.itertuples(index=False, name=None)))
    return f'<div class="dv-table"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'


def tables_markup(tables: list[tuple[str | None, pd.DataFrame]]) -> HtmlBlock:
    """Tables (each under its bold title, when it has one) as one element: see `table_markup`."""
    parts = [(f'<p class="dv-table-title">{escape_html(title)}</p>' if title else "") + table_markup(frame)
             for title, frame in tables]
    return HtmlBlock(f'{_TABLE_STYLE}<div class="dv-tables">{"".join(parts)}</div>')


def scroll_box(key: str, min_width: int) -> None:
    """The charts in `st.container(key=key)` never narrower than `min_width` px: a narrower screen scrolls them
    sideways inside the container, not the page. A style only: st.html keeps it out of the layout."""
    # on the chart's element container: Streamlit sizes a Plotly chart to the width of that container
    st.html(f'<style>.st-key-{key}{{overflow-x:auto}}.st-key-{key} [data-testid="stElementContainer"]'
            f':has([data-testid="stPlotlyChart"]){{min-width:{int(min_width)}px}}</style>')


def html_block(markup: HtmlBlock) -> None:
    """Markup built once (`tables_markup`, `card_grid_markup`) as one element."""
    st.html(markup)


# Cards in a responsive grid, styled like Streamlit's bordered containers and captions (light theme).
_CARD_GRID_STYLE = """<style>
.dv-cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(15.5rem,1fr));gap:1rem;margin:.25rem 0 .5rem}
.dv-card{border:1px solid rgba(49,51,63,.2);border-radius:.5rem;padding:.9rem 1rem .6rem}
.dv-card p{margin:0 0 .35rem;line-height:1.45}
.dv-card h3.dv-name{font-size:1.1rem;font-weight:600;margin:0 0 .3rem;padding:0;scroll-margin:0}
.dv-card .dv-note{color:#5c5e66;font-size:.875rem}
.dv-card .dv-verdict{font-size:.875rem;font-weight:600;color:#262730}
.dv-card .dv-indicator{font-weight:600;margin-top:.6rem}
.dv-card .dv-value strong{background:rgba(28,131,225,.1);color:#0054a3;border-radius:.25rem;padding:.05rem .3rem}
</style>"""


def card_grid_markup(cards: list[str]) -> HtmlBlock:
    """HTML cards (already escaped: see tables.headline_cards) as one grid, in as many columns as fit."""
    return HtmlBlock(f'{_CARD_GRID_STYLE}<div class="dv-cards">{"".join(cards)}</div>')
