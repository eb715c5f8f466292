"""Lộ trình đến 2030 / Trajectories to 2030: the path each plan implies, the national path, consistency checks.

URL state: ?indicator=<key>&provinces=<code,code>&projection=1 (plus lang, handled by dashboard.py).
"""
from __future__ import annotations

import streamlit as st

from dashboard_lib import data, export_ui, formatting, page, state, trajectory, widgets
from dashboard_lib.i18n import t

lang, version = page.context()

st.title(t("nav.trajectories", lang))
st.markdown(t("trajectory.intro", lang))

options = trajectory.cached_indicator_options(version)
if not options:
    st.info(t("trajectory.empty.no_indicators", lang))
    st.stop()

# ------------------------------------------------------------------ state: URL first, then the widgets
problems: list[str] = []
indicators = [option.indicator for option in options]
default_indicator = "services_growth" if "services_growth" in indicators else indicators[0]
if "trajectory.indicator" not in st.session_state:
    st.session_state["trajectory.indicator"] = state.url_value("indicator", indicators, default_indicator, problems)
elif st.session_state.get("trajectory.lang") != lang:
    # the selectbox keeps showing the label of the other language unless its value is set again
    st.session_state["trajectory.indicator"] = st.session_state["trajectory.indicator"]
st.session_state["trajectory.lang"] = lang


option_rows = {option.indicator: option for option in options}


def _indicator_label(key: str) -> str:
    option = option_rows[key]
    label, n_provinces = getattr(option, f"label_{lang}"), option.n_provinces
    if n_provinces == 0:
        return t("trajectory.filter.indicator_option_national", lang, label=label)
    if n_provinces == 1:
        return t("trajectory.filter.indicator_option_one", lang, label=label)
    return t("trajectory.filter.indicator_option", lang, label=label, n=n_provinces)


indicator = st.selectbox(t("trajectory.filter.indicator", lang), indicators, format_func=_indicator_label,
                         key="trajectory.indicator")

province_options = trajectory.cached_province_options(version, indicator)
province_codes = [option.province_code for option in province_options]
names = {option.province_code: getattr(option, f"name_{lang}") for option in province_options}
if "trajectory.provinces" not in st.session_state:
    st.session_state["trajectory.provinces"] = state.url_values("provinces", province_codes, province_codes, problems)
    st.session_state["trajectory.last_indicator"] = indicator
elif st.session_state.get("trajectory.last_indicator") != indicator:
    # another indicator: all of its provinces if all were shown, else keep the chosen ones that state it (or all)
    previous = trajectory.cached_province_options(version, st.session_state["trajectory.last_indicator"])
    chosen = st.session_state["trajectory.provinces"]
    kept = [p for p in chosen if p in province_codes]
    had_all = set(chosen) == {option.province_code for option in previous}
    st.session_state["trajectory.provinces"] = province_codes if had_all or not kept else kept
    st.session_state["trajectory.last_indicator"] = indicator
else:
    st.session_state["trajectory.provinces"] = [p for p in st.session_state["trajectory.provinces"]
                                                if p in province_codes]
st.session_state["trajectory.last_options"] = province_codes
provinces = st.multiselect(t("trajectory.filter.provinces", lang), province_codes, format_func=names.get,
                           key="trajectory.provinces", help=t("trajectory.filter.provinces_help", lang),
                           placeholder=t("trajectory.filter.provinces_placeholder", lang))

if "trajectory.projection" not in st.session_state:
    st.session_state["trajectory.projection"] = state.url_value("projection", ["0", "1"], "0", problems) == "1"
projection = st.toggle(t("trajectory.filter.projection", lang), key="trajectory.projection",
                       help=t("trajectory.filter.projection_help", lang))

state.set_url("indicator", indicator)
state.set_url("provinces", provinces if provinces else "")
state.set_url("projection", "1" if projection else None)
widgets.notice_invalid_url(problems, lang)

# ------------------------------------------------------------------ the chart
shown = trajectory.view(version, indicator, tuple(provinces), projection, lang)
paths, meta = shown.paths, shown.meta
provincial = [p for p in paths if not p.national]

if not province_codes:
    st.info(t("trajectory.national_only", lang))
elif len(province_codes) == 1:
    st.info(widgets.t_markdown("trajectory.single_province", lang, province=names[province_codes[0]]))
if not provinces and province_codes:
    if not shown.any_plan:
        st.info(t("trajectory.empty.no_provinces", lang))
        st.stop()
    st.info(t("trajectory.empty.no_provinces_national", lang))
elif provinces and not shown.provincial_path:
    st.info(t("trajectory.no_path_selected", lang))
if shown.capped:
    st.info(t("trajectory.capped.plans", lang, shown=shown.shown, total=formatting.number(shown.total, lang, 0)))

points_only = [trajectory.plan_label(p, lang) for p in provincial if not p.segments and p.issue != "conflict"]
conflicts = [trajectory.plan_label(p, lang) for p in provincial if p.issue == "conflict"]
if points_only:
    st.caption(widgets.t_markdown("trajectory.points_note", lang, plans=", ".join(points_only)))
if conflicts:
    st.caption(widgets.t_markdown("trajectory.conflict_note", lang, plans=", ".join(conflicts)))

built_on = data.built_on_text(version, lang)
source = widgets.source_line([p.document_number for p in paths], built_on, lang)
figure = trajectory.chart(version, indicator, tuple(provinces), projection, lang, source)
st.plotly_chart(figure, key="trajectory.chart", config={"displaylogo": False})

widgets.csv_download(shown.csv, f"lo-trinh-2030_{indicator}", lang, key="trajectory.download")
export_ui.chart_export(figure, key="trajectory_chart", lang=lang, source=[p.document_number for p in paths],
                       data_frame=shown.csv, filters={
                           t("trajectory.filter.indicator", lang): getattr(option_rows[indicator], f"label_{lang}"),
                           t("trajectory.filter.provinces", lang): export_ui.chosen_text(
                               provinces, province_codes, names.get, lang) if provinces
                           else t("export.filter.none", lang),
                           t("trajectory.filter.projection", lang): export_ui.flag_text(projection, lang)})

st.subheader(t("trajectory.table.title", lang))
widgets.html_block(shown.tables)  # the summary by plan and the values by year, built once per selection
st.caption(t("trajectory.table.note", lang))

with st.expander(t("trajectory.method.title", lang), expanded=True):
    st.markdown(t("trajectory.method_note", lang))

# ------------------------------------------------------------------ consistency of each plan's targets
st.subheader(t("trajectory.checks.title", lang))
st.caption(t("trajectory.checks.caption", lang))
checks = trajectory.checks_view(version, tuple(provinces), lang)
if checks.capped:
    st.info(t("trajectory.capped.checks", lang, shown=checks.shown, total=formatting.number(checks.total, lang, 0),
              checks=formatting.number(len(checks.csv), lang, 0)))
    widgets.csv_download(checks.csv, "lo-trinh-2030_kiem-tra", lang, key="trajectory.checks_download")
if checks.plans:
    widgets.html_block(checks.tables)  # each plan's checks under its name, built once per selection
else:
    st.info(t("trajectory.checks.none", lang))
