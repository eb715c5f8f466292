"""Small Streamlit building blocks every page uses the same way: source line, CSV download, notices."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import streamlit as st

from .i18n import t


def csv_bytes(frame: pd.DataFrame | pa.Table) -> bytes:
    """UTF-8 with BOM so that Excel opens Vietnamese text correctly; formula-like text neutralised."""
    safe = frame.to_pandas() if isinstance(frame, pa.Table) else frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or str(safe[column].dtype) in ("str", "string"):
            safe[column] = safe[column].map(neutralise_formula)
    return safe.to_csv(index=False).encode("utf-8-sig")


def neutralise_formula(value: object) -> object:
    """Spreadsheets run text starting with = + - @ as a formula: prefix it with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_download(frame: pd.DataFrame | pa.Table, file_stem: str, lang: str, key: str) -> None:
    # The CSV is written when the button is clicked (Streamlit's deferred download), not on every rerun: at 100×
    # the data, writing the task list's CSV took 2 s of each rerun of the tasks page. An Arrow table (what a page
    # gives st.dataframe) is immutable; a frame is copied lazily (copy-on-write), so later changes do not reach it.
    snapshot = frame if isinstance(frame, pa.Table) else frame.copy(deep=False)
    st.download_button(t("widget.download_csv", lang), lambda: csv_bytes(snapshot), file_name=f"{file_stem}.csv",
                       mime="text/csv", key=key, icon=":material/download:")


def source_line(document_numbers: list[str], built_on: str, lang: str) -> str:
    documents = ", ".join(sorted(dict.fromkeys(document_numbers)))
    return t("source.line", lang, documents=documents, built_on=built_on)


def notice_invalid_url(messages: list[str], lang: str) -> None:
    if messages:
        st.info(t("state.invalid_url", lang) + " " + "; ".join(messages))


# ---------------------------------------------------------------- added for the analytical pages

_MARKDOWN_SPECIAL = "\\`*_{}[]()#+-.!|<>~:$"


def escape_markdown(text: object) -> str:
    """Text from the data shown inside st.markdown as plain text (no markup, no HTML, no LaTeX)."""
    value = "" if text is None else str(text)
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in value)



def plain_table(frame: pd.DataFrame) -> None:
    """st.table renders Markdown in cells and headers: show data-derived text (plan, province names) literally."""
    def escape(value: object) -> object:
        return escape_markdown(value) if isinstance(value, str) else value
    shown = frame.map(escape)
    shown.index = [escape(v) for v in shown.index]
    shown.index.name = escape(frame.index.name)
    shown.columns = [escape(c) for c in shown.columns]
    st.table(shown)
