"""Small Streamlit building blocks every page uses the same way: source line, CSV download, notices."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from .i18n import t


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM so that Excel opens Vietnamese text correctly; formula-like text neutralised."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or str(safe[column].dtype) in ("str", "string"):
            safe[column] = safe[column].map(neutralise_formula)
    return safe.to_csv(index=False).encode("utf-8-sig")


def neutralise_formula(value: object) -> object:
    """Spreadsheets run text starting with = + - @ as a formula: prefix it with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_download(frame: pd.DataFrame, file_stem: str, lang: str, key: str) -> None:
    st.download_button(t("widget.download_csv", lang), csv_bytes(frame), file_name=f"{file_stem}.csv",
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

