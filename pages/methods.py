"""Phương pháp / Methods: how progress is assessed, with a worked example an analyst can recompute by hand."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard_lib import page
from dashboard_lib.i18n import t

lang, version = page.context()
st.title(t("methods.title", lang))
st.markdown((Path(__file__).parents[1] / "docs" / f"methods.{lang}.md").read_text(encoding="utf-8"))
