"""Lộ trình đến 2030 / Trajectories to 2030: the path each plan implies, the national path, consistency checks.

URL state: ?indicator=<key>&provinces=<code,code>&projection=1 (plus lang, handled by dashboard.py).
"""
from __future__ import annotations

import streamlit as st

from dashboard_lib import data, export_ui, page, state, trajectory, widgets
from dashboard_lib.i18n import t

lang, version = page.context()

st.title(t("nav.trajectories", lang))
st.markdown(t("trajectory.intro", lang))

frame = data.query(version, trajectory.TARGETS_SQL)
options = trajectory.indicator_options(frame)
if options.empty:
    st.info(t("trajectory.empty.no_indicators", lang))
    st.stop()

# ------------------------------------------------------------------ state: URL first, then the widgets
problems: list[str] = []
indicators = list(options["indicator"])
default_indicator = "services_growth" if "services_growth" in indicators else indicators[0]
if "trajectory.indicator" not in st.session_state:
    st.session_state["trajectory.indicator"] = state.url_value("indicator", indicators, default_indicator, problems)
elif st.session_state.get("trajectory.lang") != lang:
    # the selectbox keeps showing the label of the other language unless its value is set again
    st.session_state["trajectory.indicator"] = st.session_state["trajectory.indicator"]
st.session_state["trajectory.lang"] = lang


def _indicator_label(key: str) -> str:
    row = options.loc[options["indicator"] == key].iloc[0]
    label = row[f"label_{lang}"]
    if row["n_provinces"] == 0:
        return t("trajectory.filter.indicator_option_national", lang, label=label)
    if row["n_provinces"] == 1:
        return t("trajectory.filter.indicator_option_one", lang, label=label)
    return t("trajectory.filter.indicator_option", lang, label=label, n=int(row["n_provinces"]))


indicator = st.selectbox(t("trajectory.filter.indicator", lang), indicators, format_func=_indicator_label,
                         key="trajectory.indicator")

provinces_frame = trajectory.province_options(frame, indicator)
province_codes = list(provinces_frame["province_code"])
names = dict(zip(provinces_frame["province_code"], provinces_frame[f"province_name_{lang}"]))
if "trajectory.provinces" not in st.session_state:
    st.session_state["trajectory.provinces"] = state.url_values("provinces", province_codes, province_codes, problems)
    st.session_state["trajectory.last_indicator"] = indicator
elif st.session_state.get("trajectory.last_indicator") != indicator:
    # another indicator: keep the provinces that state it, else show all of them
    kept = [p for p in st.session_state["trajectory.provinces"] if p in province_codes]
    st.session_state["trajectory.provinces"] = kept or province_codes
    st.session_state["trajectory.last_indicator"] = indicator
else:
    st.session_state["trajectory.provinces"] = [p for p in st.session_state["trajectory.provinces"]
                                                if p in province_codes]
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
meta = trajectory.indicator_meta(frame, indicator)
paths = trajectory.build_paths(frame, indicator, provinces, projection=projection)
provincial = [p for p in paths if not p.national]

if not province_codes:
    st.info(t("trajectory.national_only", lang))
elif len(province_codes) == 1:
    st.info(t("trajectory.single_province", lang, province=names[province_codes[0]]))
if not provinces and province_codes:
    if not paths:
        st.info(t("trajectory.empty.no_provinces", lang))
        st.stop()
    st.info(t("trajectory.empty.no_provinces_national", lang))
elif provinces and not any(p.segments for p in provincial):
    st.info(t("trajectory.no_path_selected", lang))

points_only = [trajectory.plan_label(p, lang) for p in provincial if not p.segments and p.issue != "conflict"]
conflicts = [trajectory.plan_label(p, lang) for p in provincial if p.issue == "conflict"]
if points_only:
    st.caption(t("trajectory.points_note", lang, plans=", ".join(points_only)))
if conflicts:
    st.caption(t("trajectory.conflict_note", lang, plans=", ".join(conflicts)))

built_on = str(data.build_info(version)["built_at"])[:10]
source = widgets.source_line([p.document_number for p in paths], built_on, lang)
figure = trajectory.figure(paths, meta, lang, source)
st.plotly_chart(figure, key="trajectory.chart", config={"displaylogo": False})

numbers = trajectory.implied_numbers(paths)
implied = trajectory.csv_frame(numbers, meta, lang)
widgets.csv_download(implied, f"lo-trinh-2030_{indicator}", lang, key="trajectory.download")
export_ui.chart_export(figure, key="trajectory_chart", lang=lang, source=[p.document_number for p in paths],
                       data_frame=implied)

st.subheader(t("trajectory.table.title", lang))
widgets.plain_table(trajectory.summary_table(paths, meta, lang).set_index(t("trajectory.col.plan", lang)))
widgets.plain_table(trajectory.implied_table(paths, meta, lang).set_index(t("col.year", lang)))
st.caption(t("trajectory.table.note", lang))

with st.expander(t("trajectory.method.title", lang), expanded=True):
    st.markdown(t("trajectory.method_note", lang))

# ------------------------------------------------------------------ consistency of each plan's targets
st.subheader(t("trajectory.checks.title", lang))
st.caption(t("trajectory.checks.caption", lang))
checks = trajectory.consistency_checks(frame, provinces)
if checks:
    table = trajectory.checks_table(checks, trajectory.indicator_labels(frame), lang)
    plan_column = t("trajectory.col.plan", lang)
    for plan, rows in table.groupby(plan_column, sort=False):
        st.markdown(f"**{widgets.escape_markdown(plan)}**")
        widgets.plain_table(rows.drop(columns=plan_column).set_index(t("trajectory.col.check", lang)))
else:
    st.info(t("trajectory.checks.none", lang))
