"""Bản đồ / Map: each province coloured by its plan's target, in the 63 provinces of the plans or the 34 since
1 July 2025, on province boundaries or a tile map. Logic in dashboard_lib/maps.py."""
from __future__ import annotations

import streamlit as st

from dashboard_lib import export_ui, maps, page, state, widgets
from dashboard_lib.i18n import t

lang, version = page.context()

st.title(t("map.title", lang))
st.caption(t("map.intro", lang, panel=t("map.panel.title", lang)))

choices = maps.cached_choices(version, lang)  # indicators, labels, years: read once per (warehouse, language)
keys = choices["keys"]
if not keys:
    st.info(t("map.no_indicators", lang))
    st.stop()

# ---------------------------------------------------------------- state: from the URL on the first run, then widgets
problems: list[str] = []
first_run = "map_indicator" not in st.session_state
state.seed("map_indicator", state.url_value("indicator", keys, choices["default"], problems))
for name, allowed, default in (("view", maps.VIEWS, "34"), ("mode", maps.MODES, "value"),
                               ("map", maps.SHAPES, "boundary")):
    if first_run:
        state.seed(f"map_{name}", state.url_value(name, allowed, default, problems))

labels = choices["labels"][st.session_state.get("map_view", "34")]  # each option counts the provinces of the view shown
top = st.columns([3, 1])
indicator = top[0].selectbox(t("map.control.indicator", lang), keys, format_func=labels.get, key="map_indicator")
years = [maps.LATEST] + [str(y) for y in choices["years"].get(indicator, [])]
year_key = f"map_year_{indicator}"  # each indicator has its own years
if year_key not in st.session_state:
    state.seed(year_key, state.url_value("year", years, maps.LATEST, problems) if first_run else maps.LATEST)
year = top[1].selectbox(t("map.control.year", lang), years, key=year_key, help=t("map.year.help", lang),
                        format_func=lambda y: t("map.year.latest", lang) if y == maps.LATEST else y)
year_value = year if year == maps.LATEST else int(year)

boundaries_ok, reason, tiles_ok = maps.cached_status(version)
if not boundaries_ok and not tiles_ok:
    st.warning(t("map.no_shapes", lang, reason=maps.fallback_reason(reason, lang)))
    st.stop()
benchmark = indicator in choices["benchmark"]
if not benchmark and st.session_state["map_mode"] == "diff":
    st.session_state["map_mode"] = "value"
    st.info(t("map.mode.diff_unavailable", lang))
if not boundaries_ok or not tiles_ok:
    st.session_state["map_map"] = "boundary" if boundaries_ok else "tile"

row = st.columns(3)
view = row[0].radio(t("map.control.view", lang), maps.VIEWS, key="map_view", horizontal=True,
                    format_func=lambda v: t(f"map.view.{v}", lang))
modes = maps.MODES if benchmark else tuple(m for m in maps.MODES if m != "diff")
mode = row[1].radio(t("map.control.mode", lang), modes, key="map_mode", horizontal=True,
                    format_func=lambda m: t(f"map.mode.{m}", lang),
                    help=None if benchmark else t("map.mode.no_benchmark", lang))
shape = row[2].radio(t("map.control.shape", lang), maps.SHAPES, key="map_map", horizontal=True,
                     disabled=not (boundaries_ok and tiles_ok), format_func=lambda s: t(f"map.shape.{s}.option", lang))
if not boundaries_ok:
    st.warning(t("map.fallback", lang, reason=maps.fallback_reason(reason, lang)))
if not tiles_ok:
    st.caption(t("map.no_tiles", lang))

# ---------------------------------------------------------------- selected province: URL, view switch, click
shapes = maps.cached_shapes(version, view, shape)
shown = maps.cached_view(version, view, shape, lang, indicator, year_value, mode)
unit_names, codes = shown["unit_names"], shown["codes"]
province_key = f"map_province_{view}"  # 63 and 34 codes differ: one selectbox per view
previous_view = st.session_state.get("map_previous_view")
if previous_view and previous_view != view:  # keep the province: an old one becomes its successor
    st.session_state[province_key] = maps.convert_selection(
        st.session_state.get(f"map_province_{previous_view}"), previous_view, view, maps.provinces(version),
        maps.planned_codes(version))
elif province_key not in st.session_state:
    st.session_state[province_key] = state.url_value("province", codes, None, problems) if first_run else None
st.session_state["map_previous_view"] = view
chart_key = f"map_chart_{view}_{shape}"
maps.take_click(chart_key, province_key, shapes)

widgets.notice_invalid_url(problems, lang)

left, right = st.columns([5, 2], gap="medium")
with right:
    st.subheader(t("map.panel.title", lang))
    selected = st.selectbox(t("map.panel.select", lang), codes, key=province_key, format_func=unit_names.get,
                            placeholder=t("map.panel.none", lang))
    if selected is None:
        st.caption(t("map.panel.hint", lang))
    else:
        panel, listing, details = maps.cached_province(version, view, indicator, year_value, mode, selected, lang)
        for line in panel:
            st.text(line)
        if not listing:
            st.info(widgets.t_markdown("map.panel.no_plan", lang, name=unit_names[selected]))
        else:
            st.markdown(f"**{t('map.panel.all', lang, n=len(listing))}**")
            with st.container(height=min(60 + 48 * len(listing), 520), border=True):
                for line in listing:
                    st.text(line)

with left:
    figure = maps.cached_figure(version, view, shape, lang, indicator, year_value, mode, selected)  # never modified
    st.plotly_chart(figure, key=chart_key, on_select="rerun", selection_mode="points", width="stretch",
                    config={"displaylogo": False, "scrollZoom": False,
                            "modeBarButtonsToRemove": maps.MODEBAR_REMOVE})
    st.caption(widgets.escape_markdown(shown["summary"]))  # the source line is the figure's own (exports keep it)
    labels_note = maps.labels_note(figure, lang)
    if labels_note:
        st.caption(labels_note)
    if shape == "boundary":
        st.caption(t("map.caveat", lang))
    widgets.csv_download(shown["csv"], f"map_{indicator}_{year}_{view}", lang, key="map_csv")
    export_ui.chart_export(figure, key="map_chart", lang=lang, data_frame=shown["csv"], source=shown["documents"],
                           filters={t("map.control.indicator", lang): labels[indicator],
                                    t("map.control.year", lang): t("map.year.latest", lang)
                                    if year == maps.LATEST else year,
                                    t("map.control.view", lang): t(f"map.view.{view}", lang),
                                    t("map.control.mode", lang): t(f"map.mode.{mode}", lang)})

state.set_url("indicator", indicator)
state.set_url("year", year)
state.set_url("view", view)
state.set_url("mode", mode)
state.set_url("map", shape)
state.set_url("province", selected)

if selected is not None:
    if details.num_rows:
        st.subheader(t("map.details.title", lang, name=widgets.escape_markdown(unit_names[selected])))
        st.dataframe(details, hide_index=True, width="stretch", height=widgets.rows_height(details.num_rows),
                     column_config=widgets.fitted_columns(details, lang))
