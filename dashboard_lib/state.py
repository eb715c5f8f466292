"""Page state kept in the URL, so that a copied link reproduces the view.

Each page reads its filters with `url_values`/`url_value` (unknown or malicious values fall back to
defaults and are reported) and writes them back with `set_url` whenever a widget changes.
"""
from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from .i18n import DEFAULT_LANGUAGE, LANGUAGES, t

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}
MAX_PARAM_LENGTH = 200
PENDING_PROBLEMS = "url_problems_pending"  # link parameters read by dashboard.py, reported by the page's notice


def language() -> str:
    """The UI language: from the URL, else what this session chose before, else Vietnamese. A `lang` the app does
    not have is reported by the page's invalid-link notice (widgets.notice_invalid_url), like any other parameter."""
    requested = st.query_params.get("lang")
    if requested in LANGUAGES:
        lang = requested
    else:
        if requested is not None:
            st.session_state[PENDING_PROBLEMS] = ["lang"]
        lang = st.session_state.get("lang", DEFAULT_LANGUAGE)
    st.session_state["lang"] = lang
    st.query_params["lang"] = lang  # page switches drop query parameters: put it back
    return lang


def language_selector(lang: str) -> str:
    choice = st.sidebar.radio(t("app.language", lang), LANGUAGES, index=LANGUAGES.index(lang),
                              format_func=LANGUAGE_NAMES.get, horizontal=True, key="language_choice")
    if choice != lang:
        st.session_state["lang"] = choice
        st.query_params["lang"] = choice
        st.rerun()
    return choice


def url_values(name: str, allowed: Sequence[str], default: Sequence[str], problems: list[str]) -> list[str]:
    """A multi-valued filter from the URL (comma separated). Unknown values are dropped and reported."""
    raw = st.query_params.get(name)
    if raw is None:
        return list(default)
    if len(raw) > MAX_PARAM_LENGTH * 10:
        problems.append(f"{name}")
        return list(default)
    values = [v for v in raw.split(",") if v]
    valid = [v for v in values if v in allowed]
    if len(valid) != len(values):
        problems.append(f"{name}")
    return valid if valid or not values else list(default)


def url_value(name: str, allowed: Sequence[str], default: str | None, problems: list[str]) -> str | None:
    raw = st.query_params.get(name)
    if raw is None:
        return default
    if raw in allowed:
        return raw
    problems.append(f"{name}")
    return default


def set_url(name: str, value: str | Sequence[str] | None) -> None:
    if value is None or (not isinstance(value, str) and len(value) == 0):
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = value if isinstance(value, str) else ",".join(value)


# ---------------------------------------------------------------- added for the analytical pages

def seed(key: str, value: object) -> bool:
    """Give a widget its value from the URL the first time it renders in this session.

    Returns True when the URL was read (the page's first run), so link problems are reported once."""
    if key in st.session_state:
        return False
    st.session_state[key] = value
    return True


def keep_valid(key: str, allowed: Sequence[str], default: object, multi: bool = False) -> None:
    """Drop a widget's values that are no longer among its options (they depend on other filters).

    When the options vanish altogether (another filter was emptied: every province cleared), the choice is put
    aside rather than emptied, and given back when options return (what of it is still offered, else `default`):
    clearing a filter and choosing again never leaves another filter empty, blocking every row."""
    if key not in st.session_state:
        return
    shelf = f"{key}.shelved"
    value = st.session_state[key]
    if not allowed:
        if value is not None and not (multi and len(value) == 0):
            st.session_state[shelf] = value
        st.session_state[key] = [] if multi else default
        return
    if shelf in st.session_state:
        value = st.session_state.pop(shelf)
        st.session_state[key] = value
    if multi:
        kept = [v for v in (value or []) if v in allowed]
        if len(kept) != len(value or []):
            st.session_state[key] = kept if kept else list(default)
    elif value not in allowed:
        st.session_state[key] = default


def sync_url(name: str, value: str | Sequence[str] | None, default: str | Sequence[str] | None = None) -> None:
    """Write a filter to the URL; a value equal to the default is left out, so links stay short."""
    if default is not None and (value == default or (not isinstance(value, str) and value is not None
                                                     and not isinstance(default, str)
                                                     and list(value) == list(default))):
        st.query_params.pop(name, None)
        return
    if value is not None and not isinstance(value, str) and len(value) == 0:
        st.query_params[name] = ""  # an explicitly empty selection, kept so the link reproduces it
        return
    set_url(name, value)


def url_flag(name: str, default: bool, problems: list[str]) -> bool:
    """A yes/no option from the URL: 1/0 (also true/false, yes/no)."""
    raw = st.query_params.get(name)
    if raw is None:
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    problems.append(name)
    return default


def url_text(name: str, problems: list[str], max_length: int = MAX_PARAM_LENGTH) -> str:
    """Free text from the URL (a search), cut to a sane length."""
    raw = st.query_params.get(name)
    if raw is None:
        return ""
    if len(raw) > max_length:
        problems.append(name)
        return raw[:max_length]
    return raw
