"""Dịch vụ 2030 — entry point: `streamlit run dashboard.py`.

Builds the warehouse on first run (or when the curated files changed), then routes to the pages.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard_lib import editor, page, state
from dashboard_lib.i18n import t

HERE = Path(__file__).parent
# (file, title key, icon); a page appears once its file exists.
PAGES = [
    ("pages/overview.py", "nav.overview", ":material/home:"),
    ("pages/map.py", "nav.map", ":material/map:"),
    ("pages/sector_targets.py", "nav.sector_targets", ":material/bar_chart:"),
    ("pages/trajectories.py", "nav.trajectories", ":material/trending_up:"),
    ("pages/progress.py", "nav.progress", ":material/flag:"),
    ("pages/tasks.py", "nav.tasks", ":material/assignment:"),
    ("pages/plans.py", "nav.plans", ":material/description:"),
    ("pages/slide_deck.py", "nav.slide_deck", ":material/slideshow:"),
    ("pages/methods.py", "nav.methods", ":material/functions:"),
]

st.set_page_config(page_title="Dịch vụ 2030", page_icon=":material/insights:", layout="wide")

lang = state.language()
page.style(lang)
# The pages are declared before the warehouse is (re)built: until a script calls st.navigation, Streamlit shows
# its own file-name list of pages/, which a first visitor would otherwise see during the first build.
pages = [st.Page(path, title=t(title, lang), icon=icon, default=path.endswith("overview.py"))
         for path, title, icon in PAGES if (HERE / path).exists()]
if editor.editor_enabled():  # editors only: viewers of a shared deployment can never write
    pages.append(st.Page("pages/add_plan.py", title=t("nav.add_plan", lang), icon=":material/note_add:"))
navigation = st.navigation(pages)

# Imported only now: on a server's first run these imports (pandas, DuckDB, Plotly, the extractors) take a second.
from dashboard_lib import add_plan as add_plan_ui  # noqa: E402
from dashboard_lib import data  # noqa: E402
from dashboard_lib.widgets import escape_markdown  # noqa: E402

with st.spinner(t("app.building", lang)):
    version, build = data.prepare()

if build is not None and not build.ok:
    problems = "\n".join(f"- {escape_markdown(issue)}" for issue in build.errors[:50])  # data text: no markup
    st.error(f"{t('app.build_failed' if version else 'app.no_warehouse', lang)}\n\n{problems}")
    if version is None:
        st.stop()
if version is None:  # a read-only replica before the first release was published
    st.error(t("app.no_release", lang), icon=":material/hourglass_empty:")
    st.stop()

lang = state.language_selector(lang)
add_plan_ui.editor_sidebar(lang)  # shown only when an editor password is configured
st.session_state["warehouse_version"] = version
navigation.run()
