"""Numbers and values formatted for the reader's language (8,7% in Vietnamese, 8.7% in English)."""
from __future__ import annotations

import math

from babel.numbers import format_decimal

from .i18n import t

LOCALES = {"vi": "vi_VN", "en": "en_US"}


def number(value: float | int | None, lang: str, decimals: int = 2) -> str:
    """Up to `decimals` decimals, trailing zeros dropped: 1.200.000 / 8,7 (vi); 1,200,000 / 8.7 (en)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    pattern = "#,##0" + ("." + "#" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=LOCALES[lang])


def plotly_separators(lang: str) -> str:
    """Plotly's `separators` layout value: decimal then thousands."""
    return ",." if lang == "vi" else ".,"


def unit_symbol(unit_key: str, symbol_vi: str | None, symbol_en: str | None, lang: str) -> str:
    symbol = symbol_vi if lang == "vi" else symbol_en
    return symbol or ""


def _with_unit(text: str, unit: str) -> str:
    if not unit:
        return text
    return f"{text}{unit}" if unit.startswith("%") else f"{text} {unit}"


def value_text(low: float, high: float, comparator: str, unit: str, lang: str) -> str:
    """A target as the plan states it: 'khoảng 50%', '7–7,5%/năm', 'ít nhất 8%'."""
    if comparator == "range" or low != high:
        core = f"{number(low, lang)}–{number(high, lang)}"
    else:
        core = number(low, lang)
    text = _with_unit(core, unit)
    prefix = t(f"comparator.{comparator}.prefix", lang)
    return f"{prefix} {text}".strip() if prefix else text


def period_text(start: int | None, end: int | None) -> str:
    if start is None or end is None or (isinstance(start, float) and math.isnan(start)):
        return ""
    return f"{int(start)}–{int(end)}" if start != end else str(int(start))
