"""What every page needs before it renders: the UI language, the warehouse version to read, and the style rules
the app adds to Streamlit's (set once per run by dashboard.py)."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

import streamlit as st

from .i18n import t

if TYPE_CHECKING:  # dashboard.py imports this module before the heavy ones (pandas, DuckDB): see its comments
    from .data import WarehouseVersion

# Captions: Streamlit draws them in its text colour at 60 % opacity, #828180 on white, a contrast of 3.9:1, under the
# 4.5:1 WCAG AA asks of text this size (axe-core flagged every caption). Opaque #686664 keeps the hue: 5.7:1 on
# white, 5.1:1 on the sidebar's grey.
CAPTION_COLOUR = "#686664"
# Streamlit's toolbar is English on every page: its menu ("Print", "Record screen", "Made with Streamlit": nothing a
# viewer needs, the browser prints) is hidden; its status widget (a running figure labelled "Running..." for screen
# readers, and "Stop", a developer's tool) shows only a label in the page's language while a run lasts. It stays in
# the page, so the browser tests still see when a run is over.
_STYLE = """<style>
[data-testid="stCaptionContainer"]{color:%(caption)s;opacity:1}
[data-testid="stMainMenu"]{display:none}
[data-testid="stStatusWidget"] button,[data-testid="stStatusWidget"] [role="img"]{display:none}
[data-testid="stStatusWidget"]>div::after{content:%(running)s;font-size:.875rem;color:%(caption)s;white-space:nowrap}
</style>"""


def style(lang: str) -> None:
    """The app's own style rules (no element on the page: st.html keeps a style-only block out of the layout)."""
    st.html(_STYLE % {"caption": CAPTION_COLOUR, "running": json.dumps(t("app.running", lang), ensure_ascii=False)})


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
