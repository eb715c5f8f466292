"""Numbers and values formatted for the reader's language (8,7% in Vietnamese, 8.7% in English)."""
from __future__ import annotations

import math
import unicodedata
from functools import lru_cache

from babel.numbers import format_decimal

from .i18n import t

LOCALES = {"vi": "vi_VN", "en": "en_US"}


def number(value: float | int | None, lang: str, decimals: int = 2) -> str:
    """Up to `decimals` decimals, trailing zeros dropped: 1.200.000 / 8,7 (vi); 1,200,000 / 8.7 (en)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return _number(value, lang, decimals)


@lru_cache(maxsize=65536)
def _number(value: float | int, lang: str, decimals: int) -> str:
    """babel's format_decimal costs ~70 µs a call; tables format the same values on every rerun."""
    pattern = "#,##0" + ("." + "#" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=LOCALES[lang])


def ratio_text(value: float | None, lang: str) -> str:
    """A progress ratio R with two decimals always (0,70 beside 0,75, never 0,7) and a true minus sign (−0,25)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = format_decimal(abs(value), format="#,##0.00", locale=LOCALES[lang])
    return f"−{text}" if value < 0 and text.strip("0.,") else text


def plotly_separators(lang: str) -> str:
    """Plotly's `separators` layout value: decimal then thousands."""
    return ",." if lang == "vi" else ".,"


def unit_symbol(unit_key: str, symbol_vi: str | None, symbol_en: str | None, lang: str) -> str:
    symbol = symbol_vi if lang == "vi" else symbol_en
    return symbol or ""


ATTACHED_UNIT_STARTS = ("%", "/")  # '8,7%', '7%/năm', '9/10.000 dân': written against the number


def with_unit(text: str, unit: str) -> str:
    """A number and its unit symbol: a symbol starting with '%' or '/' attaches to the number ('9/10.000 dân',
    not '9 /10.000 dân'); any other follows after a space ('120 tỷ đồng')."""
    if not isinstance(unit, str) or not unit:  # a unit without a symbol (e.g. `count`) reads as NaN from the warehouse
        return text
    return f"{text}{unit}" if unit.startswith(ATTACHED_UNIT_STARTS) else f"{text} {unit}"


def value_text(low: float, high: float, comparator: str, unit: str, lang: str) -> str:
    """A target as the plan states it: 'khoảng 50%', '7–7,5%/năm', 'ít nhất 8%'."""
    if comparator == "range" or low != high:
        core = f"{number(low, lang)}–{number(high, lang)}"
    else:
        core = number(low, lang)
    text = with_unit(core, unit)
    prefix = t(f"comparator.{comparator}.prefix", lang)
    return f"{prefix} {text}".strip() if prefix else text


def period_text(start: int | None, end: int | None) -> str:
    if start is None or end is None or (isinstance(start, float) and math.isnan(start)):
        return ""
    return f"{int(start)}–{int(end)}" if start != end else str(int(start))


# ---------------------------------------------------------------- added for the analytical pages

import re as _re
import unicodedata as _unicodedata

_SPACES = _re.compile(r"\s+")


def is_approximate(comparator: str, value_low: float | None, citation: str | None) -> bool:
    """Whether the plan hedges the value with 'khoảng' (about).

    `comparator == 'about'` says so directly. A range or bound can be hedged too ('khoảng 36,5-37%',
    'tối thiểu khoảng 10 ha'); the warehouse records those as 'range'/'at_least', so the verbatim clause
    is read: 'khoảng' (optionally 'từ') immediately before the first number of the value.
    """
    if comparator == "about":
        return True
    if not isinstance(citation, str) or value_low is None or (isinstance(value_low, float) and math.isnan(value_low)):
        return False
    text = _SPACES.sub(" ", _unicodedata.normalize("NFC", citation)).lower()
    if "khoảng" not in text:  # every pattern below starts with it; most clauses have none (saves the regexes)
        return False
    spellings = {number(value_low, "vi"), number(value_low, "vi").replace(".", ""), f"{value_low:g}"}
    for spelled in spellings:
        if _re.search(r"khoảng (từ )?" + _re.escape(spelled) + r"(?![\d,])", text):
            return True
    return False


def value_label(low: float, high: float, comparator: str, unit: str, lang: str, approximate: bool = False) -> str:
    """`value_text` plus 'khoảng' where the plan hedges a range or bound: 'khoảng 36,5–37%', 'ít nhất khoảng 10 ha'."""
    text = value_text(low, high, comparator, unit, lang)
    if approximate and comparator != "about":
        about = t("comparator.about.prefix", lang)
        prefix = t(f"comparator.{comparator}.prefix", lang)
        if prefix:
            return f"{prefix} {about} {text[len(prefix):].strip()}"
        return f"{about} {text}"
    return text


_MISSING = object()


def _field(row, name: str):
    """A field of a row given as a mapping (dict, pandas Series) or as a named tuple (itertuples)."""
    if isinstance(row, tuple):
        value = getattr(row, name, _MISSING)
    else:
        try:
            value = row[name]
        except (KeyError, IndexError):
            value = _MISSING
    if value is _MISSING:
        raise KeyError(f"the row has no {name!r}: read it from v_targets with the value")
    return value


