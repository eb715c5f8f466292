"""The editor gate: is an editor password configured, and has this session entered it.

Kept apart from add_plan.py (which loads the document extractors) so that dashboard.py can decide which pages to
offer, and declare them, before anything heavy is imported on a server's first run.
"""
from __future__ import annotations

import hashlib
import hmac
import os

import streamlit as st

SECRET_NAME = "editor_password"
SECRET_ENV = "DV2030_EDITOR_PASSWORD"
MAX_SIGN_IN_ATTEMPTS = 5
_TOKEN_KEY = "add_editor_token"
_ATTEMPTS_KEY = "add_sign_in_failures"


def editor_secret() -> str | None:
    """The configured editor password (Streamlit secret first, then the environment), or None."""
    value = None
    try:
        if st.secrets.load_if_toml_exists():
            value = st.secrets.get(SECRET_NAME)
    except Exception:  # noqa: BLE001 - an unreadable secrets file means "not configured"
        value = None
    if not value:
        value = os.environ.get(SECRET_ENV)
    value = str(value) if value is not None else ""
    return value if value.strip() else None


def editor_configured() -> bool:
    return editor_secret() is not None


def _token(secret: str) -> str:
    return hashlib.sha256(b"dv2030-editor\x00" + secret.encode("utf-8")).hexdigest()


def editor_enabled() -> bool:
    """True when an editor password is configured and this session has entered it (the page is offered)."""
    secret = editor_secret()
    token = st.session_state.get(_TOKEN_KEY)
    return secret is not None and isinstance(token, str) and hmac.compare_digest(token, _token(secret))


def sign_in(password: str) -> bool:
    secret = editor_secret()
    if secret is None or st.session_state.get(_ATTEMPTS_KEY, 0) >= MAX_SIGN_IN_ATTEMPTS:
        return False
    if hmac.compare_digest(password.encode("utf-8"), secret.encode("utf-8")):
        st.session_state[_TOKEN_KEY] = _token(secret)
        st.session_state[_ATTEMPTS_KEY] = 0
        return True
    st.session_state[_ATTEMPTS_KEY] = st.session_state.get(_ATTEMPTS_KEY, 0) + 1
    return False


def sign_out() -> None:
    st.session_state.pop(_TOKEN_KEY, None)
