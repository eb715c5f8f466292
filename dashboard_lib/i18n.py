"""The one translation table of the user interface: every visible string, in Vietnamese and English.

The strings live in `translations.csv` (key, vi, en) so translators can edit them in a spreadsheet.
Names of provinces, sectors, indicators and units are data, not strings: they come from the
reference tables (`*_vi` / `*_en` columns) through `label_column`.
"""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
TRANSLATIONS_CSV = Path(__file__).with_name("translations.csv")


@lru_cache(maxsize=1)
def table() -> dict[str, tuple[str, str]]:
    with TRANSLATIONS_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    text: dict[str, tuple[str, str]] = {}
    for number, row in enumerate(rows, start=2):
        key = row["key"]
        if key in text:
            raise ValueError(f"{TRANSLATIONS_CSV.name}, row {number}, field 'key': duplicate key '{key}'")
        if not row["vi"] and not row["en"] and not key.endswith(".prefix"):
            raise ValueError(f"{TRANSLATIONS_CSV.name}, row {number}: '{key}' has no text")
        text[key] = (row["vi"], row["en"])
    return text


def t(key: str, lang: str, **values: object) -> str:
    """Translated text; a missing key is a bug, so it fails loudly (tests open every page)."""
    vi, en = table()[key]
    text = vi if lang == "vi" else en
    return text.format(**values) if values else text


def label_column(base: str, lang: str) -> str:
    """Column holding a reference label in the reader's language, e.g. name_vi / name_en."""
    return f"{base}_{lang}"
