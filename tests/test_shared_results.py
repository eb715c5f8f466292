"""Results shared by every session (data.shared) are handed out as the same object, not copied: no page may change
one. These tests build them afresh while the pages run (both languages, filters changed, every export menu open),
let a second session read them, and compare each with its pickled bytes from when it was built."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PAGES = ["overview", "map", "sector_targets", "trajectories", "progress", "tasks", "plans", "slide_deck"]


@pytest.fixture
def audit(app_env, monkeypatch):
    """Shared results recorded as they are built (the caches emptied first, so that every one is built)."""
    import streamlit as st

    from dashboard_lib import data
    recorded: list = []
    monkeypatch.setattr(data, "SHARED_AUDIT", recorded)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield recorded
    st.cache_resource.clear()  # nothing recorded under audit outlives the test


def changed(recorded: list) -> list[str]:
    from dashboard_lib import data
    return [name for name, result, built in recorded if data.fingerprint(result) != built]


EXPORT_MENUS = {"overview": "overview_chart", "map": "map_chart", "sector_targets": "sector_chart",
                "trajectories": "trajectory_chart", "progress": "progress_chart", "tasks": "tasks_matrix"}


def _open_export_menu(at, page: str) -> None:
    """Open the page's export menu (what a click on its button does), then rerun."""
    if page in EXPORT_MENUS:
        at.session_state[f"{EXPORT_MENUS[page]}-export-menu"] = True
        at.run()
        assert at.get("download_button"), f"{page}: the open menu has its downloads"


def _browse(lang: str) -> None:
    """One session through every page, changing a filter where the page has one."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    for page in PAGES:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        _open_export_menu(at, page)
        if page == "overview":
            at.segmented_control(key="overview_indicator").set_value("services_share_grdp").run()
        elif page == "map":
            at.radio(key="map_view").set_value("63").run()  # the map opens on the 34 provinces
            at.session_state["map_province_63"] = "68"  # a province chosen: its side panel and table
            at.run()
            at.radio(key="map_view").set_value("34").run()
        elif page == "sector_targets":
            at.toggle(key="sector_national").set_value(False).run()
        elif page == "trajectories":
            at.toggle(key="trajectory.projection").set_value(True).run()
        elif page == "progress":
            at.toggle(key="progress_assessable").set_value(False).run()  # another selection: a second view
            from dashboard_lib import data, progress_view
            pick = at.selectbox(key="progress_pick")  # its options are labels; its values target ids
            last = next(i for i in progress_view.verdicts(data.current_version())["target_id"]
                        if pick.format_func(i) == pick.options[-1])
            at.session_state["progress_pick"] = last  # another verdict explained
            at.run()
        elif page == "tasks":
            at.checkbox(key=at.checkbox[0].key).check().run()
        assert not at.exception, (page, at.exception)
        _open_export_menu(at, page)


def test_pages_leave_shared_results_unchanged(audit):
    for lang in ("vi", "en", "vi"):  # the second Vietnamese session reads what the first built
        _browse(lang)
    built = {name for name, _, _ in audit}
    expected = {"overview_summary", "overview_cards", "overview_chart", "overview_tables", "cached_choices",
                "cached_view", "cached_figure", "cached_shapes", "cached_province", "sector_choices", "sector_pool",
                "sector_years", "sector_view", "cached_indicator_options", "cached_province_options", "view",
                "checks_view", "chart", "options", "matrix_chart", "documents", "targets", "build_info",
                "selection_view", "explanation_of"}
    assert expected <= {name.rsplit(".", 1)[-1] for name in built}, expected - built
    assert changed(audit) == []


def test_the_audit_sees_a_change(audit, app_env):
    """The check above can fail: a shared map geometry changed in place is caught."""
    from dashboard_lib import data, maps
    version = data.current_version()
    shapes = maps.cached_shapes(version, "63", "tile")
    assert changed(audit) == []
    next(iter(shapes.features.values()))["properties"]["code"] = "changed"
    assert changed(audit) == ["cached_shapes"]