def stated_value(row, lang: str, unit: str | None = None) -> str:
    """THE text of a value as the plan states it, for every table, card, chart label, hover, map label and export:
    'khoảng 36,5–37%', 'ít nhất 8%', '9/10.000 dân'.

    `row`: a row of v_targets (mapping or named tuple) with value_low, value_high, comparator and `approximate`
    (the warehouse's flag that the plan hedges the value with 'khoảng'; it is never re-detected here). `unit`: the
    symbol to write, by default the row's `unit_symbol_<lang>`."""
    if unit is None:
        unit = _field(row, f"unit_symbol_{lang}")
    if not isinstance(unit, str):  # NaN / None: a unit without a symbol
        unit = ""
    approximate = _field(row, "approximate")
    approximate = bool(approximate) if _present(approximate) else False
    return value_label(float(_field(row, "value_low")), float(_field(row, "value_high")), _field(row, "comparator"),
                       unit, lang, approximate)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def source_note(row, lang: str) -> str:
    """Where a value without a verbatim clause was read (a listed source: an official report or the press, with a
    locator in the curators' words), or '' for a value whose clause is held. Never 'None'."""
    if _text(get_field(row, "citation")):
        return ""
    publisher, locator = _text(get_field(row, "source_publisher")), _text(get_field(row, "locator"))
    if not publisher and not locator:
        return t("source.none", lang)
    tier = _text(get_field(row, "source_tier"))
    kind = t(f"source.tier.{tier}", lang) if tier in ("official_report", "press") else t("source.tier.other", lang)
    return t("source.listed", lang, kind=kind, publisher=publisher or "–", locator=locator or "–")


def where_read(row, lang: str) -> str:
    """Where a value was read, in one line: its tier, then for a listed source its publisher, date and the
    locator in the curators' words ('Báo cáo chính thức: VietnamPlus · 07/11/2025 · closing report, …')."""
    tier = _text(get_field(row, "source_tier")) or "primary_text"
    if tier == "primary_text":
        return t("tier.primary_text", lang)
    parts = [_text(get_field(row, "source_publisher")) or "–"]
    if _present(get_field(row, "source_date")):
        parts.append(date_text(get_field(row, "source_date"), lang))
    if _text(get_field(row, "locator")):
        parts.append(_text(get_field(row, "locator")))
    return f"{t('tier.' + tier, lang)}: " + " · ".join(parts)


def clause_or_source(row, lang: str) -> str:
    """The verbatim clause of a value, or, when there is none, where it was read (`source_note`)."""
    return _text(get_field(row, "citation")) or source_note(row, lang)


def section_text(value: object) -> str:
    """A section of a plan ('II.1'), or '' where the value has none (read from a listed source)."""
    return _text(value) if isinstance(value, str) else ""


def get_field(row, name: str):
    """A field of a row (mapping or named tuple), None where the row has no such field."""
    return getattr(row, name, None) if isinstance(row, tuple) else row.get(name)


def document_type_text(key: object, lang: str) -> str:
    """A document type in English (plans.type.<key>), the same on every page and in every export; a type the
    translation table does not know yet reads as its key in words rather than failing the page."""
    from .i18n import table
    name = f"plans.type.{key}"
    return t(name, lang) if name in table() else str(key).replace("_", " ").capitalize()


def year_text(target_year: int | float | None, period_start: int | float | None, period_end: int | float | None) -> str:
    """The period of an average-growth target ('2021–2025'), else its target year ('2030')."""
    period = period_text(period_start, period_end) if _present(period_start) and _present(period_end) else ""
    if period:
        return period
    return str(int(target_year)) if _present(target_year) else ""


def _present(value: object) -> bool:
    if value is None:
        return False
    try:
        return not (value != value)  # NaN, pd.NA
    except (TypeError, ValueError):
        return False


def date_text(value: object, lang: str) -> str:
    """A date as 15/08/2024 (vi) or 15 Aug 2024 (en)."""
    if not _present(value):
        return ""
    import datetime as _dt
    from babel.dates import format_date
    if isinstance(value, str):
        value = _dt.date.fromisoformat(value[:10])
    elif hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime().date()
    return format_date(value, format="dd/MM/yyyy" if lang == "vi" else "d MMM yyyy", locale=LOCALES[lang])


def search_key(text: object, fold_diacritics: bool) -> str:
    """Text prepared for searching: NFC, lower case, collapsed spaces; optionally without diacritics (đ → d)."""
    if not isinstance(text, str):
        return ""
    text = _SPACES.sub(" ", _unicodedata.normalize("NFC", text)).strip().lower()
    if fold_diacritics:
        text = text.replace("đ", "d")
        text = "".join(c for c in _unicodedata.normalize("NFD", text) if not _unicodedata.combining(c))
        text = _unicodedata.normalize("NFC", text)
    return text


# Advance widths in em of a sans-serif font (Arial/Helvetica metrics, which Liberation Sans shares; Source Sans is
# narrower): by base letter, so that Vietnamese letters with marks measure like their base letter.
_EM = {**dict.fromkeys("ijl'|!.,:;", 0.23), **dict.fromkeys("ftrI -()[]/“”", 0.33), "m": 0.84, "w": 0.73,
       "M": 0.84, "W": 0.95, "%": 0.9, "—": 1.0, "…": 1.0}


@lru_cache(maxsize=4096)
def text_width_px(text: str, size: float) -> float:
    """An estimate (on the generous side) of `text`'s width in pixels at font `size`, for laying out a chart's
    margins without a browser."""
    em = 0.0
    for char in text:
        base = unicodedata.normalize("NFD", char)[:1] or char
        em += _EM.get(base, 0.72 if base.isupper() else 0.58)
    return em * size
