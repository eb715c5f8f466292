"""What every page needs before it renders: the UI language and the warehouse version to read."""
from __future__ import annotations

import streamlit as st

from .data import WarehouseVersion


def context() -> tuple[str, WarehouseVersion]:
    """Language and warehouse version, set by dashboard.py on every run.

    On a freshly started server Streamlit runs the first request for a deep link such as
    /tasks?… as a bare script of the legacy pages/ folder, before dashboard.py has declared
    the navigation. Hand that run over to dashboard.py: it sets up the session and routes
    to the same page (the page's URL path, and so its identity, is the same in both modes).
    """
    if "warehouse_version" not in st.session_state or "lang" not in st.session_state:
        from streamlit.runtime.pages_manager import PagesManager
        PagesManager.uses_pages_directory = False
        st.rerun()
    return st.session_state["lang"], st.session_state["warehouse_version"]
